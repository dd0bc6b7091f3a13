"""The records a generated history is made of: charges, personas, lines, and the draft events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DemoCharge:
    occurred_at: datetime  # tz-aware, UTC
    merchant: str
    pg: str | None
    product: str | None
    category: str
    bucket: str
    amount: int
    status: str
    pay_type: str
    external_id: str
    cancels: str | None = None


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    limits: dict[str, int]
    is_minor: bool = False
    description: str = ""


@dataclass(frozen=True)
class DemoLine:
    carrier: str
    number: str
    nickname: str
    is_minor: bool
    limits: dict[str, int]
    persona: str
    charges: list[DemoCharge]


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class _Item:
    merchant: str
    pg: str | None
    category: str
    bucket: str
    product: str
    price: int




@dataclass
class _Draft:
    at: datetime  # KST
    item: _Item
    amount: int
    pay_type: str = "one_off"
    product: str | None = None  # overrides item.product (delivery orders, shopping)


@dataclass
class _Rush:
    """Buying until the carrier declines: expanded against the remaining limit at `at`."""

    at: datetime  # KST
    items: tuple[_Item, ...]
    greedy: bool  # always take the largest denomination that still fits
    max_count: int = 20


_Event = _Draft | _Rush
