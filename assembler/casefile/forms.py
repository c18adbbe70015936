"""A case's official forms (G-28, EOIR-28, EOIR-27, others) as case data: which file each one is, with
which fill mapping (the case's, or the firm's for its kind), and which forms a case should carry.
Filling them, and checking that their fill expressions work, is pdf/fill.py's business.

Two lists hold them: `forms:` (the PD request filing's, after the request letter) and `court: forms:`
(the court papers', on top of each motion: counsel's EOIR-28 or EOIR-27). The court papers' forms are
kept apart because they come after the office has agreed, when the filing has been sent: in `forms:`
they would change the sent filing, and so its approval (the CLI walk-through's EOIR-28)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assembler.vocab import IMAGE_SUFFIXES

FORM_TITLES = {
    "g28": "Form G-28, Notice of Entry of Appearance as Attorney or Accredited Representative",
    "eoir28": "Form EOIR-28, Notice of Entry of Appearance as Attorney or Representative Before the "
              "Immigration Court",
    "eoir27": "Form EOIR-27, Notice of Entry of Appearance as Attorney or Representative Before the "
              "Board of Immigration Appeals",
}
FORM_NAMES = {"g28": "Form G-28", "eoir28": "Form EOIR-28", "eoir27": "Form EOIR-27"}
JOIN_MOTION_RELIEF = ("join_motion_to_reopen", "join_motion_to_recalendar_and_terminate")
FILING = "forms"  # where each list is, as a Finding's path names it
COURT = "court.forms"
APPEARANCE_KINDS = ("eoir28", "eoir27")  # counsel's appearance before the court (eoir28) or the Board (eoir27)
BOARD_STAGES = {"appeal_pending"}  # proceedings.stage values at which the case is before the Board
AFTER_ORDER_STAGES = {"final_order", "motion_to_reopen"}  # after a final order: proceedings.final_order_by says whose
@dataclass(frozen=True)
class FormSpec:
    """One form of a case, with its file and fill mapping resolved against the settings."""

    index: int  # position in its list (`where`)
    kind: str
    title: str
    file: Path | None  # None when neither the case nor the settings name one
    named: str  # the file as the case or the settings wrote it (for messages)
    fill: dict[str, str] = field(default_factory=dict)
    fill_where: str = ""  # where the mapping is written: "forms[0].fill" or "forms.g28.fill in SETTINGS"
    # Who signs it by hand, on which page: ({role, page, where}, ...), the case's list or the firm's
    # (documents/signers.py reads them). A case's own file without a list: nobody (a form signed already).
    signers: tuple[dict, ...] = ()
    where: str = FILING  # its list: the filing's (forms) or the court papers' (court.forms)

    @property
    def path(self) -> str:
        """Its entry, as a Finding's path names it: forms[0], court.forms[1]."""
        return f"{self.where}[{self.index}]"

    @property
    def label(self) -> str:
        return f"{FORM_NAMES.get(self.kind, self.title)} ({self.named})"

    @property
    def picture(self) -> bool:
        """Whether its file is a picture (a form signed on paper, scanned or photographed): it goes in as an
        image exhibit does, and has no fields to fill."""
        return self.file is not None and self.file.suffix.lower() in IMAGE_SUFFIXES

    def picture_fill_text(self) -> str:
        """What is wrong with a fill mapping on a picture, and how to fix it."""
        fix = "remove its fill mapping, or name the fillable PDF form instead" if self.fill_where.startswith(
            self.path) else f"remove its fill mapping ({self.fill_where}), or name a fillable PDF form there"
        return f"{self.label} is a picture (a scan or a photo), which has no fields to fill: {fix}"


def form_items(data: dict, where: str = FILING) -> list:
    """The entries of one list of forms as the case writes them: `forms` or `court.forms`."""
    if where == COURT:
        court = data.get("court")
        return list((court.get("forms") if isinstance(court, dict) else None) or [])
    return list(data.get("forms") or [])


def resolve_forms(data: dict, case_dir: Path, settings_forms: dict | None = None,
                  settings_path: Path | None = None, where: str = FILING) -> list[FormSpec]:
    """The case's forms of one list (the filing's by default, or the court papers' `court.forms`), each
    with its file and fill mapping (the case's, or the settings' for its kind)."""
    specs = []
    for i, item in enumerate(form_items(data, where)):
        kind = item["kind"]
        firm = (settings_forms or {}).get(kind) or {}
        title = item.get("title") or firm.get("title") or FORM_TITLES.get(kind, "Form")
        if item.get("file"):
            specs.append(FormSpec(i, kind, title, case_dir / item["file"], item["file"], dict(item.get("fill") or {}),
                                  f"{where}[{i}].fill", tuple(item.get("signers") or ()), where))
        elif firm.get("file"):
            firm_where = f"forms.{kind}.fill in {settings_path or 'the settings'}"
            fill = {**(firm.get("fill") or {}), **(item.get("fill") or {})}
            signers = item.get("signers") if item.get("signers") is not None else firm.get("signers")
            specs.append(FormSpec(i, kind, title, Path(firm["file"]), firm.get("file_named", firm["file"]), fill,
                                  f"{where}[{i}].fill" if item.get("fill") else firm_where, tuple(signers or ()),
                                  where))
        else:
            specs.append(FormSpec(i, kind, title, None, "", dict(item.get("fill") or {}), f"{where}[{i}].fill",
                                  where=where))
    return specs


