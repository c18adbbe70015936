"""The stage of a case, and what each kind of relief is called and cited at each stage.

Every citation a template prints comes from `CITATIONS`, which copies the table
"Citations by stage" of the project's domain brief (verify each against the
current CFR before relying on it). Where that table has no citation, the letter
names the relief without one: pdpacket never makes one up. A relief that cannot
fit a stage (reopening a case that is still pending) is refused by validation
with `MISFITS`' reason.
"""
from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The four stages of the brief; `proceedings.stage` keywords map onto them (STAGES)."""

    before_nta = "before_nta"  # the Notice to Appear is not filed with the court yet
    immigration_judge = "immigration_judge"
    board = "board"  # an appeal is pending at the Board of Immigration Appeals
    final_order = "final_order"


# proceedings.stage keyword -> (stage, how the letter's Re: block says it)
STAGES: dict[str, tuple[Stage, str]] = {
    "nta_not_filed": (Stage.before_nta, "Notice to Appear not yet filed with the immigration court"),
    "master_calendar": (Stage.immigration_judge, "Before the immigration judge, master calendar"),
    "individual_calendar": (Stage.immigration_judge, "Before the immigration judge, individual calendar"),
    "appeal_pending": (Stage.board, "On appeal before the Board of Immigration Appeals"),
    "final_order": (Stage.final_order, "Final order of removal"),
    "motion_to_reopen": (Stage.final_order, "Final order of removal; motion to reopen"),
}
FINAL_ORDER_BY = {"immigration_judge": "entered by the immigration judge",
                  "board": "entered by the Board of Immigration Appeals"}

SECTION = "\u00a7"
CFR = "8\u00a0C.F.R.\u00a0"  # a citation never breaks before its section number

# relief -> {stage: citation}. Only what the brief's table gives.
CITATIONS: dict[str, dict[Stage, str]] = {
    "dismissal": {Stage.immigration_judge: f"{CFR}{SECTION}\u00a01239.2(c), on the grounds of "
                                           f"{CFR}{SECTION}\u00a0239.2(a)"},
    "cancel_nta": {Stage.before_nta: f"{CFR}{SECTION}\u00a0239.2(a)"},
    "not_file_nta": {Stage.before_nta: f"{CFR}{SECTION}\u00a0239.2(a)"},
    "administrative_closure": {Stage.immigration_judge: f"{CFR}{SECTION}\u00a01003.18(c)",
                               Stage.board: f"{CFR}{SECTION}\u00a01003.1(l)"},
    "termination": {Stage.immigration_judge: f"{CFR}{SECTION}\u00a01003.18(d)",
                    Stage.board: f"{CFR}{SECTION}\u00a01003.1(m)"},
    "continuance": {Stage.immigration_judge: f"{CFR}{SECTION}\u00a01003.29"},
    "stipulate_to_bond": {Stage.immigration_judge: f"{CFR}{SECTION}{SECTION}\u00a01003.19 and 1236.1(d)"},
    "stay_of_removal": {Stage.final_order: f"{CFR}{SECTION}\u00a0241.6, on Form I-246"},
}
# A motion to reopen is decided by whoever entered the final order.
REOPEN_CITATIONS = {"immigration_judge": f"{CFR}{SECTION}\u00a01003.23(b)(4)(iv)",
                    "board": f"{CFR}{SECTION}\u00a01003.2(c)(3)(iii)"}

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

_NO_PROCEEDINGS = ("no Notice to Appear has been filed, so there are no proceedings to {what} yet: ask the office "
                   "to cancel the Notice to Appear or not to file it, 8 C.F.R. \u00a7 239.2(a)")
_FINAL = ("the case ended with a final order, so there are no pending proceedings to {what}: ask the office to "
          "join a motion to reopen")
_PENDING = "the case is still pending, so there is no final order to {what}"
_FILED = ("the Notice to Appear is already filed with the immigration court: ask for dismissal, "
          "8 C.F.R. \u00a7 1239.2(c), instead")

# relief -> {stage: why it cannot be asked at that stage}
MISFITS: dict[str, dict[Stage, str]] = {
    "dismissal": {Stage.before_nta: _NO_PROCEEDINGS.format(what="dismiss"),
                  Stage.board: "a motion to dismiss under 8 C.F.R. \u00a7 1239.2(c) is decided by the immigration "
                               "judge; while the appeal is pending ask for termination, 8 C.F.R. \u00a7 1003.1(m), "
                               "or administrative closure, 8 C.F.R. \u00a7 1003.1(l)",
                  Stage.final_order: _FINAL.format(what="dismiss")},
    "administrative_closure": {Stage.before_nta: _NO_PROCEEDINGS.format(what="close"),
                               Stage.final_order: _FINAL.format(what="close")},
    "termination": {Stage.before_nta: _NO_PROCEEDINGS.format(what="terminate"),
                    Stage.final_order: _FINAL.format(what="terminate")},
    "continuance": {Stage.before_nta: _NO_PROCEEDINGS.format(what="continue"),
                    Stage.board: "a continuance is granted by the immigration judge, 8 C.F.R. \u00a7 1003.29, "
                                 "and the case is on appeal at the Board",
                    Stage.final_order: _FINAL.format(what="continue")},
    "stipulation_to_relief": {Stage.before_nta: _NO_PROCEEDINGS.format(what="stipulate in"),
                              Stage.final_order: _FINAL.format(what="stipulate in")},
    "join_motion_to_reopen": {Stage.before_nta: _PENDING.format(what="reopen"),
                              Stage.immigration_judge: _PENDING.format(what="reopen"),
                              Stage.board: _PENDING.format(what="reopen")},
    "join_motion_to_recalendar_and_terminate": {Stage.before_nta: _NO_PROCEEDINGS.format(what="recalendar"),
                                                Stage.final_order: _FINAL.format(what="recalendar")},
    "not_file_nta": {s: _FILED for s in (Stage.immigration_judge, Stage.board, Stage.final_order)},
    "cancel_nta": {s: _FILED for s in (Stage.immigration_judge, Stage.board, Stage.final_order)},
    "waive_appeal": {Stage.before_nta: "there is no decision of an immigration judge to appeal yet",
                     Stage.board: "an appeal is already pending at the Board",
                     Stage.final_order: "the order is already final"},
    "stay_of_removal": {s: _PENDING.format(what="stay") for s in (Stage.before_nta, Stage.immigration_judge,
                                                                  Stage.board)},
}


def stage_of(keyword: str) -> Stage:
    return STAGES[keyword][0]


def stage_text(proceedings: dict) -> str:
    text = STAGES[proceedings["stage"]][1]
    by = proceedings.get("final_order_by")
    if stage_of(proceedings["stage"]) is Stage.final_order and by:
        text += f", {FINAL_ORDER_BY[by]}"
    return text


def misfit(relief: str, keyword: str) -> str | None:
    """Why `relief` cannot be asked at the stage `keyword`, or None when it can."""
    return MISFITS.get(relief, {}).get(stage_of(keyword))


def citation(relief: str, proceedings: dict) -> str | None:
    if relief == "join_motion_to_reopen":
        return REOPEN_CITATIONS.get(proceedings.get("final_order_by") or "")
    return CITATIONS.get(relief, {}).get(stage_of(proceedings["stage"]))


def relief_label(relief: str, proceedings: dict, bond_amount: str | None = None) -> str:
    """'Dismissal of the proceedings under 8 C.F.R. § 1239.2(c), ...': never in parentheses,
    since the citations hold parentheses of their own."""
    label = LABELS[relief]
    if relief == "stipulate_to_bond" and bond_amount:
        label += f" in the amount of {bond_amount}"
    cited = citation(relief, proceedings)
    return f"{label}, under {cited}" if cited else label
