"""How to mirror a block at the carrier, and what to do about charges already made (shared/DOMAIN.md).

No carrier offers a block API, so the product blocks in its own store and tells the user these steps.
Phone numbers are facts (DOMAIN.md "Contacts", confidence H); all prose goes through the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.text.i18n import t


@dataclass(frozen=True)
class CarrierContacts:
    hotline: str | None  # from the phone, free
    landline: str | None
    loss_theft: str | None
    next_day_unblock: bool = False


CONTACTS: dict[str, CarrierContacts] = {
    "KT": CarrierContacts("114", "1588-0010", "080-000-1618"),
    "SKT": CarrierContacts("114", "1599-0011", "080-011-6000", next_day_unblock=True),
    "LGU+": CarrierContacts("114", "1544-0010", None),
    "MVNO": CarrierContacts(None, None, None),  # depends on the MVNO: the user asks theirs
}

PG_CONTACTS: tuple[tuple[str, str], ...] = (
    ("다날", "1566-3355"),
    ("KG모빌리언스", "1800-0678"),
    ("갤럭시아머니트리", "1566-0123"),
    ("페이레터", "1599-2583"),
    ("NHN KCP", "1688-6410"),
    ("효성FMS", "1544-5162"),
    ("세틀뱅크", "1600-5220"),
)

CHARGE_STEPS = ("block.charge_cancel", "block.charge_police", "block.charge_dispute", "block.charge_smishing")


def mirror_steps(carrier: str, lang: str) -> list[str]:
    """The ways to block at this carrier, most direct first."""
    contacts = CONTACTS.get(carrier, CONTACTS["MVNO"])
    steps = []
    if contacts.hotline:
        steps.append(t("block.hotline", lang, number=contacts.hotline))
    if contacts.landline:
        steps.append(t("block.landline", lang, number=contacts.landline))
    if contacts.loss_theft:
        steps.append(t("block.loss_theft", lang, number=contacts.loss_theft))
    if carrier not in ("KT", "SKT", "LGU+"):
        steps.append(t("block.mvno", lang))
    steps.append(t("block.app_path", lang))
    if contacts.next_day_unblock:
        steps.append(t("block.skt_next_day", lang))
    return steps


def instructions(carrier: str, lang: str = "ko") -> dict:
    """Everything the block panel and the API show, as JSON-ready data."""
    contacts = CONTACTS.get(carrier, CONTACTS["MVNO"])
    name = t(f"block.carrier.{carrier}", lang) if carrier in CONTACTS else carrier
    return {
        "carrier": carrier,
        "title": t("block.mirror_title", lang, carrier=name),
        "why": t("block.mirror_why", lang),
        "hotline": contacts.hotline,
        "landline": contacts.landline,
        "loss_theft": contacts.loss_theft,
        "app_path": t("block.app_path", lang),
        "steps": mirror_steps(carrier, lang),
        "charges": [t(key, lang) for key in CHARGE_STEPS],
        "pg_contacts": [{"pg": pg, "phone": phone} for pg, phone in PG_CONTACTS],
    }


# ---- subscriptions: where to cancel a recurring charge (docs/subscriptions.md) --------------------------

# Content charges (콘텐츠이용료) are billed through an app store and cancelled in its subscription settings;
# the words that name the store in a merchant descriptor (lower case). The paths are in the catalogue
# (subscriptions.store.<key>).
APP_STORES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("google_play", ("구글", "google")),
    ("app_store", ("app store", "appstore", "앱스토어", "apple", "애플", "itunes")),
    ("one_store", ("원스토어", "onestore", "one store")),
)


def app_store_of(merchant: str) -> str | None:
    """The app store a merchant descriptor names ("구글플레이" → "google_play"), or None."""
    text = merchant.lower()
    return next((key for key, words in APP_STORES if any(word in text for word in words)), None)


def _plain(name: str) -> str:
    return name.lower().replace("(주)", "").replace("주식회사", "").replace(" ", "")


def pg_phone(pg: str | None) -> tuple[str, str] | None:
    """(PG, customer-centre number) for a PG descriptor as carriers print it ("(주)다날" → 다날), or None."""
    if not pg:
        return None
    plain = _plain(pg)
    return next(((name, phone) for name, phone in PG_CONTACTS if _plain(name) in plain), None)
