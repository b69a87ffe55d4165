// Keyboard moderation on /admin/comments: j/k move between comments,
// a approve, s spam, t trash, x select, u undo the last action while its
// notice offers it. The page works without it.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".mod-comment"));
  var current = -1;
  function focus(i) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, i));
    items.forEach(function (el, n) { el.classList.toggle("current", n === current); });
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }
  var all = document.getElementById("select-all");
  if (all) all.addEventListener("change", function () {
    document.querySelectorAll('input[name="ids"][form="bulk"]').forEach(function (b) { b.checked = all.checked; });
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (e.key === "j") { focus(current + 1); e.preventDefault(); return; }
    if (e.key === "k") { focus(current - 1); e.preventDefault(); return; }
    if (e.key === "u") {
      var undo = document.querySelector(".undo button");
      if (undo && getComputedStyle(undo).visibility === "visible") { e.preventDefault(); undo.click(); }
      return;
    }
    if (current < 0) return;
    var item = items[current];
    if (e.key === "x") {
      var box = item.querySelector('input[name="ids"]');
      if (box) box.checked = !box.checked;
      e.preventDefault();
      return;
    }
    var button = item.querySelector('button[data-key="' + e.key + '"]');
    if (button) { e.preventDefault(); button.click(); }
  });
  if (items.length) focus(0);
})();
