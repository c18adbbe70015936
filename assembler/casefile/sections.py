"""Checks of the sections a practitioner expects besides the request: the prior immigration
history, the client's informed consent, the court papers' own fields."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assembler.casefile.rules import Checker


def check(c: Checker) -> None:
    """`c`: what rules.check has read of the case, and where its findings go (c.add, c.warn)."""
    _history(c)
    _consent(c)
    _court(c)


def _history(c: Checker) -> None:
    # The office holds the I-213: a letter silent on a known encounter reads as concealment.
    if c.doc.get("immigration_history") is None:
        c.warn("immigration_history", "the case does not record the respondent's prior immigration history: list "
                                      "every known encounter, check-in and prior order with its date and source "
                                      "(the office holds the I-213, and a letter that omits one reads as "
                                      "concealment), or write immigration_history: [] when there is none")


def _consent(c: Checker) -> None:
    consent = c.doc.get("consent")
    if not consent:
        return
    known = getattr(c.settings, "consent_risks", None) or {}
    risks = consent.get("risks") or []
    for i, risk in enumerate(risks):
        if risk not in known:
            c.add(f"consent.risks[{i}]", f"'{risk}' is not one of the firm's risks: use "
                                         f"{', '.join(known) or 'a key of consent.risks in the settings'}")
    missing = [k for k in known if k not in risks]
    if missing:
        c.warn("consent.risks", f"the consent does not record that these risks were discussed: "
                                f"{', '.join(missing)} ({'; '.join(known[k] for k in missing)})")


def _court(c: Checker) -> None:
    court = c.doc.get("court") or {}
    stage = (c.doc.get("proceedings") or {}).get("stage")
    if court.get("waive_appeal") and stage not in ("master_calendar", "individual_calendar"):
        c.add("court.waive_appeal", "an appeal is waived only of an immigration judge's decision, and the case is "
                                    f"at the stage '{stage}': remove it")
    if court.get("dismissal_ground") and "dismissal" not in ((c.doc.get("request") or {}).get("relief") or []):
        c.warn("court.dismissal_ground", "is used only by a motion to dismiss, and the request does not ask for "
                                         "dismissal: remove it, or add dismissal to request.relief")
