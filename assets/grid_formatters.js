/* AG Grid helpers for the transactions page: value formatters (text only, never HTML), the grid
   theme, and the clientside callbacks that make the infinite row model re-read from the server. */
(function () {
  var wonFormat = new Intl.NumberFormat('ko-KR', {maximumFractionDigits: 0});
  var theme = null;
  var narrow = false;  // the grid is phone-narrow (see narrowColumns)
  var PHONE_WHEN = 100, PHONE_AMOUNT = 88;  // px: "11-30 04:44", "123,000원"

  window.dashAgGridFunctions = Object.assign({}, window.dashAgGridFunctions, {
    // 12300 → "12,300원" (same as dashboard.text.formatting.won).
    won: function (value) {
      if (value === null || value === undefined || value === '' || isNaN(value)) { return ''; }
      return wonFormat.format(Math.round(Number(value))) + '원';
    },
    // Phones: date (without the year), merchant and amount side by side, status one swipe away; PG,
    // product, category and type need width (the selected-row panel shows them). Runs on the grid's
    // first rows and on every resize.
    narrowColumns: function (params) {
      var grid = document.getElementById('tx-grid');
      var wide = (params.clientWidth || (grid && grid.clientWidth) || 0) >= 700;
      // What the merchant can have: the grid less its borders, a vertical scrollbar, date and amount.
      var room = (grid ? grid.clientWidth : 0) - 18 - PHONE_WHEN - PHONE_AMOUNT;
      params.api.setColumnsVisible(['pg', 'product', 'category', 'bucket'], wide);
      params.api.applyColumnState({state: [
        {colId: 'occurred_at', width: wide ? 160 : PHONE_WHEN},
        // Not flex on a phone: the status column would take its share and push the amount out of view.
        {colId: 'merchant', flex: wide ? 2 : null, width: wide ? undefined : Math.max(80, room)},
        {colId: 'amount', width: wide ? 120 : PHONE_AMOUNT}
      ]});
      if (narrow === wide) {
        narrow = !wide;
        params.api.refreshCells({columns: ['occurred_at'], force: true});
      }
    },
    // "2026-11-30 04:44" → "11-30 04:44" on a phone.
    shortWhen: function (value) {
      return narrow && typeof value === 'string' ? value.slice(5) : value;
    },
    // Quartz with Bootstrap's colours: the CSS variables follow data-bs-theme, so light/dark
    // switch without re-creating the grid. Built once and reused (a new object restyles the grid).
    microbillGridTheme: function (agGrid) {
      if (!theme) {
        theme = agGrid.themeQuartz.withParams({
          backgroundColor: 'var(--bs-body-bg)',
          foregroundColor: 'var(--bs-body-color)',
          borderColor: 'var(--bs-border-color)',
          headerBackgroundColor: 'var(--bs-tertiary-bg)',
          accentColor: 'var(--bs-primary)',
          browserColorScheme: 'inherit',
          fontFamily: 'inherit',
          fontSize: 14,
          headerFontWeight: 600,
          wrapperBorderRadius: 6
        });
      }
      return theme;
    }
  });

  function withGrid(gridId, action) {
    if (window.dash_ag_grid && window.dash_ag_grid.getApiAsync) {
      window.dash_ag_grid.getApiAsync(gridId).then(action).catch(function () {});
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    transactions: {
      // Filters or line changed: drop every cached block and start again from the top.
      purge: function () {
        withGrid('tx-grid', function (api) {
          api.purgeInfiniteCache();
          api.ensureIndexVisible(0, 'top');
          api.deselectAll();
        });
        return Date.now();
      },
      // A row was written: re-read the cached blocks, keeping the scroll position.
      refresh: function (version) {
        if (!version) { return window.dash_clientside.no_update; }
        withGrid('tx-grid', function (api) { api.refreshInfiniteCache(); });
        return Date.now();
      }
    }
  });
})();
