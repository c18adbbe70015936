"""CASE/approval.json: the attorney's approval of a build (`pdpacket approve CASE --as NAME`), and whether
it still holds.

An electronic signature is a person's act: the attorney's "/s/" on the letter and the server's on
the certificate of service are printed only while an approval is current, and until then every
page of the filing carries a DRAFT mark (pdf/draft_mark.py). An approval names the inputs it was
given for by the manifest's `content_key` (pdf/manifest.py: the case data, exhibits, templates,
tool version): any change to them makes it stale, and it then says what changed, in plain words
(the case fields the documents print, as documents/feeds.py names them for hand-edited copies;
else the files). It lives in the case folder, so a case can be handed over approved; the ledger
keeps the same act as an `approve` row (send/ledger.py).

What the build prints depends only on whether an approval is current, never on when it was
given: approving, then building twice, gives the same bytes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assembler import atomic
from assembler.documents import signers
from assembler.errors import InputFileError, OutputError, command
from assembler.pdf.manifest import changes, content_key, service_date, with_service_date

if TYPE_CHECKING:
    from assembler.casefile.case import Case
    from assembler.casefile.settings import Settings
    from assembler.documents import feeds

FILE = "approval.json"
FORMAT = 1
UNSIGNED = signers.UNSIGNED  # printed where the "/s/" goes until the attorney approves
# The parts of the manifest an approval keeps, to name later which file changed (pdf/manifest.changes).
BUILD_FIELDS = ("tool", "case_file", "settings_file", "inputs", "templates")


def path_of(case_dir: Path) -> Path:
    return Path(case_dir) / FILE


def read(case_dir: Path) -> dict | None:
    """The case's approval.json, or None when the case was never approved."""
    path = path_of(case_dir)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{path} cannot be read ({exc}): delete it, and have the attorney approve the "
                             f"filing again (`{command('approve', case_dir, '--as', 'NAME')}`)") from exc
    if not isinstance(record, dict) or not {"approved_by", "approved_at", "content_key"} <= record.keys():
        raise InputFileError(f"{path} is not an approval written by pdpacket: delete it, and have the attorney "
                             f"approve the filing again (`{command('approve', case_dir, '--as', 'NAME')}`)")
    return record


@dataclass(frozen=True)
class State:
    """Where a case's approval stands against its inputs as they are now."""

    case_dir: Path
    approval: dict | None  # approval.json as read; None: never approved
    current: bool
    changed: tuple[str, ...] = ()  # when stale: what changed since the approval, in plain words
    # When stale only because counsel's EOIR-28/EOIR-27 was added to the filing's forms: how to move it
    # to the court papers' (casefile/forms.py moved_to_court), which makes the approval hold again.
    moving: str = ""

    @property
    def draft(self) -> bool:
        return not self.current

    @property
    def by(self) -> str:
        return (self.approval or {}).get("approved_by", "")

    @property
    def on(self) -> str:
        return (self.approval or {}).get("approved_at", "")[:10]

    def line(self) -> str:
        """One line for `status`, `build` and the refusals of `send` and `email`."""
        approve = f"`{command('approve', self.case_dir, '--as', 'NAME')}`"
        if self.current:
            return f"approved by {self.by} on {self.on}"
        if self.approval is None:
            return (f"draft: not approved: the attorney reads the built filing, then approves it ({approve}); "
                    "until then it carries a DRAFT mark and no /s/ signature")
        if self.moving:  # not for the attorney to approve again: the form is in the wrong list
            return f"draft: the approval by {self.by} on {self.on} is out of date: {self.moving}"
        return (f"draft: the approval by {self.by} on {self.on} is out of date, changed since: "
                f"{'; '.join(self.changed)}: the attorney reads the filing built now and approves it again ({approve})")

    def record(self) -> dict:
        """The manifest's `approval`: no time in it, so that a rebuild gives the same manifest."""
        return {"state": "draft" if self.draft else "approved", "approved_by": self.by or None,
                "content_key": (self.approval or {}).get("content_key")}


def state(case: Case, settings: Settings, templates_dir: Path | None = None) -> State:
    approval = read(case.dir)
    if approval is None:
        return State(case.dir, None, False)
    try:
        key = content_key(case, settings, templates_dir)
    except OSError as exc:  # an exhibit gone: the build names it; the approval cannot hold
        return State(case.dir, approval, False, (f"{exc.filename} (cannot be read)",))
    if key == approval["content_key"]:
        return State(case.dir, approval, True)
    moving = _moving(case, settings, approval, templates_dir)
    if moving:
        return State(case.dir, approval, False, (moving,), moving)
    return State(case.dir, approval, False, _changed_since(case, settings, approval, templates_dir, key))


# The last answer of _what_changed, with what it was asked about: a build asks twice (its plan, then the
# ledger's note), and the answer remakes the whole templates' context (about 30 ms, issue 25). The same
# content_key (the files' and the templates' bytes), approval, case data and office, and the very same
# settings object (held here, so never another one at its address) give the same answer.
_last_changed: list[tuple[tuple[str, ...], Settings, tuple[str, ...]]] = []


