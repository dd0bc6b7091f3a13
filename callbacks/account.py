"""The account page (/account): sessions, API tokens, password, second factors, deleting the account.

Each section has its own layout module (layouts/account_*.py) and callback module (callbacks/account_*.py);
this module only routes the page.
"""

from __future__ import annotations

from callbacks import Page
from layouts import account as layout

# Not a page pill: the top bar links it beside "log out" (layouts/shell.py), where accounts keep theirs.
PAGE = Page("/account", "nav.account", layout.page, order=90, in_nav=False)


def register(app) -> None:  # the sections register their own callbacks
    return None
