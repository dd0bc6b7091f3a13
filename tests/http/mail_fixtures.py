"""An app that sends real mail to a local SMTP server, as the `store` and `settings` of the tests that import
these fixtures (`from tests.http.mail_fixtures import mail_app, settings, smtp, store`)."""

from __future__ import annotations

import pytest

from tests.http.test_mail_smtp import mail_app, smtp  # noqa: F401 - fixtures, re-exported


@pytest.fixture
def store(mail_app):  # noqa: F811 - the imported fixture
    return mail_app.server.extensions["microbill_store"]


@pytest.fixture
def settings(mail_app):  # noqa: F811
    return mail_app.server.config["MICROBILL"]
