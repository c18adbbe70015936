"""The court papers for when the office agrees: which motions, addressed to whom.

For each relief of the request that the court grants on a motion (dismissal,
administrative closure, termination, reopening, recalendaring and
termination), `pdpacket court` makes a joint motion (behind a cover page) and
a proposed order. Before the immigration judge they carry the immigration
court's caption; at the Board stage the Board's. The court's city, state and
address come from the court directory (assembler/data/courts.yaml and the
firm's `courts:` settings); nothing is invented: what the directory does not
hold prints as a blank to fill, and the build says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assembler.casefile.forms import at_board
from assembler.documents.citations import CITATIONS, REOPEN_CITATIONS, Stage
from assembler.documents.plan import Part, Section
from assembler.vocab import PartKind

BOARD_KEY = "board_of_immigration_appeals"


@dataclass(frozen=True)
class Motion:
    title: str  # "Joint Motion to Dismiss Proceedings"
    action: str  # what the parties ask: "dismiss these proceedings"
    ordered: str  # what the order says when granted: "the proceedings are dismissed"


MOTIONS = {
    "dismissal": Motion("Joint Motion to Dismiss Proceedings", "dismiss these proceedings",
                        "the proceedings are dismissed"),
    "administrative_closure": Motion("Joint Motion to Administratively Close Proceedings",
                                     "administratively close these proceedings",
                                     "the proceedings are administratively closed"),
    "termination": Motion("Joint Motion to Terminate Proceedings", "terminate these proceedings",
                          "the proceedings are terminated"),
    "join_motion_to_reopen": Motion("Joint Motion to Reopen Proceedings", "reopen these proceedings",
                                    "the proceedings are reopened"),
    "join_motion_to_recalendar_and_terminate": Motion(
        "Joint Motion to Recalendar and Terminate Proceedings", "recalendar and terminate these proceedings",
        "the proceedings are recalendared and terminated"),
}
# Recalendared to be terminated: the termination rule is the one the motion invokes.
CITED_AS = {"join_motion_to_recalendar_and_terminate": "termination"}


def citation(relief: str, board: bool) -> str | None:
    """The motion's citation, from the one table of citations (documents/citations.py); None where it has none.
    A motion to reopen goes to whoever entered the final order, so `board` picks its rule too."""
    if relief == "join_motion_to_reopen":
        return REOPEN_CITATIONS["board" if board else "immigration_judge"]
    return CITATIONS.get(CITED_AS.get(relief, relief), {}).get(Stage.board if board else Stage.immigration_judge)


def court_reliefs(data: dict) -> list[str]:
    return [r for r in data["request"]["relief"] if r in MOTIONS]


def motion_variables(relief: str, board: bool) -> dict:
    m = MOTIONS[relief]
    return {"relief": relief, "title": m.title, "action": m.action, "ordered": m.ordered,
            "citation": citation(relief, board)}


def _words(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def find_court(name: str, courts: dict) -> tuple[str, dict] | None:
    """The directory entry whose name or alias is the case's court (capitals and punctuation aside)."""
    wanted = _words(name)
    for key, entry in courts.items():
        if wanted in {_words(n) for n in [entry.get("name", ""), *(entry.get("aliases") or [])]}:
            return key, entry
    return None


def court_variables(data: dict, courts: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The `court` the papers are addressed to, and (field path, warning) for each blank they will print."""
    board = at_board(data)
    warnings = []
    key: str | None
    entry: dict
    if board:
        key, entry = BOARD_KEY, courts.get(BOARD_KEY) or {"name": "Board of Immigration Appeals"}
    else:
        found = find_court(data["proceedings"]["court"], courts)
        key, entry = found if found is not None else (None, {})
        if found is None:
            warnings.append(("proceedings.court", f"'{data['proceedings']['court']}' is not in the court "
                                                  "directory: the court papers print blanks for its city, state "
                                                  "and address; add it under courts: in the settings (name, city, "
                                                  "state, address)"))
    address = list(entry.get("address") or [])
    name = entry.get("name") or data["proceedings"]["court"]
    if key is not None and not address:
        warnings.append(("proceedings.court" if not board else "proceedings.stage",
                         f"the court directory has no address for the {name}: the court papers print a blank "
                         f"to fill; add it under courts: {{{key}: {{address: [...]}}}} in the settings"))
    city, state = entry.get("city"), entry.get("state")
    place = ", ".join(p for p in (city, state) if p) if city and state else None
    return {"key": key, "name": name, "board": board, "city": city, "state": state, "place": place,
            "address": address, "body": "Board of Immigration Appeals" if board else "Immigration Court",
            "decider": "Board" if board else "Immigration Judge", "source": entry.get("source"),
            "source_date": entry.get("source_date"), "verified_on": entry.get("verified_on"),
            "verified": bool(entry.get("verified_on"))}, warnings


def plan_court(data: dict) -> list[Section]:
    """For each relief with a motion: the joint motion behind its cover page, then the proposed order."""
    sections = []
    board = at_board(data)
    for relief in court_reliefs(data):
        title = motion_variables(relief, board)["title"]
        sections.append(Section(f"court:{relief}:motion", title, parts=[
            Part(PartKind.court_cover, f"cover page of the {title.lower()}", ref=relief),
            Part(PartKind.joint_motion, title.lower(), ref=relief)]))
        sections.append(Section(f"court:{relief}:order", f"Proposed order ({title})", parts=[
            Part(PartKind.proposed_order, f"proposed order on the {title.lower()}", ref=relief)]))
    return sections
