"""`pdpacket init` and the web app's settings page: a firm settings file (pdpacket.yaml) written from
answers, every key with a comment saying what it is for.

The file is made with ruamel.yaml so that an existing file keeps its comments and every key init does
not ask about (forms, law, templates...): init sets only what it was given. Before anything is written
the new text is read back by the settings loader; a file the loader would refuse is never written.
No password is ever written here (send/smtp.py keeps it in the system keyring, or the environment).
"""
from __future__ import annotations

import copy
import difflib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assembler import atomic, resources
from assembler.casefile import offices as office_profiles
from assembler.casefile.lookup import SETTINGS_FILE_NAME
from assembler.casefile.settings import load_settings
from assembler.errors import Finding, InvalidSettingsError, OutputError, UsageError

if TYPE_CHECKING:  # ruamel.yaml is loaded by the functions that write settings: a build never does (issue 25)
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

SECURITY_PORTS = {"starttls": 587, "tls": 465, "none": 25}

HEADER = """\
pdpacket firm settings, written by `pdpacket init` (run it again with --force to change the
answers: the keys it does not ask about are kept). Every key is described on the documentation's
settings page. A case file's own attorney fields win over these. No password goes in this file.
"""

# The comment above each key init writes: what it is, and where it is used.
COMMENTS = {
    "attorney": "the attorney who signs the requests (a case file's own attorney fields win)",
    "attorney.name": "full name, as printed above the signature",
    "attorney.bar_number": "bar admission number",
    "attorney.bar_state": "state of that bar admission, e.g. NY",
    "attorney.eoir_id": "EOIR ID, two letters and six digits",
    "attorney.firm": "the firm's name, printed in the letterhead",
    "attorney.address": "the firm's street address, one line an item",
    "attorney.phone": "telephone number",
    "attorney.email": "the attorney's e-mail address (replies to requests come here)",
    "offices": "what your firm has checked about the offices it files with (`pdpacket offices`)",
    "office.email": "the office's e-mail address for requests, as the office publishes it (ice.gov)",
    "office.verified_on": "the day your firm checked this e-mail and the office's address, YYYY-MM-DD",
    "smtp": "the outgoing mail server for `pdpacket send`; its password: `pdpacket smtp-password` (never here)",
    "smtp.host": "the server's name, e.g. smtp.firm.example",
    "smtp.port": "587 for starttls, 465 for tls",
    "smtp.security": "starttls, tls or none",
    "smtp.user": "the login name on that server",
    "approval": "who may approve a filing before it is sent (`pdpacket approve --as NAME`)",
    "approval.attorneys": "the attorneys who may approve; add the firm's other attorneys",
}
ATTORNEY_KEYS = ("name", "bar_number", "bar_state", "eoir_id", "firm", "address", "phone", "email")
SMTP_KEYS = ("host", "port", "security", "user")


class UnknownOffice(UsageError):
    """No office, or several, for what the user typed; `near` and `several` let a page word it its own way."""

    def __init__(self, message: str, near: list[str], several: list[str]):
        super().__init__(message)
        self.near, self.several = near, several


@dataclass
class Answers:
    """What init asks. Empty values are not written (a key already in the file keeps its value)."""

    firm: str = ""
    address: list[str] = field(default_factory=list)
    attorney_name: str = ""
    bar_number: str = ""
    bar_state: str = ""
    eoir_id: str = ""
    phone: str = ""
    attorney_email: str = ""
    office: str = ""  # an office key (find_office turns a city or a name into one)
    office_email: str = ""
    verified_on: str = ""  # YYYY-MM-DD
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_security: str = ""
    smtp_user: str = ""

    def attorney(self) -> dict:
        given = {"name": self.attorney_name, "bar_number": self.bar_number, "bar_state": self.bar_state,
                 "eoir_id": self.eoir_id, "firm": self.firm, "address": [a for a in self.address if a.strip()],
                 "phone": self.phone, "email": self.attorney_email}
        return {k: v for k, v in given.items() if v}

    def smtp(self) -> dict:
        port = self.smtp_port or (SECURITY_PORTS.get(self.smtp_security) if self.smtp_host else None)
        given = {"host": self.smtp_host, "port": port, "security": self.smtp_security, "user": self.smtp_user}
        return {k: v for k, v in given.items() if v}


