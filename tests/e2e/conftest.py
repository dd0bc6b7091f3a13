"""Browser tests: dash.testing with Debian's headless Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.chrome.options import Options

from tests.conftest import need

CHROMIUM = os.environ.get("DASH_TEST_CHROMEPATH") or shutil.which("chromium") or "/usr/bin/chromium"
os.environ.setdefault("DASH_TEST_CHROMEPATH", CHROMIUM)


def pytest_setup_options():
    options = Options()
    # The machine's network is closed: without these Chromium stalls on background connections.
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--window-size=1280,900", "--lang=ko-KR"):
        options.add_argument(flag)
    return options


@pytest.fixture(autouse=True)
def _chromium_present():
    need(Path(CHROMIUM).exists() and shutil.which("chromedriver") is not None,
         "Chromium/chromedriver not installed (apt-get install chromium chromium-driver)")
