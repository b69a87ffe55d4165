// The "Top" link is always there without JavaScript; with it, the link shows
// only once the reader has scrolled a screen down a long page, and on a
// phone, where it would sit over the text, only while scrolling back up.
(function () {
  var link = document.querySelector(".to-top");
  if (!link) return;
  var narrow = window.matchMedia("(max-width: 40rem)");
  var last = window.scrollY;
  function update() {
    var up = window.scrollY < last;
    last = window.scrollY;
    link.hidden = window.scrollY < window.innerHeight || (narrow.matches && !up);
  }
  update();
  window.addEventListener("scroll", update, { passive: true });
})();
