"""The cases folder as the web app sees it: which case folders there are, and where each one stands.

A case's status combines `validate` (invalid, and the problems next to their fields) with the
ledger of `pdpacket status` (built, sent, answered, what is due).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from assembler import api
from assembler.casefile.read import CASE_FILE_NAMES, find_case_file, outside_folder
from assembler.errors import Finding, InvalidCaseError, PdpacketError, errors_of, warnings_of
from assembler.send.status import CaseStatus
from assembler.web import plain
from assembler.web.casefile_edit import read_raw, sha256_of

STATUSES = ("invalid", "ready", "built", "sent", "answered")
CASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,99}")


@dataclass
class CaseRow:
    name: str
    status: str  # one of STATUSES
    respondent: str = ""
    a_number: str = ""
    detained: bool = False
    next_hearing: str = ""  # ISO date, or ""
    hearing_type: str = ""
    errors: int = 0
    warnings: int = 0
    note: str = ""  # why the status is what it is, in a few words
    filing: str = ""  # the last filing's file name in out/
    pages: int | None = None
    due: str = ""  # what is due, from the ledger (`pdpacket status`)
    signatures: str = ""  # "awaiting signatures: 7 of 9: ...", as `pdpacket status` says it
    due_on: str = ""
    urgency: int = 0  # 0 something due now, 1 waiting for an answer, 2 answered (status.py's groups)
    sent: str = ""  # the day it was sent, by pdpacket or recorded with `pdpacket log`
    method: str = ""
    response: str = ""  # the office's answer, as recorded with `pdpacket log --response`
    response_date: str = ""
    problems: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["problems"] = [finding_json(p) for p in self.problems]
        return data


def finding_json(f: Finding) -> dict:
    # The message in the web app's words; `where` the field in words; `fill` a value still to type.
    return {"path": f.path, "message": plain.plain(f.message), "severity": str(f.severity), "line": f.line,
            "file": f.file, "where": plain.where(f.path), "fill": f.is_error and plain.to_fill(f.message)}


def hyphenated(a_number: str) -> str:
    """A201234567 -> A201-234-567, as the filing and the rest of the web app write it (the case list showed
    the stored form); the search still finds it typed without hyphens (`matches` compares digits)."""
    m = re.fullmatch(r"A(\d{3})(\d{3})(\d{3})", a_number)
    return f"A{m[1]}-{m[2]}-{m[3]}" if m else a_number


def case_folders(root: Path) -> list[Path]:
    """Sub-folders of the cases folder that hold a case file (links leading elsewhere are not followed)."""
    found = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name.lower()):
        if entry.is_symlink() or not entry.is_dir() or entry.name.startswith("."):
            continue
        if any((entry / n).is_file() for n in CASE_FILE_NAMES):
            found.append(entry)
    return found


def case_status(folder: Path, options: api.CommandOptions = api.NO_OPTIONS, ledger_row: CaseStatus | None = None) -> CaseRow:
    """Where one case stands: `validate` says invalid (and why, field by field); the ledger's line of
    `pdpacket status` says built, sent, answered and what is due. `list_cases` passes each case its
    line from one `api.status` of the whole folder; a single case asks for its own."""
    row = CaseRow(folder.name, "invalid")
    file = find_case_file(folder) or folder / "case.yaml"
    raw = {} if outside_folder(file, folder) else read_raw(file)  # validate_case below says why
    found = raw.get("respondent")
    respondent: dict = found if isinstance(found, dict) else {}
    row.respondent = " ".join(str(respondent.get(k) or "") for k in ("given_names", "family_names")).strip()
    row.a_number = str(respondent.get("a_number") or "")
    try:
        case = api.validate_case(folder, options)
    except InvalidCaseError as exc:
        row.problems = exc.problems
        row.errors, row.warnings = len(errors_of(exc.problems)), len(warnings_of(exc.problems))
        row.note = f"{row.errors} problem{'' if row.errors == 1 else 's'} to fix"
        row.due = "fix the case data"
        row.detained = str(respondent.get("detained") or "").strip().lower() in ("true", "yes")
        return row
    except PdpacketError as exc:
        row.note = row.due = exc.message
        return row
    data = case.data
    row.problems, row.warnings = case.problems, len(case.warnings)
    row.a_number = hyphenated(data["respondent"]["a_number"])
    row.detained = bool(data["respondent"].get("detained"))
    hearing = data["proceedings"].get("next_hearing") or {}
    row.next_hearing, row.hearing_type = hearing.get("date", ""), hearing.get("type", "")
    row.status, row.note = "ready", "valid: ready to build"
    manifest = last_manifest(folder)
    if manifest:
        row.filing = manifest.get("filing", {}).get("file", "")
        row.pages = manifest.get("filing", {}).get("pages")
    if ledger_row is None:
        try:
            ledger_row = api.case_status(folder, options)
        except PdpacketError as exc:  # a damaged ledger: the case itself is still fine to work on
            row.note, row.due = f"{row.note} (the ledger cannot be read: {exc.message})", ""
            return row
    _from_ledger(row, ledger_row)
    return row


def _from_ledger(row: CaseRow, st: CaseStatus) -> None:
    row.due, row.due_on, row.urgency = "; ".join(st.due), st.due_on, st.group
    row.signatures = st.signatures
    row.sent, row.method, row.response, row.response_date = st.sent, st.method, st.response, st.response_date
    if st.built and st.changed:
        row.note = f"changed since the build of {st.built}: build again"
    elif st.built:
        row.status, row.note = "built", f"filing up to date (built {st.built})"
    if st.sent:
        row.status, row.note = "sent", f"sent {st.sent}" + (f" by {st.method}" if st.method else "")
    if st.response:
        row.status = "answered"
        row.note = f"answered {st.response_date}: {st.response}" if st.response_date else f"answered: {st.response}"


def last_manifest(folder: Path) -> dict | None:
    path = folder / "out" / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def list_cases(root: Path, options: api.CommandOptions = api.NO_OPTIONS, query: str = "") -> list[CaseRow]:
    """Every case, detained first; then what is due now, then those waiting for an answer, then the
    answered ones; then by next hearing (soonest first) and by name."""
    folders = case_folders(root)
    lines: dict[str, CaseStatus] = {}
    if folders:
        try:  # one look at the ledger for the whole list (looking never starts one)
            lines = {st.case: st for st in api.status(root, options).cases}
        except PdpacketError:
            pass  # a damaged ledger: each valid case says so (case_status asks again and reports it)
    rows = [case_status(folder, options, lines.get(folder.name)) for folder in folders]
    if query:
        rows = [r for r in rows if matches(r, query)]
    far = date.max.isoformat()
    return sorted(rows, key=lambda r: (not r.detained, r.urgency, r.next_hearing or far, r.name.lower()))


def matches(row: CaseRow, query: str) -> bool:
    """A name (any part, accents and case ignored) or an A-number in any spelling."""
    q = query.strip().lower()
    digits = re.sub(r"\D", "", q)
    if digits and len(digits) >= 3 and digits in re.sub(r"\D", "", row.a_number):
        return True
    return all(word in f"{row.name} {row.respondent}".lower() for word in q.split())


# --- creating and sending ------------------------------------------------------------------

def new_case(folder: Path, options: api.CommandOptions = api.NO_OPTIONS) -> list[Path]:
    """The scaffold of `pdpacket new`: a commented case.yaml to fill, exhibits/ and a README."""
    return api.new_case(folder, options)


def send_available(folder: Path, options: api.CommandOptions = api.NO_OPTIONS) -> str | None:
    """Why the Send button is not offered for this case, or None when it is: the case is served by
    e-mail, the settings name an outgoing mail server, and a filing is built. What `pdpacket send`
    checks beyond that (filing up to date, not sent before) it says itself when the button is pressed."""
    try:
        case = api.validate_case(folder, options)
        settings = api.case_settings(folder, options)
    except PdpacketError:
        return "Fix the case first: sending needs a valid case."
    method = case.data["service"]["method"]
    if method != "email":
        how = {"eservice": "electronic service"}.get(method, method)  # the form's "Electronic service (e.g. ECAS)"
        return (f"This case is served by {how}, not e-mail: send it that way, then record it on the page "
                "\"3. Record a sending or an answer\".")
    if not (settings.smtp or {}).get("host"):
        return ("No outgoing mail server in the settings: fill in \"Outgoing mail server\" on the Settings page, "
                "or send the e-mail draft from your own mail program.")
    manifest = last_manifest(folder)
    filing = (manifest or {}).get("filing", {}).get("file", "")
    if not filing or not (folder / "out" / filing).is_file():
        return "Build the filing first."
    return None


def folder_slug(typed: str) -> str:
    """A case folder's name from what was typed: accents dropped, lower case, words joined by -."""
    plain = unicodedata.normalize("NFKD", typed)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100]


def valid_case_name(name: str) -> bool:
    return bool(CASE_NAME.fullmatch(name)) and name not in (".", "..") and not name.endswith((".", " "))


def base_sha(folder: Path) -> str:
    file = find_case_file(folder)
    return sha256_of(file) if file and not outside_folder(file, folder) else ""
