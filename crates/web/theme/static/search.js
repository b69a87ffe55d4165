// Suggestions under the search box as the reader types: works, people and
// posts from /search/suggest, chosen with the arrow keys and Enter or by
// pointer. Without JavaScript the box is a plain form to the results page.
(function () {
  var input = document.getElementById("site-search-q");
  var list = document.getElementById("site-search-list");
  if (!input || !list || !window.fetch) return;
  var timer = null, asked = "", active = -1, controller = null;

  function options() { return list.querySelectorAll("[role=option]"); }

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(i) {
    var all = options();
    if (!all.length) return;
    active = (i + all.length) % all.length;
    all.forEach(function (o, n) { o.setAttribute("aria-selected", n === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", all[active].id);
  }

  function add(group, label, detail, url) {
    var li = document.createElement("li");
    li.setAttribute("role", "option");
    li.id = "site-search-option-" + list.children.length;
    li.dataset.url = url;
    var a = document.createElement("a");
    a.href = url;
    a.tabIndex = -1;
    a.textContent = label;
    li.appendChild(a);
    var small = document.createElement("span");
    small.className = "kind";
    small.textContent = detail ? group + " · " + detail : group;
    li.appendChild(small);
    list.appendChild(li);
  }

  function show(found, q) {
    if (q !== input.value.trim()) return;
    list.textContent = "";
    found.works.forEach(function (w) { add(w.kind === "tv" ? "TV" : "Film", w.name + " (" + w.year + ")", "", "/work/" + w.slug); });
    found.people.forEach(function (p) { add("Person", p.name, "", "/person/" + p.slug); });
    found.posts.forEach(function (p) { add("Post", p.title, p.section, p.url); });
    add("Search", "All results for “" + q + "”", "", "/search?q=" + encodeURIComponent(q));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function ask() {
    var q = input.value.trim();
    if (q === asked) return;
    asked = q;
    if (q.length < 2) { close(); return; }
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    fetch("/search/suggest?q=" + encodeURIComponent(q), { signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) { if (found) show(found, q); })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (e) {
    // Keys that confirm an input method's conversion are the method's.
    if (list.hidden || e.isComposing || e.keyCode === 229) return;
    if (e.key === "ArrowDown") { e.preventDefault(); mark(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); mark(active < 0 ? -1 : active - 1); }
    else if (e.key === "Escape") { close(); asked = ""; }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.href = options()[active].dataset.url;
    }
  });
  list.addEventListener("mousedown", function (e) {
    // Before the input's blur closes the list.
    var option = e.target.closest("[role=option]");
    if (option) { e.preventDefault(); window.location.href = option.dataset.url; }
  });
  // Closed on leaving; the same words typed again ask again.
  input.addEventListener("blur", function () { setTimeout(function () { close(); asked = ""; }, 100); });
})();
