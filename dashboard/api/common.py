"""What every API module shares: the caller, ownership lookups that 404, and a service's refusal as an error."""

from __future__ import annotations

from typing import NoReturn

from flask_login import current_user
from flask_smorest import abort

from dashboard.context import store
from dashboard.services.errors import ServiceError
from dashboard.services.lines import line_of_user
from dashboard.text.i18n import t


def caller_id() -> int:
    if not current_user.is_authenticated:
        abort(401, message="로그인 또는 Bearer 토큰이 필요합니다.")
    return current_user.user_id


def own_line_or_404(line_id: int):
    """A line the caller has a role on (a detached row), or a 404 for anyone else's. What they may change on it,
    the service checks (a 403 for a role without the permission)."""
    line = line_of_user(store(), caller_id(), line_id)
    if line is None:
        abort(404, message=t("actions.line_not_found", "ko"))
    return line


def refuse(error: ServiceError, lang: str = "ko") -> NoReturn:
    """Answer a service's refusal: its status, and `{error, message}` with its message key said in `lang`."""
    abort(error.status, message=t(error.key, lang, **error.values))
