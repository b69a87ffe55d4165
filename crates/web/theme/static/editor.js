// Live preview of the body while typing. Without JavaScript the "Preview"
// button renders the same preview on the server.
(function () {
  var body = document.querySelector("textarea[data-preview]");
  var out = document.getElementById("preview");
  var form = document.getElementById("editor");
  if (!body || !out || !form) return;
  var csrf = form.querySelector("input[name=csrf]").value;
  var timer = null;
  var last = null;
  function refresh() {
    if (body.value === last) return;
    last = body.value;
    var data = new URLSearchParams();
    data.set("csrf", csrf);
    data.set("body", body.value);
    fetch(body.dataset.preview, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { out.innerHTML = html; })
      .catch(function () { /* keep the last preview */ });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();
  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();
})();
