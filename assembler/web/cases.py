"""The cases folder as the web app sees it: which case folders there are, and where each one stands.

Three functions here are hooks for work landing separately, each the one place to change:
`case_status` (the ledger of `pdpacket status` will say sent / answered),
`new_case` (`api.new_case`, the scaffold of `pdpacket new`, replaces it), and
`send_available` (`api.send` will make the Send button work).
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from assembler import api, resources
from assembler.casefile.read import CASE_FILE_NAMES, find_case_file
from assembler.errors import Finding, InvalidCaseError, PdpacketError, errors_of, warnings_of
from assembler.web.casefile_edit import read_raw, sha256_of, write_atomically

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
    problems: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["problems"] = [finding_json(p) for p in self.problems]
        return data


def finding_json(f: Finding) -> dict:
    return {"path": f.path, "message": f.message, "severity": str(f.severity), "line": f.line, "file": f.file}


def case_folders(root: Path) -> list[Path]:
    """Sub-folders of the cases folder that hold a case file (links leading elsewhere are not followed)."""
    found = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name.lower()):
        if entry.is_symlink() or not entry.is_dir() or entry.name.startswith("."):
            continue
        if any((entry / n).is_file() for n in CASE_FILE_NAMES):
            found.append(entry)
    return found


def case_status(folder: Path, settings_file: Path | None = None) -> CaseRow:
    """Where one case stands, from `validate` and the manifest of its last build in out/.

    Issue 14's ledger will know `sent` and `answered`: this is the one place to ask it."""
    row = CaseRow(folder.name, "invalid")
    raw = read_raw(find_case_file(folder) or folder / "case.yaml")
    found = raw.get("respondent")
    respondent: dict = found if isinstance(found, dict) else {}
    row.respondent = " ".join(str(respondent.get(k) or "") for k in ("given_names", "family_names")).strip()
    row.a_number = str(respondent.get("a_number") or "")
    try:
        case = api.validate_case(folder, settings_file=settings_file)
    except InvalidCaseError as exc:
        row.problems = exc.problems
        row.errors, row.warnings = len(errors_of(exc.problems)), len(warnings_of(exc.problems))
        row.note = f"{row.errors} problem(s) to fix"
        row.detained = str(respondent.get("detained") or "").strip().lower() in ("true", "yes")
        return row
    except PdpacketError as exc:
        row.note = exc.message
        return row
    data = case.data
    row.problems, row.warnings = case.problems, len(case.warnings)
    row.a_number = data["respondent"]["a_number"]
    row.detained = bool(data["respondent"].get("detained"))
    hearing = data["proceedings"].get("next_hearing") or {}
    row.next_hearing, row.hearing_type = hearing.get("date", ""), hearing.get("type", "")
    row.status, row.note = "ready", "valid: ready to build"
    manifest = last_manifest(folder)
    if manifest:
        row.filing = manifest.get("filing", {}).get("file", "")
        row.pages = manifest.get("filing", {}).get("pages")
        if manifest.get("case_file", {}).get("sha256") == case.source_sha256:
            row.status, row.note = "built", "filing up to date"
        else:
            row.note = "changed since the last build: build again"
    return row


def last_manifest(folder: Path) -> dict | None:
    path = folder / "out" / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def list_cases(root: Path, settings_file: Path | None = None, query: str = "") -> list[CaseRow]:
    """Every case, detained first, then by next hearing (soonest first), then by name."""
    rows = [case_status(folder, settings_file) for folder in case_folders(root)]
    if query:
        rows = [r for r in rows if matches(r, query)]
    far = date.max.isoformat()
    return sorted(rows, key=lambda r: (not r.detained, r.next_hearing or far, r.name.lower()))


def matches(row: CaseRow, query: str) -> bool:
    """A name (any part, accents and case ignored) or an A-number in any spelling."""
    q = query.strip().lower()
    digits = re.sub(r"\D", "", q)
    if digits and len(digits) >= 3 and digits in re.sub(r"\D", "", row.a_number):
        return True
    return all(word in f"{row.name} {row.respondent}".lower() for word in q.split())


# --- hooks ---------------------------------------------------------------------------------

def new_case(folder: Path, settings_file: Path | None = None) -> list[Path]:
    """Create a case folder: case.yaml with the schema's required fields left empty, and exhibits/.

    The same signature as `api.new_case` (issue 12's `pdpacket new`), which replaces it."""
    schema = resources.load_schema("case")
    folder.mkdir()
    (folder / "exhibits").mkdir()
    lines = ["# Case file created by `pdpacket serve`; edit it in the web app or in any text editor.",
             "# Every field is described in schemas/case.yaml."]
    lines += _required_lines(schema, "")
    target = folder / "case.yaml"
    write_atomically(target, ("\n".join(lines) + "\n").encode("utf-8"))
    return [target, folder / "exhibits"]


def _required_lines(schema: dict, indent: str) -> list[str]:
    out = []
    for key, rules in schema.items():
        if not rules.get("required") or (key == "attorney" and not indent):
            continue  # the attorney usually comes from the firm's settings; the form offers it
        if rules.get("type") == "dict" and isinstance(rules.get("schema"), dict):
            out.append(f"{indent}{key}:")
            out += _required_lines(rules["schema"], indent + "  ")
        else:
            out.append(f"{indent}{key}:")
    return out


def send_available(folder: Path) -> str | None:
    """Why sending is not offered for this case (None once it is). `api.send` (issue 14) will answer."""
    return "Sending comes with `pdpacket send`: until then, send the filing from your e-mail."


def valid_case_name(name: str) -> bool:
    return bool(CASE_NAME.fullmatch(name)) and name not in (".", "..") and not name.endswith((".", " "))


def base_sha(folder: Path) -> str:
    file = find_case_file(folder)
    return sha256_of(file) if file else ""
