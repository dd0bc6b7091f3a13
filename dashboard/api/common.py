"""What every API module shares: the caller, ownership lookups that 404, and error helpers."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort

from dashboard.context import store
from data.lines import owned_line
from data.models import Line


def caller_id() -> int:
    if not current_user.is_authenticated:
        abort(401, message="로그인 또는 Bearer 토큰이 필요합니다.")
    return current_user.user_id


def own_line_or_404(line_id: int) -> Line:
    with store().read() as db:
        line = owned_line(db, caller_id(), line_id)
    if line is None:
        abort(404, message="회선을 찾을 수 없습니다.")
    return line
