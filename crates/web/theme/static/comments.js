// The post page is the same for every reader (the server caches it), so the
// parts that are one reader's own come from /comments/form/{post}: the
// form's security token and time stamp, "commenting as" for a logged-in
// member of the team, and edit links on the reader's comments of the last
// ten minutes. Without this script the form still works: the server asks
// the reader to confirm once.
(function () {
  "use strict";
  var section = document.getElementById("comments");
  if (!section || !window.fetch) return;
  fetch("/comments/form/" + encodeURIComponent(section.dataset.post), {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  })
    .then(function (r) {
      return r.ok ? r.json() : Promise.reject(new Error("status " + r.status));
    })
    .then(function (me) {
      var form = section.querySelector("form.comment-form");
      if (form) {
        if (!form.elements.csrf.value) form.elements.csrf.value = me.csrf;
        if (!form.elements.stamp.value) form.elements.stamp.value = me.stamp;
        if (me.member) {
          var who = form.querySelector(".member");
          who.textContent = "Commenting as " + me.member + " (logged in).";
          who.hidden = false;
          var fields = form.querySelector(".reader-fields");
          if (fields) fields.hidden = true;
        }
      }
      me.editable.forEach(function (id) {
        var footer = document.querySelector("#comment-" + id + " footer");
        if (!footer || footer.querySelector(".edit")) return;
        var link = document.createElement("a");
        link.className = "edit";
        link.href = "/comments/" + id + "/edit";
        link.textContent = "Edit or delete";
        var hint = document.createElement("span");
        hint.className = "hint";
        hint.textContent = "(for 10 minutes after posting)";
        footer.append(" ", link, " ", hint);
      });
      section.dataset.ready = "true";
    })
    .catch(function (e) {
      // The form still works without the token: the server asks to confirm.
      console.warn("bestpick: could not load the comment form's details:", e);
    });
})();
