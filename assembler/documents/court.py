"""The court papers for when the office agrees: which motions, addressed to whom, in which files.

For each relief of the request that the court grants on a motion (dismissal,
administrative closure, termination, reopening, recalendaring and
termination), `pdpacket court` makes one submission: a joint motion behind its
cover page, with its proposed order. EOIR's e-filing takes one submission per
file, so each is a file of its own (`submissions`). Before the immigration
judge they carry the immigration court's caption; at the Board stage the
Board's, and no proposed order unless the court directory says the Board
takes one (the Board writes its own orders). The court's city and state come
from the court directory (assembler/data/courts.yaml and the firm's `courts:`
settings); nothing is invented: what the directory does not hold prints as a
blank to fill, and the build says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from assembler.casefile.forms import COURT as COURT_FORMS
from assembler.casefile.forms import FORM_NAMES, FormSpec, appearance_kind, at_board
from assembler.casefile.normalize import paragraphs
from assembler.documents.citations import CITATIONS, CLOSURE_STANDARD, DISMISSAL_GROUNDS, REOPEN_CITATIONS, Stage
from assembler.documents.context import full_name
from assembler.documents.plan import Part, Section
from assembler.vocab import PartKind

BOARD_KEY = "board_of_immigration_appeals"


@dataclass(frozen=True)
class Motion:
    title: str  # "Joint Motion to Dismiss Proceedings"
    action: str  # what the parties ask: "dismiss these proceedings"
    ordered: str  # what the order says when granted: "the proceedings are dismissed"
    file: str  # its file's name after the respondent's: "joint-motion-to-dismiss"


MOTIONS = {
    "dismissal": Motion("Joint Motion to Dismiss Proceedings", "dismiss these proceedings",
                        "the proceedings are dismissed", "joint-motion-to-dismiss"),
    "administrative_closure": Motion("Joint Motion to Administratively Close Proceedings",
                                     "administratively close these proceedings",
                                     "the proceedings are administratively closed",
                                     "joint-motion-to-administratively-close"),
    "termination": Motion("Joint Motion to Terminate Proceedings", "terminate these proceedings",
                          "the proceedings are terminated", "joint-motion-to-terminate"),
    "join_motion_to_reopen": Motion("Joint Motion to Reopen Proceedings", "reopen these proceedings",
                                    "the proceedings are reopened", "joint-motion-to-reopen"),
    "join_motion_to_recalendar_and_terminate": Motion(
        "Joint Motion to Recalendar and Terminate Proceedings", "recalendar and terminate these proceedings",
        "the proceedings are recalendared and terminated", "joint-motion-to-recalendar-and-terminate"),
}
# Recalendared to be terminated: the termination rule is the one the motion invokes.
CITED_AS = {"join_motion_to_recalendar_and_terminate": "termination"}

STAGE_FACTS = {
    "master_calendar": "These proceedings are pending before the Immigration Court on the master calendar.",
    "individual_calendar": "These proceedings are pending before the Immigration Court on the individual calendar.",
    "appeal_pending": "The respondent's appeal of the immigration judge's decision is pending before the Board.",
}


def citation(relief: str, board: bool) -> str | None:
    """The motion's citation, from the one table of citations (documents/citations.py); None where it has none.
    A motion to reopen goes to whoever entered the final order, so `board` picks its rule too."""
    if relief == "join_motion_to_reopen":
        return REOPEN_CITATIONS["board" if board else "immigration_judge"]
    return CITATIONS.get(CITED_AS.get(relief, relief), {}).get(Stage.board if board else Stage.immigration_judge)


def court_reliefs(data: dict) -> list[str]:
    return [r for r in data["request"]["relief"] if r in MOTIONS]


def motion_variables(relief: str, court: dict) -> dict:
    """What the templates know of one motion; `court` is the `court` variable (court_variables)."""
    m = MOTIONS[relief]
    board = bool(court.get("board"))
    ground = DISMISSAL_GROUNDS.get(court.get("dismissal_ground") or "") if relief == "dismissal" else None
    return {"relief": relief, "title": m.title, "action": m.action, "ordered": m.ordered,
            "citation": citation(relief, board),
            "ground": ground[1] if ground else None, "ground_citation": ground[0] if ground else None,
            "standard": CLOSURE_STANDARD if relief == "administrative_closure" and not board else None,
            "waive_appeal": bool(court.get("waive_appeal")) and not board,
            "order": takes_order(court)}


def takes_order(court: dict) -> bool:
    """A proposed order goes with the motion, except at the Board unless its directory entry says it takes one."""
    flag = court.get("proposed_order")
    return bool(flag) if flag is not None else not court.get("board")


def _words(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def find_court(name: str, courts: dict) -> tuple[str, dict] | None:
    """The directory entry whose name or alias is the case's court (capitals and punctuation aside)."""
    wanted = _words(name)
    for key, entry in courts.items():
        if wanted in {_words(n) for n in [entry.get("name", ""), *(entry.get("aliases") or [])]}:
            return key, entry
    return None


