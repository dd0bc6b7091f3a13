"""Two hosts, one app (issue #13, "Done when"): two gunicorn instances behind nginx (round-robin, no sticky
sessions), one Celery worker, PostgreSQL and Redis. A browser imports a 100,000-row file through the proxy; its
preview and progress polls land on both instances; one instance is killed (kill -9, the whole process group)
mid-import and the job still finishes on the worker, the page reaching its done view through the other
instance; the rows are stored exactly once.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from data.models import Transaction
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.e2e.pages import click
from tests.helpers import PASSWORD, make_line, make_user
from tests.system.conftest import Cluster, time_limit

pytestmark = pytest.mark.real_clock  # every server runs in a process of its own

ROWS = 100_000
NICKNAME = "내 폰"
EMAIL = "owner@example.com"


def test_nginx_spreads_requests_over_both_instances_and_skips_a_dead_one(cluster: Cluster):
    with time_limit(240):
        for _ in range(6):
            assert requests.get(cluster.url + "/login", timeout=10).status_code == 200
        answered = Counter(hit.answered_by for hit in cluster.hits() if hit.uri == "/login")
        assert set(answered) == set(cluster.instances), answered
        assert min(answered.values()) >= 2, answered  # round-robin, not one host with a spare

        gone, survivor = list(cluster.instances)
        cluster.instances[gone].kill()
        cluster.instances[gone].proc.wait(timeout=10)
        started = time.time()
        assert [requests.get(cluster.url + "/login", timeout=10).status_code for _ in range(6)] == [200] * 6
        after = [hit for hit in cluster.hits() if hit.at >= started]
        assert {hit.answered_by for hit in after} == {survivor}
        assert any(gone in hit.upstreams for hit in after)  # tried, refused, passed on: no error for the user


def history_file(folder, rows: int):
    """The carrier's CSV (CP949, a title line, Korean headers): `rows` payments three minutes apart from
    2025-01-01, all in the past whatever day the test runs."""
    path = folder / "결제내역-10만건.csv"
    path.write_bytes(history_csv(history_rows(rows, start=datetime(2025, 1, 1), step=timedelta(minutes=3))))
    return path


def log_in(browser, url: str) -> None:
    browser.driver.get(url + "/login")
    browser.wait_for_element("#email").send_keys(EMAIL)
    browser.find_element("#password").send_keys(PASSWORD)
    browser.find_element("#login-submit").click()
    browser.wait_for_element("#page", timeout=20)


def progress(browser) -> int:
    value = browser.driver.execute_script(
        "const bar = document.querySelector('#import-progress');"
        "const wrap = document.querySelector('#import-progress-wrap');"
        "return bar && wrap && !wrap.hidden ? bar.getAttribute('aria-valuenow') : null;")
    return int(value or 0)


def stored(store, line_id: int) -> tuple[int, int]:
    """(rows of the line, distinct payments among them: when, where, how much)."""
    with store.read() as db:
        rows = db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))
        distinct = select(Transaction.occurred_at, Transaction.merchant, Transaction.amount).where(
            Transaction.line_id == line_id).distinct().subquery()
        return rows, db.scalar(select(func.count()).select_from(distinct))


def test_an_import_survives_losing_an_instance(cluster: Cluster, store_for_url, browser, tmp_path):
    user_id = make_user(store_for_url, EMAIL)
    line_id = make_line(store_for_url, user_id, nickname=NICKNAME)
    path = history_file(tmp_path, ROWS)
    started = time.monotonic()
    with time_limit(900):
        log_in(browser, cluster.url)
        browser.driver.get(cluster.url + "/import")
        browser.wait_for_contains_text("#import-line", NICKNAME, timeout=30)
        browser.find_element("#import-upload input[type=file]").send_keys(str(path))
        browser.wait_for_contains_text("#import-preview-card", f"새 내역 {ROWS:,}건", timeout=300)
        previewed = time.monotonic()
        assert stored(store_for_url, line_id) == (0, 0)  # the preview writes nothing

        confirmed_at = time.time()
        click(browser, "#import-confirm")
        # The bar has moved and the commit's polls have reached both instances: now one host goes away.
        both = set(cluster.instances)
        browser._wait_for(lambda _: progress(browser) > 30 and answering(cluster, confirmed_at) == both, timeout=300,
                          msg="the commit's progress never moved, or its polls reached one instance")
        moving = progress(browser)
        gone, survivor = pick_victim(cluster)
        killed_at = time.time()
        cluster.instances[gone].kill()  # kill -9, master and workers: the host is gone
        cluster.instances[gone].proc.wait(timeout=10)
        assert progress(browser) < 100, "the commit had finished before the kill: nothing was proven"

        browser.wait_for_contains_text("#import-done", f"추가 {ROWS:,}건", timeout=600)
        done = time.monotonic()

    assert stored(store_for_url, line_id) == (ROWS, ROWS), "every row exactly once"
    polls = [hit for hit in cluster.hits() if hit.is_poll]
    assert answering(cluster, 0, confirmed_at) == set(cluster.instances), "the preview's polls: both hosts"
    after = [hit for hit in polls if hit.at > killed_at + 1]  # +1 s: a poll already answered as the kill landed
    assert after and {hit.answered_by for hit in after} == {survivor}, "after the kill only the survivor answers"
    assert [hit for hit in polls if hit.status >= 500] == [], "a poll got a proxy error"
    # Both jobs (preview, commit) ran on the worker, not in a web process.
    assert len(re.findall(r"Task background_callback_\w+\[[^]]+\] succeeded", cluster.worker.log.read_text())) == 2
    print(f"\n{ROWS:,}-row import through nginx: upload+preview {previewed - started:.1f} s, commit "
          f"{done - previewed:.1f} s (killed {gone} at {moving}%), polls answered by "
          f"{dict(Counter(hit.answered_by for hit in polls))}")


def answering(cluster: Cluster, since: float, until: float = float("inf")) -> set[str]:
    """The instances that answered the background callbacks' polls in this span (epoch seconds)."""
    return {hit.answered_by for hit in cluster.hits() if hit.is_poll and since <= hit.at < until}


def pick_victim(cluster: Cluster) -> tuple[str, str]:
    """(the instance to kill, the one left): the one that answered the latest poll, so the very next polls
    are the ones that must find their way to the other."""
    polls = [hit for hit in cluster.hits() if hit.is_poll]
    gone = polls[-1].answered_by if polls else next(iter(cluster.instances))
    return gone, next(address for address in cluster.instances if address != gone)