def _changed_since(case: Case, settings: Settings, approval: dict, templates_dir: Path | None,
                   key: str) -> tuple[str, ...]:
    asked = (key, str(case.dir), str(templates_dir), *(json.dumps(x, sort_keys=True, default=str)
                                                       for x in (approval, case.data, case.office)))
    if _last_changed and _last_changed[0][0] == asked and _last_changed[0][1] is settings:
        return _last_changed[0][2]
    changed = tuple(_what_changed(case, settings, approval, templates_dir))
    _last_changed[:] = [(asked, settings, changed)]
    return changed


def _moving(case: Case, settings: Settings, approval: dict, templates_dir: Path | None) -> str:
    """Why the approval is stale, and the fix, when that is counsel's EOIR-28 (EOIR-27) put in the filing's
    `forms:` after the approval (as `pdpacket court` once asked): the same case with it in `court.forms`
    has the approved key. "" otherwise."""
    from assembler.casefile.forms import APPEARANCE_KINDS, FORM_NAMES, form_items, moved_to_court

    moved = moved_to_court(case.data)
    if moved is None:
        return ""
    try:
        if content_key(replace(case, data=moved), settings, templates_dir) != approval["content_key"]:
            return ""
    except OSError:
        return ""
    kinds = list(dict.fromkeys(f["kind"] for f in form_items(case.data) if f.get("kind") in APPEARANCE_KINDS))
    return (f"the {' and '.join(FORM_NAMES[k] for k in kinds)} under \"forms:\" in {case.file.name} puts it in "
            f"the PD request filing, which was approved without it: it is for the court papers: move its entry "
            f"(the lines from \"- kind: {kinds[0]}\") from \"forms:\" to a list \"forms:\" under \"court:\"; "
            "the filing's approval then holds again, and the court papers put the form on top of the motions")


def _what_changed(case: Case, settings: Settings, approval: dict, templates_dir: Path | None) -> list[str]:
    """The files that changed since the approval, the case file's changes named field by field."""
    found = changes(case, settings, {**(approval.get("build") or {}), "content_key": approval["content_key"]},
                    templates_dir)
    printed = approval.get("printed")
    case_file = f"the case file {case.file.name}"
    if printed and case_file in found:
        from assembler.documents import feeds

        # Compared as served on the day the approval saw: a new service date is no change to an approval.
        day = approval.get("service_date")
        as_approved = replace(case, data=with_service_date(case.data, day)) if day else case
        named = [str(c) for c in feeds.changes(feeds.Record(**printed), printed_record(as_approved, settings))]
        if named:
            at = found.index(case_file)
            found[at:at + 1] = named
    return found


def printed_record(case: Case, settings: Settings) -> feeds.Record:
    """What the filing's documents can print from the case now (every variable of the templates'
    context), as documents/feeds.py records it: its changes name what changed in plain words."""
    from assembler.casefile.forms import resolve_forms
    from assembler.documents import feeds
    from assembler.documents.context import build_context, context_tree
    from assembler.documents.plan import plan

    assert case.office is not None, "a validated case"
    _sections, tabs = plan(case.data, case.dir, resolve_forms(case.data, case.dir, settings.forms, settings.path))
    context = build_context(case.data, case.office, tabs, settings.decide_days, law=settings.law)
    return feeds.record_of(context, frozenset(context_tree().fields))


def unsigned(context: dict) -> dict:
    """The templates' context of a draft: no "/s/" of the attorney or of the server, no signature image."""
    out = {**context, "attorney": {**context["attorney"], "signature_text": UNSIGNED, "signature_image": None}}
    if isinstance(context.get("service"), dict):
        out["service"] = {**context["service"], "signature_text": UNSIGNED}
    return out


def is_draft(found: State | None) -> bool:
    """Whether a build with this approval state (None: a build that does not ask, the court papers) is a draft."""
    return found is not None and found.draft


def for_render(found: State | None, context: dict, image: Path | None) -> tuple[dict, Path | None]:
    """The context and signature image a template is rendered with: a draft's have no signature."""
    return (unsigned(context), None) if is_draft(found) else (context, image)


def make(case: Case, settings: Settings, manifest: dict, by: str, at: str) -> dict:
    """approval.json's content for `manifest`'s build (current: the caller checked), approved by `by` at `at`."""
    printed = printed_record(case, settings)
    return {"format": FORMAT, "approved_by": by, "approved_at": at, "content_key": manifest["content_key"],
            "filing_sha256": manifest["filing"]["sha256"], "service_date": service_date(case.data),
            "build": {k: manifest.get(k) for k in BUILD_FIELDS},
            "printed": {"used": printed.used, "also": printed.also, "shown": printed.shown}}


def write(case_dir: Path, record: dict) -> Path:
    path = path_of(case_dir)
    try:
        atomic.write_bytes(path, (json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode())
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}: check the case folder's permissions") from exc
    return path
