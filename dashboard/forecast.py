"""Public face of the bill forecast: `forecast_bill(transactions, as_of, limit=None)`.

The implementation lives in dashboard/forecasting/ (frame, recurring, variable, engine,
calibration); docs/forecast.md explains the method and its backtest.
"""

from dashboard.forecasting import (
    Forecast,
    Params,
    UpcomingCharge,
    forecast_bill,
    frame_from_charges,
    net_of_cancellations,
)

__all__ = ["Forecast", "Params", "UpcomingCharge", "forecast_bill", "frame_from_charges", "net_of_cancellations"]
