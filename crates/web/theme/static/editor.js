// The post editor's behaviours. Without JavaScript every one of them has a
// plain-form fallback on the server: "Preview" renders the preview, "Add a
// row" and the rows' remove buttons send the form back with a row more or
// less, and "Save" saves.
(function () {
  var form = document.getElementById("editor");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrf]").value;

  // Sends `data` for JSON: {ok, j}, where a refusal's j.error.message says
  // what happened ("not saved yet: Title: is missing"), whatever answered.
  var postJson = function (url, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (r) {
        return r.json()
          .catch(function () { return { error: { message: "the site answered " + r.status } }; })
          .then(function (j) { return { ok: r.ok, j: j }; });
      })
      .catch(function () { return { ok: false, j: { error: { message: "the site could not be reached" } } }; });
  };
  var sentence = function (text) { return text.charAt(0).toUpperCase() + text.slice(1) + "."; };

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
  // Several lines pasted into a row make a row each, their cells split at
  // tabs (a spreadsheet's rows); a cast line may also read as written in
  // articles: "Ryan Gosling as Sebastian Wilder, a jazz pianist".
  form.addEventListener("paste", function (e) {
    var cell = e.target.closest("table[data-rows] [data-col]");
    var text = e.clipboardData && e.clipboardData.getData("text/plain");
    if (!cell || !text || !/\n/.test(text.trim())) return;
    e.preventDefault();
    var table = cell.closest("table");
    var tr = cell.closest("tr");
    var start = fields(tr).indexOf(cell);
    text.split(/\r?\n/).map(function (l) { return l.trim(); }).filter(Boolean).forEach(function (line) {
      var cells = line.split("\t");
      var as = / as /i.exec(line);
      if (cells.length === 1 && table.dataset.rows === "cast" && as) {
        cells = [line.slice(0, as.index), line.slice(as.index + 4).split(/, /)[0]];
      }
      var row = tr || addRow(table);
      fields(row).slice(start).forEach(function (f, i) {
        if (i < cells.length) f.value = cells[i].trim();
      });
      tr = row.nextElementSibling;
    });
    var rows = table.tBodies[0].rows;
    if (!isBlank(rows[rows.length - 1])) addRow(table);
    changed();
  });
  form.addEventListener("input", function (e) {
    var tr = e.target.closest("table[data-rows] tbody tr");
    if (!tr) return;
    var rows = tr.parentNode.rows;
    if (tr === rows[rows.length - 1] && !isBlank(tr)) addRow(tr.closest("table"));
  });

  // Images: a file dropped on the panel, or chosen and sent with "Upload",
  // goes to the library by fetch; it joins the choosers, chosen as the
  // cover or the poster, or its Markdown goes into the body. The form and
  // everything typed in it stay as they are.
  var panel = document.getElementById("images");
  if (panel) {
    var fileInput = panel.querySelector("input[type=file]");
    var alt = panel.querySelector("input[name=image_alt]");
    var use = panel.querySelector("select[name=image_use]");
    var status = panel.querySelector(".upload-status");
    var zone = panel.querySelector(".dropzone");
    panel.querySelector("[data-drop-hint]").hidden = false;
    var choice = function (group, value, m) {
      var box = panel.querySelector('[data-choices="' + group + '"]');
      if (!box) return;
      var label = document.createElement("label");
      label.className = "choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = group === "cover" ? "cover" : "work_poster";
      radio.value = value;
      var img = document.createElement("img");
      img.src = m.url;
      img.alt = "";
      img.width = m.width;
      img.height = m.height;
      var name = document.createElement("span");
      name.textContent = m.alt;
      label.append(radio, img, name);
      box.insertBefore(label, box.children[1] || null);
      return radio;
    };
    var send = function (file) {
      var data = new FormData();
      data.set("csrf", csrf);
      data.set("file", file);
      data.set("alt", alt.value);
      status.textContent = "Uploading " + file.name + "…";
      postJson(panel.dataset.upload, data)
        .then(function (a) {
          if (!a.ok) {
            status.textContent = sentence(a.j.error.message);
            return;
          }
          var m = a.j;
          var cover = choice("cover", String(m.id), m);
          var poster = choice("poster", m.url, m);
          var placed;
          if (use.value === "poster" && poster) {
            poster.checked = true;
            placed = "it is the poster now";
          } else if (use.value === "body" && body) {
            // The alt text as a Markdown image's words: brackets kept as typed.
            var words = m.alt.replace(/[\[\]\\]/g, "\\$&").replace(/[\r\n]+/g, " ");
            var md = "![" + words + "](" + m.url + ")";
            var at = body.selectionEnd || body.value.length;
            body.value = body.value.slice(0, at) + "\n\n" + md + "\n\n" + body.value.slice(at);
            body.dispatchEvent(new Event("input", { bubbles: true }));
            placed = "its Markdown is in the body";
          } else {
            cover.checked = true;
            placed = "it is the cover now";
          }
          fileInput.value = "";
          alt.value = "";
          status.textContent = "Uploaded “" + m.alt + "”: " + placed + ".";
          changed();
        });
    };
    form.addEventListener("click", function (e) {
      var button = e.target.closest("button[value=upload]");
      if (!button) return;
      e.preventDefault();
      if (fileInput.files.length) send(fileInput.files[0]);
      else status.textContent = "Choose an image first, or drop one here.";
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) {
        e.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      var file = e.dataTransfer.files[0];
      if (file) send(file);
    });
  }

  // Whether the typed work is one other posts show: said as it is typed.
  var sharing = document.getElementById("work-sharing");
  if (sharing) {
    var ask = null;
    var check = function () {
      var url = new URL(sharing.dataset.sharing, location.href);
      ["kind", "work", "work_kind", "work_name", "work_year", "work_imdb_id"].forEach(function (name) {
        var field = form.elements[name];
        if (field) url.searchParams.set(name, field.value);
      });
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (j) {
          sharing.textContent = j.message || "";
          sharing.hidden = !j.message;
        })
        .catch(function () { /* keep what is shown */ });
    };
    ["work_name", "work_year", "work_imdb_id", "work"].forEach(function (name) {
      var field = form.elements[name];
      if (field) field.addEventListener("input", function () {
        clearTimeout(ask);
        ask = setTimeout(check, 400);
      });
    });
  }

  // A warning before leaving with changes nobody saved.
  var unsaved = false;
  var edits = 0;
  var changed = function () { unsaved = true; edits += 1; };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("beforeunload", function (e) {
    if (!unsaved) return;
    e.preventDefault();
    e.returnValue = "";
  });

  // Autosave: a draft (new, or stored and not published) is saved every
  // few seconds after a change, once it has a title; the first save makes
  // the post and the page becomes its editor. A form sent while a save is
  // on its way waits for it, so a new post is never made twice.
  var note = document.getElementById("autosave");
  var saving = false;
  var waiting = null;
  var sent = 0;
  var autosave = function () {
    if (form.dataset.autosave !== "on" || saving || sent === edits) return;
    if (!form.elements.title.value.trim()) return;
    saving = true;
    var at = edits;
    var data = new FormData(form);
    data.delete("image_file");
    data.set("action", "autosave");
    // The form's buttons are called "action": form.action would be them.
    postJson(form.getAttribute("action"), data)
      .then(function (a) {
        sent = at;
        if (!a.ok) {
          note.textContent = sentence(a.j.error.message);
          return;
        }
        if (!/\/admin\/posts\/\d+$/.test(form.getAttribute("action"))) {
          form.setAttribute("action", a.j.edit);
          history.replaceState(null, "", a.j.edit);
          if (sharing) sharing.dataset.sharing = "/admin/works/sharing?post=" + a.j.id;
        }
        note.textContent = "Draft saved at " + a.j.saved + ".";
        if (edits === at) unsaved = false;
      })
      .then(function () {
        saving = false;
        if (waiting) form.requestSubmit(waiting === true ? undefined : waiting);
      });
  };
  if (note && form.dataset.autosave === "on") setInterval(autosave, 5000);
  form.addEventListener("submit", function (e) {
    // "Preview" opens a tab of its own: this page stays as it is.
    if (e.submitter && e.submitter.getAttribute("formtarget") === "_blank") return;
    if (saving) {
      e.preventDefault();
      waiting = e.submitter || true;
      return;
    }
    waiting = null;
    unsaved = false;
    form.dataset.autosave = "off";
    sent = edits;
  });

  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();
})();
