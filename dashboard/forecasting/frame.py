"""Turning charge rows into the net payments a bill is made of, as KST-time numpy arrays.

A bill is approved payments minus same-month cancellations (DOMAIN.md, data/usage.py). The
forecast works on *payments*, so a cancellation is subtracted from the payment it cancels and a
fully cancelled payment disappears — a cancelled subscription charge must not look paid.
Everything after the column pick is numpy: a forecast has a budget of a few milliseconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from data.vocab import KST, to_kst

COLUMNS = ("occurred_at", "amount", "merchant", "status", "bucket")
# How a cancellation row names its payment: demo/import rows by external id, store rows by row id.
_LINKS = (("cancels", "external_id"), ("cancels_id", "id"))
_NS_PER_DAY = 86_400 * 10**9
_EPOCH = datetime(1970, 1, 1)


def frame_from_charges(charges: Iterable[Any]) -> pd.DataFrame:
    """A DataFrame from charge records (dataclasses such as data.demo.DemoCharge, or mappings).

    All rows are kept, cancellations included: net them with `net_of_cancellations`, or let
    `forecast_bill` do it after cutting the history at `as_of` (a cancellation made later
    is not known yet).
    """
    frame = pd.DataFrame([_as_mapping(charge) for charge in charges])
    if frame.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["amount"] = frame["amount"].astype("int64")
    return frame


def _as_mapping(charge: Any) -> Mapping[str, Any]:
    if isinstance(charge, Mapping):
        return charge
    if dataclasses.is_dataclass(charge) and not isinstance(charge, type):
        return dataclasses.asdict(charge)
    return vars(charge)


def net_of_cancellations(frame: pd.DataFrame) -> pd.DataFrame:
    """Approved payments net of their same-month cancellations; everything else dropped.

    A cancellation row (status "cancelled" with a `cancels` or `cancels_id` link) in the same KST
    month as its payment lowers that payment, which is dropped once nothing is left. A later
    cancellation is a bank refund and leaves the bill alone, as does one flagged `refund`.
    A "cancelled" row without a link is a payment the carrier already shows as cancelled: zero.
    Declined rows count nothing. A cancellation whose payment is not in the frame is dropped
    too, since that payment is not in the sum either.
    """
    if frame.empty:
        return frame.iloc[0:0].copy()
    net = _net_amounts(frame, kst_days_array(frame["occurred_at"]))
    keep = net > 0
    return frame.loc[keep].assign(amount=net[keep])


def _net_amounts(frame: pd.DataFrame, t: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Per row (of `keep`): the payment's amount after same-month cancellations, else 0."""
    rows = slice(None) if keep is None else keep
    status = frame["status"].to_numpy()[rows]
    amount = frame["amount"].to_numpy()[rows].astype(np.int64)
    approved = status == "approved"
    net = np.where(approved, amount, 0)
    link = next(((a, b) for a, b in _LINKS if a in frame.columns and b in frame.columns), None)
    if link is None:
        return net
    links = frame[link[0]].to_numpy()[rows]
    cancels = (status == "cancelled") & pd.notna(links)
    if "refund" in frame.columns:
        refund = np.asarray(frame["refund"].to_numpy()[rows], dtype=object)  # bools with gaps
        cancels &= ~pd.array(refund, dtype="boolean").fillna(False).to_numpy(dtype=bool)
    if not cancels.any():
        return net
    paid = np.flatnonzero(approved)
    where = pd.Index(frame[link[1]].to_numpy()[rows][paid]).get_indexer(links[cancels])
    found = where >= 0
    target = paid[where[found]]
    source = np.flatnonzero(cancels)[found]
    months = month_ordinal(t)
    same_month = months[target] == months[source]
    np.subtract.at(net, target[same_month], amount[source[same_month]])
    return np.maximum(net, 0)


def kst_days_array(moments: pd.Series) -> np.ndarray:
    """KST wall-clock time as float days since 1970-01-01 (KST), for vector calendar maths."""
    index = pd.DatetimeIndex(moments)
    if index.tz is None:  # naive means UTC, as in the store (vocab.to_kst)
        index = index.tz_localize(UTC)
    utc = index.tz_convert(UTC).as_unit("ns").asi8
    if len(utc) == 0:
        return np.zeros(0)
    first, last = (to_kst(datetime.fromtimestamp(v / 1e9, UTC)).utcoffset() for v in (utc.min(), utc.max()))
    if first == last:  # Korea has kept one offset since 1988: skip the per-row zone lookup
        return (utc + first // timedelta(microseconds=1) * 1000) / _NS_PER_DAY
    local = index.tz_convert(KST).tz_localize(None).as_unit("ns").asi8
    return local / _NS_PER_DAY


def kst_day_of(moment: datetime) -> float:
    """One moment as KST float days since 1970-01-01 (same scale as `kst_days_array`)."""
    return (to_kst(moment).replace(tzinfo=None) - _EPOCH) / timedelta(days=1)


def kst_date(t: float) -> date:
    """The KST calendar date of a float-days moment."""
    return _EPOCH.date() + timedelta(days=int(np.floor(t)))


def month_ordinal(t: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of KST float days (vectorised `usage_month`)."""
    days = np.floor(t).astype(np.int64).astype("datetime64[D]")
    return days.astype("datetime64[M]").astype(np.int64)


@dataclass(frozen=True)
class Payments:
    """Net payments as arrays, sorted by time. `t` is KST float days, `month` a month ordinal."""

    t: np.ndarray
    amount: np.ndarray
    merchant: np.ndarray  # integer codes into `names`
    names: np.ndarray
    month: np.ndarray
    day_of_month: np.ndarray
    rows: np.ndarray | None = None  # each payment's position in the frame it came from

    @classmethod
    def empty(cls) -> Payments:
        ints = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(0), ints, ints, np.array([], dtype=object), ints, ints, ints)

    @classmethod
    def of(cls, t: np.ndarray, amount: np.ndarray, merchant: np.ndarray, names: np.ndarray,
           rows: np.ndarray | None = None) -> Payments:
        """Payments from time-sorted arrays (KST float days), the calendar columns derived."""
        days = np.floor(t).astype(np.int64).astype("datetime64[D]")
        months = days.astype("datetime64[M]")
        return cls(
            t=t,
            amount=amount,
            merchant=merchant.astype(np.int64),
            names=np.asarray(names, dtype=object),
            month=months.astype(np.int64),
            day_of_month=(days - months.astype("datetime64[D]")).astype(np.int64) + 1,
            rows=rows,
        )

    def __len__(self) -> int:
        return len(self.t)


def payments_before(frame: pd.DataFrame | None, as_of: datetime) -> Payments:
    """The net payments made strictly before `as_of`, as arrays sorted by time."""
    if frame is None or frame.empty:
        return Payments.empty()
    t = kst_days_array(frame["occurred_at"])
    keep = np.flatnonzero(t < kst_day_of(as_of))
    t = t[keep]
    # Net after the cut: a cancellation made after `as_of` is not known yet.
    amount = _net_amounts(frame, t, keep)
    ok = np.flatnonzero(amount > 0)
    ok = ok[np.argsort(t[ok], kind="stable")]
    t = t[ok]
    codes, names = pd.factorize(frame["merchant"].to_numpy()[keep][ok])
    return Payments.of(t, amount[ok], codes, names, rows=keep[ok])
