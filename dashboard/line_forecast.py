"""The forecast of one stored line: its history, its limits and the user's exclusions → Forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from dashboard.forecast import Forecast, forecast_bill
from dashboard.settings import Settings
from data.billing import due_date
from data.forecast_input import excluded_merchants, history_frame
from data.lines import current_limits
from data.models import Line, User


@dataclass(frozen=True)
class LineForecast:
    forecast: Forecast
    due_date: date
    excluded: tuple[str, ...]

    def to_dict(self) -> dict:
        return {**self.forecast.to_dict(), "due_date": self.due_date.isoformat(),
                "excluded_recurring": list(self.excluded)}


def total_limit(session: Session, line_id: int, at: datetime) -> int | None:
    values = [v for v in current_limits(session, line_id, at).values() if v is not None]
    return sum(values) if values else None


def forecast_line(session: Session, line: Line, as_of: datetime, settings: Settings) -> LineForecast:
    excluded = tuple(excluded_merchants(session, line.id))
    forecast = forecast_bill(history_frame(session, line.id, as_of), as_of, total_limit(session, line.id, as_of),
                             exclude_merchants=excluded)
    user = session.get(User, line.user_id)
    due_day = (user.due_day if user and user.due_day else None) or settings.due_day
    return LineForecast(forecast, due_date(forecast.billing_month, due_day), excluded)
