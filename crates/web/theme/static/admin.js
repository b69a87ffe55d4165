// Small behaviours of the editor's pages, kept out of the HTML so the
// Content-Security-Policy can forbid inline scripts:
// - a form or button with data-confirm asks before it is sent;
// - an input with data-select-all selects its text when clicked.
(function () {
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var button = e.submitter;
    var ask = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (ask && !window.confirm(ask)) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var input = e.target.closest && e.target.closest("[data-select-all]");
    if (input) input.select();
  });
})();
