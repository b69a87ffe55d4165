// The post page is the same for every reader (the server caches it), so the
// parts that are one reader's own come from /comments/form/{post}: a fresh
// time stamp and the form's security token, "commenting as" for a logged-in
// member of the team, the name and email remembered on this device, and
// edit links on the reader's comments of the last ten minutes. Without this
// script the form still works, in one press from this page.
(function () {
  "use strict";
  var section = document.getElementById("comments");
  if (!section || !window.fetch) return;
  var form = section.querySelector("form.comment-form");

  // "Reply" opens the form under the comment replied to; "cancel" puts it back.
  if (form) {
    var home = form.parentNode;
    var next = form.nextSibling;
    var heading = form.querySelector("h3");
    var parent = form.elements.parent_id;
    var replyTo = function (article) {
      if (!parent) {
        parent = document.createElement("input");
        parent.type = "hidden";
        parent.name = "parent_id";
        form.appendChild(parent);
      }
      parent.value = article.id.replace("comment-", "");
      var name = article.querySelector(".comment-author").textContent.trim();
      heading.textContent = "Reply to " + name + " ";
      var cancel = document.createElement("a");
      cancel.className = "cancel";
      cancel.href = "#respond";
      cancel.textContent = "(cancel)";
      heading.appendChild(cancel);
      article.after(form);
      form.elements.body.focus();
    };
    section.addEventListener("click", function (e) {
      var reply = e.target.closest("a.reply");
      if (reply) {
        e.preventDefault();
        replyTo(reply.closest("article"));
        return;
      }
      if (e.target.closest("a.cancel")) {
        e.preventDefault();
        if (parent) parent.value = "";
        heading.textContent = "Leave a comment";
        home.insertBefore(form, next);
        form.elements.body.focus();
      }
    });
  }

  fetch("/comments/form/" + encodeURIComponent(section.dataset.post), {
    credentials: "same-origin",
    cache: "no-store",
    headers: { Accept: "application/json" },
  })
    .then(function (r) {
      return r.ok ? r.json() : Promise.reject(new Error("status " + r.status));
    })
    .then(function (me) {
      if (form) {
        if (!form.elements.csrf.value) form.elements.csrf.value = me.csrf;
        form.elements.stamp.value = me.stamp;
        if (me.member) {
          var who = form.querySelector(".member");
          who.textContent = "Commenting as " + me.member + " (logged in).";
          who.hidden = false;
          var fields = form.querySelector(".reader-fields");
          if (fields) fields.hidden = true;
        } else if (me.remembered && !document.getElementById("comment-message")) {
          // A fresh form only: one sent back keeps what the reader chose.
          var filled = false;
          ["name", "email", "website"].forEach(function (k) {
            var input = form.elements[k];
            if (input && !input.value && me.remembered[k]) {
              input.value = me.remembered[k];
              filled = true;
            }
          });
          if (filled) form.elements.remember.checked = true;
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
      // The form still works without the token, from this page.
      console.warn("bestpick: could not load the comment form's details:", e);
    });
})();
