"""The stage of a case, and what each kind of relief is called and cited at each stage.

Every citation a template prints comes from the law data (assembler/data/law.yaml,
casefile/law.py: the citation.RELIEF.STAGE entries, each with its source and the
date it was checked), with the firm's corrections from its settings. Where that table has no citation, the letter
names the relief without one: pdpacket never makes one up. A relief that cannot
fit a stage (reopening a case that is still pending) is refused by validation
with the reason of the law data's stage_rule entry (the stages and those rules are read in
casefile/stages.py: validation needs them, and it stands below the documents).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from assembler.casefile import law as casefile_law
from assembler.casefile.stages import FINAL_ORDER_BY, STAGES, Stage, stage_of

if TYPE_CHECKING:
    from assembler.casefile.case import Case
    from assembler.casefile.settings import Settings
    from assembler.errors import Finding


SECTION = "\u00a7"
CFR = "8\u00a0C.F.R.\u00a0"  # a citation never breaks before its section number
_CFR_TEXT = re.compile(r"(\d+) C\.F\.R\. (\u00a7\u00a7?) ")


def printed(text: str) -> str:
    """A citation as the filing prints it: '8 C.F.R. § 1003.18(c)' kept on one line."""
    return _CFR_TEXT.sub(lambda m: f"{m[1]}\u00a0C.F.R.\u00a0{m[2]}\u00a0", text)


def _citations(law: Mapping[str, dict]) -> dict[str, dict[Stage, str]]:
    """relief -> {stage: citation}, from the law data's citation entries (citation.RELIEF.STAGE).
    Only what the data gives: where it has none, the letter names the relief without one."""
    table: dict[str, dict[Stage, str]] = {}
    for key, entry in law.items():
        kind, _, rest = key.partition(".")
        relief, _, stage = rest.rpartition(".")
        if kind == "citation" and relief != "join_motion_to_reopen" and stage in Stage.__members__:
            table.setdefault(relief, {})[Stage(stage)] = printed(entry["text"])
    return table


def _reopen_citations(law: Mapping[str, dict]) -> dict[str, str]:
    """A motion to reopen is decided by whoever entered the final order."""
    return {by: printed(law[f"citation.join_motion_to_reopen.{by}"]["text"])
            for by in ("immigration_judge", "board") if f"citation.join_motion_to_reopen.{by}" in law}


_GROUND = "court.dismissal.ground_"


def _grounds(law: Mapping[str, dict]) -> dict[str, tuple[str, str]]:
    """ground -> (citation, the regulation's words) from the law data's court.dismissal.ground_* entries: the
    words are the entry's quote of the regulation, its paragraph number and closing "or" or full stop left out."""
    found = {}
    for key, entry in law.items():
        if key.startswith(_GROUND) and entry.get("quote") and entry.get("authority"):
            words = re.sub(r"^\(\d+\)\s*", "", entry["quote"].strip()).rstrip(".")
            words = re.sub(r",?\s+or$", "", words)
            found[key.removeprefix(_GROUND)] = (printed(entry["authority"]), words[:1].lower() + words[1:])
    return found


_SHIPPED = casefile_law.merge(None, None)[0]
# The shipped tables (the court papers read these; the letter reads the firm's, with its overrides).
CITATIONS: dict[str, dict[Stage, str]] = _citations(_SHIPPED)
REOPEN_CITATIONS: dict[str, str] = _reopen_citations(_SHIPPED)
# The grounds of 8 C.F.R. 239.2(a) a DHS motion to dismiss can rest on, and the standard a joint motion to close
# is decided by: law data (court.* entries), never prose here.
DISMISSAL_GROUNDS: dict[str, tuple[str, str]] = _grounds(_SHIPPED)
CLOSURE_STANDARD: str | None = (printed(_SHIPPED["court.administrative_closure.joint_standard"]["text"])
                                if "court.administrative_closure.joint_standard" in _SHIPPED else None)

LABELS = {
    "dismissal": "Dismissal of the proceedings",
    "administrative_closure": "Administrative closure of the proceedings",
    "termination": "Termination of the proceedings",
    "continuance": "A continuance of the proceedings",
    "stipulation_to_relief": "A stipulation to the respondent's eligibility for relief",
    "join_motion_to_reopen": "Joining a motion to reopen the proceedings",
    "join_motion_to_recalendar_and_terminate": "Joining a motion to recalendar and terminate the proceedings",
    "not_file_nta": "Not filing the Notice to Appear with the immigration court",
    "cancel_nta": "Cancelling the Notice to Appear",
    "waive_appeal": "Waiving appeal of the immigration judge's decision",
    "stipulate_to_bond": "Stipulating to the respondent's release on bond",
    "stay_of_removal": "A stay of removal, which ICE decides",
    "deferred_action": "Support for deferred action, which ICE Enforcement and Removal Operations or USCIS "
                       "grants, not this office",
}

def stage_text(proceedings: dict) -> str:
    text = STAGES[proceedings["stage"]][1]
    by = proceedings.get("final_order_by")
    if stage_of(proceedings["stage"]) is Stage.final_order and by:
        text += f", {FINAL_ORDER_BY[by]}"
    return text


def citation(relief: str, proceedings: dict, law: Mapping[str, dict] | None = None) -> str | None:
    if relief == "join_motion_to_reopen":
        reopen = REOPEN_CITATIONS if law is None else _reopen_citations(law)
        return reopen.get(proceedings.get("final_order_by") or "")
    table = CITATIONS if law is None else _citations(law)
    return table.get(relief, {}).get(stage_of(proceedings["stage"]))


def relief_label(relief: str, proceedings: dict, bond_amount: str | None = None,
                 law: Mapping[str, dict] | None = None) -> str:
    """'Dismissal of the proceedings under 8 C.F.R. § 1239.2(c), ...': never in parentheses,
    since the citations hold parentheses of their own."""
    label = LABELS[relief]
    if relief == "stipulate_to_bond" and bond_amount:
        label += f" in the amount of {bond_amount}"
    cited = citation(relief, proceedings, law)
    return f"{label}, under {cited}" if cited else label


def law_used(data: dict, law: Mapping[str, dict]) -> list[str]:
    """The keys of the law entries a filing of this case prints or applies."""
    return casefile_law.used_keys(data, law, stage_of(data["proceedings"]["stage"]).value)


def law_warnings(case: Case, settings: Settings) -> list[Finding]:
    """What every build says about the law it relies on: each entry it uses that was checked longer
    ago than the settings' law.stale_after_months (or never), by name; and settings read under an
    old name."""
    from assembler.casefile.case import today  # the build's date (PDPACKET_TODAY)
    used = law_used(case.data, settings.law)
    return casefile_law.warnings(case.shown, used, settings.law, today(), settings.law_stale_after_months) + \
        list(settings.deprecated)


def law_record(case: Case, settings: Settings) -> dict:
    """The manifest's record of the law entries the filing used, and of the firm's overrides."""
    return casefile_law.manifest_record(law_used(case.data, settings.law), settings.law, settings.law_changed,
                                        settings.law_stale_after_months)