def facts(data: dict) -> list[str]:
    """The motion's facts: who the respondent is and where the case stands (all from the case file),
    then the case's own `court.facts` (why the parties move)."""
    r, p = data["respondent"], data["proceedings"]
    said = [f"The respondent, {full_name(r)}, is a citizen of {r['country_of_citizenship']}."]
    if p.get("stage") in STAGE_FACTS:
        said[0] += " " + STAGE_FACTS[p["stage"]]
    return said + paragraphs((data.get("court") or {}).get("facts") or "")


def court_variables(data: dict, courts: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The `court` the papers are addressed to (with the case's `court:` fields), and (field path,
    warning) for each blank they will print."""
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
                                                  "directory: the court papers print a blank for its city and "
                                                  "state; add it under courts: in the settings (name, city, state)"))
    name = entry.get("name") or data["proceedings"]["court"]
    city, state = entry.get("city"), entry.get("state")
    place = ", ".join(p for p in (city, state) if p) if city and state else None
    own = {k: v for k, v in (data.get("court") or {}).items() if v is not None}
    court = {**own, "key": key, "name": name, "board": board, "city": city, "state": state, "place": place,
             "address": list(entry.get("address") or []),
             "body": "Board of Immigration Appeals" if board else "Immigration Court",
             "decider": "Board" if board else "Immigration Judge", "source": entry.get("source"),
             "source_date": entry.get("source_date"), "verified_on": entry.get("verified_on"),
             "verified": bool(entry.get("verified_on")), "proposed_order": entry.get("proposed_order"),
             "facts": facts(data)}
    court["takes_order"] = takes_order(court)
    return court, warnings


def problems(data: dict) -> list[tuple[str, str]]:
    """(field path, error) for what the court papers cannot be made without."""
    if "dismissal" in court_reliefs(data) and not (data.get("court") or {}).get("dismissal_ground"):
        return [("court.dismissal_ground", "a motion to dismiss names its ground under 8 C.F.R. \u00a7 239.2(a): "
                                           "write court: {dismissal_ground: a6} (the notice to appear was "
                                           "improvidently issued) or a7 (circumstances have changed so that "
                                           "continuing is no longer in the government's best interest), as agreed "
                                           "with the office")]
    return []


def warnings(data: dict, forms: list[FormSpec], case_file: str = "case.yaml") -> list[tuple[str, str]]:
    """(field path, warning) about the court papers of a valid case; `forms` are the ones on top of each
    motion (casefile/forms.py court_forms), `case_file` the case file as the user knows it."""
    found = []
    own = data.get("court") or {}
    if "dismissal" in court_reliefs(data) and not own.get("facts"):
        found.append(("court.facts", "the motion to dismiss states only who the respondent is and where the case "
                                     "stands: add court.facts, the facts behind its ground, in a sentence or two"))
    kinds = {spec.kind for spec in forms} | {(x.get("kind") or "").replace("_", "") for x in data.get("exhibits") or []}
    form = appearance_kind(data)
    if court_reliefs(data) and form not in kinds:
        where = "the Board" if form == "eoir27" else "the immigration court"
        found.append((COURT_FORMS, f"counsel must be of record before {where} to file these motions "
                                   f"({FORM_NAMES[form]}): unless it is on file with {where} already, put the "
                                   f"signed {FORM_NAMES[form]} on top of the motions: in {case_file}, under "
                                   f"\"court:\", add a list \"forms:\" with one entry \"- kind: {form}\" and "
                                   f"\"file: forms/{form}.pdf\" (the form's PDF, put in the case folder), then "
                                   "run this command again. It goes in the court papers only, never in the PD "
                                   "request filing, which stays as it is"))
    return found


def submissions(data: dict) -> list[str]:
    """The reliefs that each make a submission of their own (one file each): a motion is never combined
    with another in one file, as EOIR's e-filing requires."""
    return court_reliefs(data)


def plan_court(data: dict, court: dict, forms: list[FormSpec] | None = None) -> list[Section]:
    """For each relief with a motion: its forms on top (counsel's EOIR-28: `forms`, from casefile/forms.py
    court_forms), the joint motion behind its cover page, then (when the court takes one) the proposed
    order. Each submission is filed alone, so each carries the forms."""
    sections = []
    for relief in court_reliefs(data):
        title = MOTIONS[relief].title
        sections += [Section(f"court:{relief}:form:{spec.where}[{spec.index}]", spec.title, parts=[
            Part(PartKind.form, f"form {spec.label}", source=spec.file, ref=str(spec.index), form=spec)])
            for spec in forms or [] if spec.file is not None]
        sections.append(Section(f"court:{relief}:motion", title, parts=[
            Part(PartKind.court_cover, f"cover page of the {title.lower()}", ref=relief),
            Part(PartKind.joint_motion, title.lower(), ref=relief)]))
        if court["takes_order"]:
            sections.append(Section(f"court:{relief}:order", f"Proposed order ({title})", parts=[
                Part(PartKind.proposed_order, f"proposed order on the {title.lower()}", ref=relief)]))
    return sections


def submission_of(section: Section) -> str:
    """The relief whose submission (file) a section belongs to."""
    return section.key.split(":")[1]
