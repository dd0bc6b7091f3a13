"""/import in a real browser: a CP949 CSV from Korean Excel goes through preview, confirmation and
progress into the store; a file with a bad row is refused with its row number and adds nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from data.models import Transaction
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.e2e.pages import VIEWPORTS, axe_violations, browser_login, by_css, click, screenshots, set_theme
from tests.helpers import PASSWORD, make_line, make_user


def rows_in(store, line_id: int) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


def open_import(dash_duo, app, store):
    user_id = make_user(store)
    line_id = make_line(store, user_id, nickname="내 폰")
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, "owner@example.com")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/import")
    dash_duo.wait_for_contains_text("#import-line", "내 폰", timeout=15)
    return line_id


def upload(dash_duo, path) -> None:
    # dcc.Upload keeps a hidden <input type=file>: typing a path into it is what choosing a file does.
    # While a job runs the upload is disabled: wait for it to be free again.
    dash_duo._wait_for(lambda d: d.execute_script(
        "const i = document.querySelector('#import-upload input[type=file]'); return i && !i.disabled;"),
        timeout=30, msg="upload still disabled")
    dash_duo.find_element("#import-upload input[type=file]").send_keys(str(path))


def preview_screenshots(dash_duo, folder, path) -> list:
    """The page with a preview on screen, 1280 and 375 px, light and dark (tall windows: the whole card)."""
    written = []
    driver = dash_duo.driver
    for theme in ("light", "dark"):
        set_theme(dash_duo, theme)
        for width, height in ((1280, 1500), (375, 2200)):
            driver.set_window_size(width, height)
            driver.refresh()
            dash_duo.wait_for_contains_text("#import-line", "내 폰", timeout=15)
            upload(dash_duo, path)
            dash_duo.wait_for_element("#import-preview-table", timeout=30)
            written.append(folder / f"import-preview-{theme}-{width}.png")
            driver.save_screenshot(str(written[-1]))
    driver.set_window_size(*VIEWPORTS["1280"])
    set_theme(dash_duo, "light")
    driver.refresh()
    return written


def test_cp949_csv_preview_then_confirm_stores_every_row(dash_duo, app, store, tmp_path, output_dir):
    line_id = open_import(dash_duo, app, store)
    path = tmp_path / "결제내역.csv"
    path.write_bytes(history_csv(history_rows(45), encoding="cp949"))
    upload(dash_duo, path)

    dash_duo.wait_for_element("#import-preview-table", timeout=30)
    table = dash_duo.find_element("#import-preview-table").text
    assert "넷마블" in table and "1,100원" in table and "2025-03-02 10:00" in table and "승인" in table
    assert len(by_css(dash_duo, "#import-preview-table tbody tr")) == 20
    assert "새 내역 45건" in dash_duo.find_element("#import-preview-card").text
    assert "CP949" in dash_duo.find_element("#import-preview-card").text
    assert rows_in(store, line_id) == 0  # the preview writes nothing
    assert axe_violations(dash_duo) == []
    shots = [*screenshots(dash_duo, output_dir, "import", "#import-upload"),
             *preview_screenshots(dash_duo, output_dir, path)]
    assert all(p.stat().st_size > 10_000 for p in shots)

    # The screenshots reloaded the page: upload again, then confirm.
    dash_duo.wait_for_contains_text("#import-line", "내 폰", timeout=15)
    upload(dash_duo, path)
    click(dash_duo, "#import-confirm")
    dash_duo.wait_for_contains_text("#import-done", "추가 45건", timeout=30)
    assert rows_in(store, line_id) == 45

    # The same file again: everything is a duplicate, nothing to confirm.
    upload(dash_duo, path)
    dash_duo.wait_for_contains_text("#import-preview-card", "중복 45건", timeout=30)
    assert by_css(dash_duo, "#import-confirm") == []
    assert rows_in(store, line_id) == 45
    assert dash_duo.get_logs() == [], "browser console errors"


def test_a_file_with_a_bad_row_shows_the_row_and_reason_and_adds_nothing(dash_duo, app, store, tmp_path,
                                                                        output_dir):
    line_id = open_import(dash_duo, app, store)
    path = tmp_path / "bad.csv"
    bad_cells = ["2025.04.01 12:00:00", "<b>넷마블</b>", "", "", "만원", "승인"]
    path.write_bytes(history_csv(history_rows(6, start=datetime(2025, 3, 1)), raw=[bad_cells]))
    upload(dash_duo, path)

    errors = dash_duo.wait_for_element("#import-errors", timeout=30).text
    assert "아무것도 저장되지 않았습니다" in errors
    assert "10행" in errors and "만원" in errors  # title, blank, header, 6 rows → the bad row is row 10
    assert by_css(dash_duo, "#import-errors b") == []  # untrusted text stays text
    assert by_css(dash_duo, "#import-confirm") == []
    assert rows_in(store, line_id) == 0
    assert axe_violations(dash_duo) == []
    dash_duo.driver.save_screenshot(str(output_dir / "import-errors-light-1280.png"))


def test_a_file_over_the_size_limit_gets_a_clear_error_and_adds_nothing(dash_duo, app, store, tmp_path):
    from dataclasses import replace

    config = app.server.config
    config["MICROBILL"] = replace(config["MICROBILL"], import_max_bytes=100_000)
    line_id = open_import(dash_duo, app, store)
    assert "최대 0.1MB" in dash_duo.find_element("#import-upload").text  # said before choosing a file
    path = tmp_path / "too-big.csv"
    path.write_bytes(history_csv(history_rows(2_000)))
    assert path.stat().st_size > 100_000
    upload(dash_duo, path)
    dash_duo.wait_for_contains_text("#import-result", "파일이 너무 큽니다 (최대 0.1MB)", timeout=15)
    assert "기간을 나눠" in dash_duo.find_element("#import-result").text  # and what to do about it
    assert by_css(dash_duo, "#import-preview-card") == [] and by_css(dash_duo, "#import-confirm") == []
    assert rows_in(store, line_id) == 0

    # A file within the limit still goes through afterwards.
    small = tmp_path / "small.csv"
    small.write_bytes(history_csv(history_rows(5)))
    upload(dash_duo, small)
    dash_duo.wait_for_contains_text("#import-preview-card", "새 내역 5건", timeout=30)
    assert "파일이 너무 큽니다" not in dash_duo.find_element("#import-result").text


def test_unknown_headers_are_mapped_once_and_remembered(dash_duo, app, store, tmp_path, output_dir):
    line_id = open_import(dash_duo, app, store)
    raw = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount)] for r in history_rows(4)]
    path = tmp_path / "odd.csv"
    path.write_bytes(history_csv([], headers=["언제", "어디서", "얼마"], raw=raw, title=False))
    upload(dash_duo, path)

    dash_duo.wait_for_element("#import-mapping-card", timeout=30)
    assert axe_violations(dash_duo) == []
    dash_duo.driver.save_screenshot(str(output_dir / "import-mapping-light-1280.png"))
    for index, label in enumerate(["결제일시", "이용업체명", "금액"]):
        dash_duo.find_element(f'[id*="import-map"][id*="\\"col\\":{index}"]').click()
        option = [o for o in by_css(dash_duo, ".dash-dropdown-option, [role=option]") if o.text.startswith(label)]
        option[0].click()
    click(dash_duo, "#import-map-apply")
    click(dash_duo, "#import-confirm")
    dash_duo.wait_for_contains_text("#import-done", "추가 4건", timeout=30)
    assert rows_in(store, line_id) == 4

    later = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount)]
             for r in history_rows(3, start=datetime(2025, 9, 1))]
    path2 = tmp_path / "odd2.csv"
    path2.write_bytes(history_csv([], headers=["언제", "어디서", "얼마"], raw=later, title=False))
    upload(dash_duo, path2)
    dash_duo.wait_for_contains_text("#import-preview-card", "저장해 둔 열 설정", timeout=30)
    assert by_css(dash_duo, "#import-mapping-card") == []


def test_import_with_progress_under_gunicorn_two_workers(dash_duo, database_url, store_for_url, tmp_path):
    """The background job under gunicorn: forked from one worker, polled through either (the job
    store is a diskcache folder in the instance path that both workers share)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.http.test_gunicorn import _free_port, _wait_up

    line_id = make_line(store_for_url, make_user(store_for_url), nickname="내 폰")
    port = _free_port()
    env = {**os.environ, "MICROBILL_DATABASE_URL": database_url, "MICROBILL_SECRET_KEY": "gunicorn-import",
           "MICROBILL_INSTANCE_PATH": str(tmp_path / "inst"), "MICROBILL_ENV": "production"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "dashboard.wsgi:server"],
                            env=env, stderr=subprocess.DEVNULL, cwd=Path(__file__).parents[2])
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc)
        driver = dash_duo.driver
        driver.get(url + "/login")
        dash_duo.wait_for_element("#email").send_keys("owner@example.com")
        dash_duo.find_element("#password").send_keys(PASSWORD)
        dash_duo.find_element("#login-submit").click()
        dash_duo.wait_for_element("#page", timeout=15)
        driver.get(url + "/import")
        dash_duo.wait_for_contains_text("#import-line", "내 폰", timeout=20)
        path = tmp_path / "내역.csv"
        path.write_bytes(history_csv(history_rows(300)))
        upload(dash_duo, path)
        click(dash_duo, "#import-confirm", timeout=60)
        dash_duo.wait_for_contains_text("#import-done", "추가 300건", timeout=60)
        assert rows_in(store_for_url, line_id) == 300
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# Every change to the progress area, as (shown, percent, status text): a MutationObserver sees even a
# state that lasts less than a polling interval.
RECORD_PROGRESS = """
window.__progress = [];
const wrap = document.querySelector('#import-progress-wrap');
const bar = document.querySelector('#import-progress'), status = document.querySelector('#import-status');
const record = () => window.__progress.push([!wrap.hidden, bar.getAttribute('aria-valuenow'), status.innerText]);
new MutationObserver(record).observe(wrap, {attributes: true, subtree: true, childList: true, characterData: true});
"""