def office_directory() -> dict:
    """The shipped offices, key -> profile (init chooses the firm's office among them)."""
    return office_profiles.merge(copy.deepcopy(resources.data("offices")), {})


def find_office(query: str, offices: dict) -> str:
    """The key of the office `query` names: its key, its city or a part of its name. Raises UsageError
    with the nearest names when none matches, or with the candidates when several do."""
    wanted = " ".join(query.split()).casefold()
    if not wanted:
        raise UnknownOffice("name an office by its city or its name, e.g. Houston (`pdpacket offices` lists them)",
                            [], [])
    key = wanted.replace(" ", "_")
    if key in offices:
        return key
    found = [k for k, o in offices.items() if (o.get("name") or "").casefold() == wanted]  # as the web's list offers it
    found = found or [k for k, o in offices.items() if (o.get("city") or "").casefold() == wanted]
    found = found or [k for k, o in offices.items() if wanted in (o.get("name") or "").casefold()]
    if len(found) == 1:
        return found[0]
    if found:
        listed = "; ".join(f"{k} ({offices[k]['name']})" for k in sorted(found))
        raise UnknownOffice(f"'{query}' names {len(found)} offices: {listed}: type the one you mean as listed "
                            f"before its name (e.g. {sorted(found)[0]})",
                            [], sorted(found))
    words = {k: k for k in offices} | {(o.get("city") or "").casefold(): k for k, o in offices.items() if o.get("city")}
    near = difflib.get_close_matches(wanted, list(words), n=3, cutoff=0.6)
    names = sorted({offices[words[n]]["city"] or words[n] for n in near})
    hint = f" Did you mean {' or '.join(names)}?" if names else ""
    raise UnknownOffice(f"no office found for '{query}'.{hint} `pdpacket offices` lists every office with its city",
                        names, [])


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML()
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # one line a value: a long firm name is not folded
    return y


def read_answers(folder: Path) -> Answers:
    """What the folder's settings file already says, as answers (empty when there is no file): the
    web page starts from them."""
    path = Path(folder) / SETTINGS_FILE_NAME
    if not path.is_file():
        return Answers()
    data = _yaml().load(path.read_text(encoding="utf-8")) or {}
    a = data.get("attorney") or {}
    smtp = data.get("smtp") or {}
    out = Answers(firm=_s(a.get("firm")), address=[str(x) for x in a.get("address") or []],
                  attorney_name=_s(a.get("name")), bar_number=_s(a.get("bar_number")),
                  bar_state=_s(a.get("bar_state")), eoir_id=_s(a.get("eoir_id")), phone=_s(a.get("phone")),
                  attorney_email=_s(a.get("email")), smtp_host=_s(smtp.get("host")),
                  smtp_port=int(smtp["port"]) if str(smtp.get("port") or "").isdigit() else None,
                  smtp_security=_s(smtp.get("security")), smtp_user=_s(smtp.get("user")))
    checked = [(k, o) for k, o in (data.get("offices") or {}).items() if isinstance(o, dict) and "email" in o]
    if checked:  # the office init wrote (the first with an e-mail key)
        key, office = checked[0]
        out.office, out.office_email, out.verified_on = str(key), _s(office.get("email")), _s(office.get("verified_on"))
    return out


def firm_office(settings_path: Path | None) -> str:
    """The office the firm files with most, as init and the Settings page wrote it (a key of the office
    directory), or "" when the settings name none: a new case starts with it."""
    if settings_path is None or Path(settings_path).name != SETTINGS_FILE_NAME:
        return ""
    office = read_answers(Path(settings_path).parent).office
    return office if office in office_directory() else ""


def _s(value: object) -> str:
    return "" if value is None else str(value)


