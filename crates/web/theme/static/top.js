// The "Top" link is always there without JavaScript; with it, the link shows
// only once the reader has scrolled a screen down a long page.
(function () {
  var link = document.querySelector(".to-top");
  if (!link) return;
  function update() {
    link.hidden = window.scrollY < window.innerHeight;
  }
  update();
  window.addEventListener("scroll", update, { passive: true });
})();
