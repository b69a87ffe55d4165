// Guess! with JavaScript: answers are sent without leaving the page (the
// game's part of the answer page replaces the old one), and keys 1 to 4
// pick a choice. Without it, the same forms post and the page reloads.
(function () {
  var play = document.getElementById("play");
  if (!play || !window.fetch || !window.DOMParser) return;

  function send(form, submitter) {
    var data = new URLSearchParams(new FormData(form));
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    play.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      redirect: "follow",
    })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("play");
        if (!next) { form.submit(); return; }
        play.innerHTML = next.innerHTML;
        play.removeAttribute("aria-busy");
        var focus = play.querySelector(".choice") || play.querySelector(".guess-start button");
        if (focus) focus.focus({ preventScroll: true });
      })
      .catch(function () { form.submit(); });
  }

  play.addEventListener("submit", function (e) {
    e.preventDefault();
    send(e.target, e.submitter);
  });

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    if (e.target && (e.target.tagName === "INPUT" || e.target.tagName === "TEXTAREA")) return;
    var n = parseInt(e.key, 10);
    var choices = play.querySelectorAll(".choice");
    if (n >= 1 && n <= choices.length) {
      e.preventDefault();
      choices[n - 1].click();
    }
  });
})();