def settings_text(answers: Answers, existing: str | None = None) -> str:
    """The settings file with `answers` set: a new, commented file, or `existing` with only the answered
    keys changed (its comments and other keys kept)."""
    from ruamel.yaml.comments import CommentedMap

    y = _yaml()
    doc = y.load(existing) if existing else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
        doc.yaml_set_start_comment(HEADER)
    _set_section(doc, "attorney", answers.attorney(), "attorney")
    if answers.office:
        offices = _section(doc, "offices")
        office = offices.get(answers.office)
        if not isinstance(office, CommentedMap):
            office = CommentedMap()
            offices[answers.office] = office
            offices.yaml_add_eol_comment("the office used most", answers.office)
        _put(office, "email", answers.office_email or office.get("email"), "office")
        if answers.verified_on or "verified_on" in office:
            _put(office, "verified_on", answers.verified_on or office.get("verified_on"), "office")
    _set_section(doc, "smtp", answers.smtp(), "smtp")
    if answers.attorney_name:  # the attorney who signs the requests approves them (sign/approve.py reads the list)
        approval = _section(doc, "approval")
        approvers = list(approval.get("attorneys") or [])
        if answers.attorney_name not in approvers:
            _put(approval, "attorneys", [*approvers, answers.attorney_name], "approval")
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def _section(doc: CommentedMap, name: str) -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(doc.get(name), CommentedMap):
        doc[name] = CommentedMap()
        # An end-of-line comment: a comment line above a key would belong to the previous section's
        # last value in ruamel's tree, and a key added there later would land below it.
        doc.yaml_add_eol_comment(COMMENTS[name], name)
    return doc[name]


def _set_section(doc: CommentedMap, name: str, values: dict, prefix: str) -> None:
    if values:
        section = _section(doc, name)
        for key, value in values.items():
            _put(section, key, value, prefix)


def _put(section: CommentedMap, key: str, value: object, prefix: str) -> None:
    from ruamel.yaml.comments import CommentedSeq

    new = key not in section
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_block_style()
        value = seq
    section[key] = value
    if new:
        section.yaml_add_eol_comment(COMMENTS[f"{prefix}.{key}"], key)


def write_settings(folder: Path, answers: Answers, force: bool = False) -> Path:
    """Write FOLDER/pdpacket.yaml from `answers`, once the settings loader accepts it. An existing file
    is refused without `force`; with it, only the answered keys change."""
    folder = Path(folder)
    target = folder / SETTINGS_FILE_NAME
    if target.exists() and not force:
        raise OutputError(f"{target} already exists: pass --force to change the keys init asks about "
                          "(the others are kept), or edit the file")
    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder: create it first, or name the folder that holds your cases")
    existing = target.read_text(encoding="utf-8") if target.exists() else None
    return _write_checked(target, settings_text(answers, existing))


def _write_checked(target: Path, text: str) -> Path:
    """Replace `target` with `text` once the settings loader accepts it; nothing written otherwise."""
    folder = target.parent
    probe = folder / f".{SETTINGS_FILE_NAME}.{os.getpid()}.check"
    try:
        probe.write_text(text, encoding="utf-8")
        load_settings(probe)
    except InvalidSettingsError as exc:
        raise InvalidSettingsError([Finding(str(target), p.path, p.message, p.severity) for p in exc.problems],
                                   f"{target} was not written: " + "; ".join(f"{p.path}: {p.message}"
                                                                             for p in exc.problems)) from None
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror}") from exc
    finally:
        probe.unlink(missing_ok=True)
    try:
        atomic.write_text(target, text)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from exc
    return target


@dataclass
class LawCheck:
    """An attorney's check of one law entry against its source (the web app's Law page): the day, who,
    and optionally the corrected text and source. Written over the shipped entry under law: entries:."""

    key: str
    checked_on: str
    checked_by: str
    text: str = ""
    source: str = ""


def record_law_check(target: Path, check: LawCheck) -> Path:
    """Write `check` into the settings file `target` (created when missing) under law: entries: KEY,
    keeping every other key and comment of the file; refused, with nothing written, when the loader
    refuses the result."""
    from ruamel.yaml.comments import CommentedMap

    target = Path(target)
    y = _yaml()
    doc = y.load(target.read_text(encoding="utf-8")) if target.is_file() else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
        doc.yaml_set_start_comment(HEADER)
    law = doc.get("law")
    if not isinstance(law, CommentedMap):
        law = doc["law"] = CommentedMap()
    entries = law.get("entries")
    if not isinstance(entries, CommentedMap):
        entries = law["entries"] = CommentedMap()
    entry = entries.get(check.key)
    if not isinstance(entry, CommentedMap):
        entry = entries[check.key] = CommentedMap()
    for name in ("text", "source"):
        if getattr(check, name):
            entry[name] = getattr(check, name)
    # The attorney read the entry at its source: checked that day, by that person, and so verified.
    entry["checked_on"], entry["checked_by"], entry["verified"] = check.checked_on, check.checked_by, True
    out = io.StringIO()
    y.dump(doc, out)
    return _write_checked(target, out.getvalue())