def court_forms(data: dict, case_dir: Path, settings_forms: dict | None = None,
                settings_path: Path | None = None) -> list[FormSpec]:
    """The forms on top of each court paper's submission: the case's `court.forms`; a case file written
    before that list existed, with counsel's EOIR-28 (EOIR-27 at the Board) in `forms:`, has that one
    taken from there (it stays in the filing too, as it was sent)."""
    own = resolve_forms(data, case_dir, settings_forms, settings_path, COURT)
    if any(spec.kind in APPEARANCE_KINDS for spec in own):
        return own
    kind = appearance_kind(data)
    return own + [spec for spec in resolve_forms(data, case_dir, settings_forms, settings_path) if spec.kind == kind]


def appearance_kind(data: dict) -> str:
    """The form by which counsel appears where the case is: EOIR-27 before the Board, else EOIR-28."""
    return "eoir27" if at_board(data) else "eoir28"


def moved_to_court(data: dict) -> dict | None:
    """The case data with counsel's appearance form(s) (EOIR-28, EOIR-27) moved from `forms:` to the end of
    `court.forms`, as a paralegal would move them; None when `forms:` holds none."""
    moving = [f for f in form_items(data) if _kind(f.get("kind")) in APPEARANCE_KINDS]
    if not moving:
        return None
    court = data["court"] if isinstance(data.get("court"), dict) else {}
    return {**data, "forms": [f for f in form_items(data) if f not in moving],
            "court": {**court, "forms": [*form_items(data, COURT), *moving]}}


def office_requires(data: dict, office: dict | None, form: str) -> bool:
    """Whether the case's office requires `form` (g28, eoir28, eoir27) with every request: its
    `rules.requires` in the settings (written g28, eoir_28, eoir_27). A form an office requires
    is an error when missing; one it does not require, a warning."""
    return office is not None and form in {_kind(r) for r in office["rules"]["requires"]}


def _kind(name: str | None) -> str:
    """eoir_28 (an exhibit's kind, an office rule) and eoir28 (a form's kind) are the same form."""
    return (name or "").replace("_", "")


def at_board(data: dict) -> bool:
    """Whether the Board of Immigration Appeals has the case: an appeal is pending there, or it
    entered the final order (a motion to reopen goes to whoever did). Absent stage: the judge."""
    p = data.get("proceedings") or {}
    return p.get("stage") in BOARD_STAGES or (p.get("stage") in AFTER_ORDER_STAGES and p.get("final_order_by") == "board")


def missing_forms(data: dict, office: dict | None) -> list[tuple[str, str, bool]]:
    """(field path, message, is_error) for each form the case should carry and does not."""
    # A form in the forms list, or a signed copy filed as an exhibit of that kind.
    kinds = {_kind(f.get("kind")) for f in data.get("forms") or []}
    kinds |= {_kind(e.get("kind")) for e in data.get("exhibits") or []}
    found = []
    if (data.get("attorney") or {}).get("name") and "g28" not in kinds:
        found.append(("forms", "no Form G-28 among the forms: the Office of the Chief Counsel recognises counsel "
                               "by the G-28 sent with the request; add `- kind: g28` with its file (the firm's "
                               "settings can hold the file and its fill mapping once)"
                               + (f"; the office '{office['key']}' requires one with every request"
                                  if office_requires(data, office, "g28") and office else ""),
                      office_requires(data, office, "g28")))
    relief = (data.get("request") or {}).get("relief") or []
    joining = [r for r in relief if r in JOIN_MOTION_RELIEF]
    if joining and not kinds & {"eoir28", "eoir27"}:
        form = "eoir27" if at_board(data) else "eoir28"
        where = "the Board" if form == "eoir27" else "the immigration court"
        found.append(("request.relief", f"a request to join a motion ({joining[0].replace('_', ' ')}) goes with "
                                        f"counsel's {FORM_NAMES[form]} (appearance before {where}): add "
                                        f"`- kind: {form}` to the forms",
                      office_requires(data, office, form)))
    return found


# A check of the forms' fill mappings: (case data, case folder, office, the forms whose files can be
# read) -> (field path, message) for each problem. Only filling can tell, so it lives with the documents
# (pdf/fill.py check_fills) and the validating drivers hand it in (assembler/validate.py).
FillCheck = Callable[[dict, Path, dict, list[FormSpec]], list[tuple[str, str]]]
FillChecks = Sequence[FillCheck]