def progress_seen(dash_duo) -> list[tuple[bool, int, str]]:
    """The progress states recorded since the last call (and forget them)."""
    states = dash_duo.driver.execute_script("const s = window.__progress; window.__progress = []; return s;")
    return [(shown, int(value or 0), text) for shown, value, text in states]


LARGE = 100_000


def test_a_large_file_shows_progress_while_it_is_read_and_stored(dash_duo, app, store, tmp_path):
    """The browser asks for progress every JOB_INTERVAL_MS, so it sees what the job says at those moments:
    the file is big enough (100,000 rows, 6.7 MB) that storing it spans several of them even on a fast machine
    (40,000 rows were stored between two asks at times)."""
    line_id = open_import(dash_duo, app, store)
    path = tmp_path / "large.csv"
    path.write_bytes(history_csv(history_rows(LARGE, step=timedelta(minutes=5))))
    dash_duo.driver.execute_script(RECORD_PROGRESS)
    upload(dash_duo, path)
    dash_duo.wait_for_contains_text("#import-preview-card", f"새 내역 {LARGE:,}건", timeout=90)
    reading = progress_seen(dash_duo)
    click(dash_duo, "#import-confirm", timeout=30)
    dash_duo.wait_for_contains_text("#import-done", f"추가 {LARGE:,}건", timeout=180)
    storing = [state for state in progress_seen(dash_duo) if state[0]]

    assert any(shown for shown, _, _ in reading), "no progress shown while the file was read"
    assert any("저장하는 중" in text and f"/ {LARGE:,}건" in text for _, _, text in storing), storing
    percents = [percent for _, percent, _ in storing]
    assert percents == sorted(percents) and len(set(percents)) > 3, percents  # forward, in several steps
    assert rows_in(store, line_id) == LARGE
    assert dash_duo.find_element("#import-progress-wrap").get_attribute("hidden") is not None  # gone when done
