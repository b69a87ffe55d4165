// "Copy link" is a plain link to the post without JavaScript; with it, a
// press copies the address and says so, and nothing else loads: the share
// links are plain links, with no network's script or tracker on the page.
(function () {
  var link = document.querySelector(".share .copy-link");
  if (!link || !navigator.clipboard) return;
  link.addEventListener("click", function (e) {
    e.preventDefault();
    navigator.clipboard.writeText(link.dataset.url).then(function () {
      link.textContent = "Link copied";
      link.setAttribute("aria-live", "polite");
      setTimeout(function () { link.textContent = "Copy link"; }, 2500);
    });
  });
})();
