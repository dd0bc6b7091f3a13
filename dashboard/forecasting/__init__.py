"""Bill forecasting: spent so far + subscriptions still due + variable spend (pure pandas/numpy)."""

from dashboard.forecasting.engine import Forecast, Params, UpcomingCharge, forecast_bill
from dashboard.forecasting.frame import frame_from_charges, net_of_cancellations

__all__ = ["Forecast", "Params", "UpcomingCharge", "forecast_bill", "frame_from_charges", "net_of_cancellations"]
