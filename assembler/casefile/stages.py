"""The stage of a case (`proceedings.stage` keywords onto the brief's four stages), and which relief
cannot be asked at which stage, from the law data's stage_rule entries (casefile/law.py).

Validation needs both, and so do the documents that print them (documents/citations.py): they
live here, below both."""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from assembler.casefile import law as casefile_law


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

def _misfits(law: Mapping[str, dict]) -> dict[str, dict[Stage, str]]:
    """relief -> {stage: why it cannot be asked at that stage}, from the stage_rule entries."""
    table: dict[str, dict[Stage, str]] = {}
    for entry in law.values():
        for relief, stages in (entry.get("applies") or {}).items():
            for stage, what in stages.items():
                table.setdefault(relief, {})[Stage(stage)] = entry["text"].replace("{what}", what)
    return table


MISFITS: dict[str, dict[Stage, str]] = _misfits(casefile_law.merge(None, None)[0])


def stage_of(keyword: str) -> Stage:
    return STAGES[keyword][0]


def misfit(relief: str, keyword: str, law: Mapping[str, dict] | None = None) -> str | None:
    """Why `relief` cannot be asked at the stage `keyword`, or None when it can."""
    table = MISFITS if law is None else _misfits(law)
    return table.get(relief, {}).get(stage_of(keyword))
