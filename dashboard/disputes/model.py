"""A dispute pack as plain data, filled in by dashboard.services.disputes and read by the file builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from data.cancellation_window import CancelWindow

CHARGED = ("approved", "billed")  # statuses whose amount is (or will be) on a bill


@dataclass(frozen=True)
class PackCharge:
    id: int
    occurred_at: datetime  # aware; shown in KST
    merchant: str
    pg: str | None
    product: str | None
    amount: int
    status: str  # disputes.status.<status>
    external_id: str
    window: CancelWindow | None = None  # a payment that can still be cancelled (open or, once billed, a refund)


@dataclass(frozen=True)
class PackAlert:
    created_at: datetime
    kind: str
    text: str  # rendered in the pack's language
    charge_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class BlockEvent:
    at: datetime
    blocked: bool  # False: the block was lifted
    reason: str | None = None  # data.line_actions.BLOCK_REASONS, or "alert_link"


@dataclass(frozen=True)
class DisputePack:
    line_id: int
    number_masked: str
    nickname: str
    carrier: str
    line_status: str
    charges: tuple[PackCharge, ...]
    alerts: tuple[PackAlert, ...]
    blocks: tuple[BlockEvent, ...]
    prepared_at: datetime

    @property
    def total(self) -> int:
        """What is or will be billed of the disputed charges."""
        return sum(c.amount for c in self.charges if c.status in CHARGED)

    def alert_kinds_of(self, charge_id: int) -> list[str]:
        return list(dict.fromkeys(a.kind for a in self.alerts if charge_id in a.charge_ids))
