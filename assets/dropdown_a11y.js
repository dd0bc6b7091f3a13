/* Dash 4's dcc.Dropdown puts a focusable <input aria-hidden="true"> before its trigger button, a proxy
   that hands focus on to the button (Safari leaves buttons out of the Tab order). axe-core reports it as
   a focusable element hidden from screen readers (aria-hidden-focus, serious), and a keyboard user can
   land on it. Make the button itself the tab stop and take the proxy out of the Tab order; React's own
   handlers give the proxy tabindex 0 again on blur, so this keeps watching. */
(function () {
  var queued = false;
  function fix() {
    queued = false;
    document.querySelectorAll('input.dash-dropdown-focus-target').forEach(function (proxy) {
      if (proxy.tabIndex !== -1) { proxy.tabIndex = -1; }
      var button = proxy.nextElementSibling;
      if (button && button.tagName === 'BUTTON' && button.tabIndex !== 0) { button.tabIndex = 0; }
    });
  }
  function schedule() {
    if (!queued) { queued = true; window.requestAnimationFrame(fix); }
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['tabindex']
  });
  schedule();
})();
