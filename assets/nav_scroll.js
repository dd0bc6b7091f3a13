/* Phones: the page links are one row that scrolls sideways, so the link of the page being shown
   (often one of the last, e.g. 알림 설정) can sit off-screen and the user cannot see where they are.
   Whenever the active link changes (dbc.NavLink active="exact" follows the URL), scroll the row
   itself — not the page — so that link is in the middle. */
(function () {
  var shown = null, queued = false;
  function centre() {
    queued = false;
    var row = document.getElementById('nav-pages');
    var link = row && row.querySelector('.nav-link.active');
    if (!link || link === shown || row.scrollWidth <= row.clientWidth) { return; }
    shown = link;
    var rowBox = row.getBoundingClientRect(), linkBox = link.getBoundingClientRect();
    row.scrollLeft += (linkBox.left - rowBox.left) - (rowBox.width - linkBox.width) / 2;
  }
  function schedule() {  // at most one look per frame, however many class changes Dash makes
    if (!queued) { queued = true; window.requestAnimationFrame(centre); }
  }
  new MutationObserver(schedule).observe(
    document.documentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
  window.addEventListener('resize', function () { shown = null; schedule(); });
})();
