/* Theme and language live in cookies so the login pages and the app agree; applied before first paint. */
(function () {
  function cookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  var theme = cookie('theme') === 'dark' ? 'dark' : 'light';
  var lang = cookie('lang') === 'en' ? 'en' : 'ko';
  document.documentElement.setAttribute('data-bs-theme', theme);
  document.documentElement.setAttribute('lang', lang);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    prefs: {
      toggleTheme: function (n, prefs) {
        if (!n) { return window.dash_clientside.no_update; }
        var next = (prefs && prefs.theme === 'dark') ? 'light' : 'dark';
        document.cookie = 'theme=' + next + '; path=/; max-age=31536000; samesite=lax';
        document.documentElement.setAttribute('data-bs-theme', next);
        return Object.assign({}, prefs, {theme: next});
      },
      toggleLang: function (n, prefs) {
        if (!n) { return window.dash_clientside.no_update; }
        var next = (prefs && prefs.lang === 'en') ? 'ko' : 'en';
        document.cookie = 'lang=' + next + '; path=/; max-age=31536000; samesite=lax';
        // Every text on the page comes from the server in one language: reload to switch.
        window.location.reload();
        return window.dash_clientside.no_update;
      }
    }
  });
})();
