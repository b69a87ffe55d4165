// The post editor's behaviours. Without JavaScript every one of them has a
// plain-form fallback on the server: "Preview" renders the preview, "Add a
// row" and the rows' remove buttons send the form back with a row more or
// less, and "Save" saves.
(function () {
  var form = document.getElementById("editor");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrf]").value;

  // Live preview of the body while typing.
  var body = form.querySelector("textarea[data-preview]");
  var out = document.getElementById("preview");
  if (body && out) {
    var timer = null;
    var last = null;
    var refresh = function () {
      if (body.value === last) return;
      last = body.value;
      var data = new URLSearchParams();
      data.set("csrf", csrf);
      data.set("body", body.value);
      fetch(body.dataset.preview, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { out.innerHTML = html; })
        .catch(function () { /* keep the last preview */ });
    };
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    refresh();
  }

  // Repeated rows (cast, scores, critics, lines) grow and shrink in place,
  // numbered as the server numbers them ("Score 2: value"); typing into the
  // last row adds a blank one below it, so there is always one to fill.
  var fields = function (tr) { return Array.prototype.slice.call(tr.querySelectorAll("[data-col]")); };
  var renumber = function (table) {
    var name = table.dataset.rows;
    var label = table.dataset.label;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr, i) {
      fields(tr).forEach(function (f) {
        f.id = "f-" + name + "-" + i + "-" + f.dataset.col;
        f.setAttribute("aria-label", label + " " + (i + 1) + ": " + f.dataset.word);
      });
      var remove = tr.querySelector(".row-remove");
      remove.value = "remove:" + name + ":" + i;
      remove.setAttribute("aria-label", "Remove " + label.toLowerCase() + " " + (i + 1));
    });
  };
  var addRow = function (table) {
    var rows = table.tBodies[0].rows;
    var row = rows[rows.length - 1].cloneNode(true);
    fields(row).forEach(function (f) {
      f.value = "";
      if (f.tagName === "TEXTAREA") f.textContent = "";
      f.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(row.querySelectorAll(".error"), function (e) { e.remove(); });
    table.tBodies[0].appendChild(row);
    renumber(table);
    return row;
  };
  var isBlank = function (tr) {
    return fields(tr).every(function (f) { return f.value.trim() === ""; });
  };
  form.addEventListener("click", function (e) {
    var button = e.target.closest("button[name=action]");
    var m = button && /^(add|remove):(\w+)(?::(\d+))?$/.exec(button.value);
    var table = m && form.querySelector('table[data-rows="' + m[2] + '"]');
    if (!table) return;
    e.preventDefault();
    if (m[1] === "add") {
      fields(addRow(table))[0].focus();
    } else {
      var tr = button.closest("tr");
      var next = tr.nextElementSibling || tr.previousElementSibling;
      if (!next) next = addRow(table);
      tr.remove();
      renumber(table);
      fields(next)[0].focus();
    }
    changed();
  });
  form.addEventListener("input", function (e) {
    var tr = e.target.closest("table[data-rows] tbody tr");
    if (!tr) return;
    var rows = tr.parentNode.rows;
    if (tr === rows[rows.length - 1] && !isBlank(tr)) addRow(tr.closest("table"));
  });

  // A warning before leaving with changes nobody saved.
  var unsaved = false;
  var changed = function () { unsaved = true; };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { unsaved = false; });
  window.addEventListener("beforeunload", function (e) {
    if (!unsaved) return;
    e.preventDefault();
    e.returnValue = "";
  });

  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();
})();
