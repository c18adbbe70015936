"""Hand-edited copies of a case's documents: `CASE/edits/<name>.docx`.

A build uses an edited copy instead of rendering that document (the index is
always rebuilt: its page numbers change with every build). Each rendered copy
records, in its custom document properties, what fed it (documents/feeds.py):
a hash of each variable its template prints, and the short values as printed.
So when the case changes after a copy was edited, the build, `validate` and
`status` say in plain words what changed, and `send` and `email` refuse the
stale copy. Word and LibreOffice keep custom properties when they save.
`pdpacket edit --refresh` replaces a stale copy with a fresh render, keeping the
old one beside it (`<name>.old-<date>.docx`, never used by a build).
"""
from __future__ import annotations

import difflib
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from assembler import atomic, kept
from assembler.documents import feeds, typography
from assembler.documents.feeds import Change, Record
from assembler.errors import Finding, PdpacketError, command
from assembler.vocab import Severity

if TYPE_CHECKING:
    from assembler.casefile.case import Case
    from assembler.casefile.settings import Settings

EDITS_DIR = "edits"
PREFIX = "pdpacket:"  # our custom properties' names; a firm's own properties are left alone
WHOLE = f"{PREFIX}input"
FORMAT = f"{PREFIX}format"  # absent: a copy made before the record named the variables (top-level hashes)
ALSO = "also:"  # the case fields a printed variable is made from: hashes kept to name a change
SHOWN = "shown:"  # a value as the document printed it
RECORD_FORMAT = "2"
OLD_COPY = re.compile(r"\.old-\d{4}-\d{2}-\d{2}(-\d+)?\.docx$")  # kept by --refresh; never used by a build
_CUSTOM = "docProps/custom.xml"
_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Edit:
    """An edited copy used in place of a rendered document."""

    name: str  # as in docx/: 01-request-letter.docx
    path: Path  # CASE/edits/<name>
    section: str = ""  # the key of the filing's section it is part of
    kind: str = ""  # the kind of part it stands for
    changes: list[Change] = field(default_factory=list)  # what the case changed, since the copy was made, of what it prints
    recorded: bool = True  # whether the copy carries pdpacket's record of its input

    @property
    def shown(self) -> str:
        return f"{EDITS_DIR}/{self.name}"

    @property
    def current(self) -> bool:
        """Made from the case as it is now (a copy without a record cannot tell: it counts as current)."""
        return not self.changes

    @property
    def changed(self) -> list[str]:
        return [str(c) for c in self.changes]

    @property
    def state(self) -> str:
        """In a word or three, for a list of the documents: current, out of date, or not known."""
        return "no record to compare" if not self.recorded else "current" if self.current else "out of date"

    def already_edited(self, case_dir: Path | str) -> str:
        """Why `pdpacket edit` does not start this copy again, and how to go on (the copy is never replaced
        unasked: it holds the hand edits)."""
        document = self.name.removesuffix(".docx")
        how = ("it carries no record of the case data it was made from" if not self.recorded
               else "made from the case as it is now" if self.current
               else f"the case changed since it was made: {feeds.describe(self.changes)}")
        return (f"{self.path} is already the hand-edited copy of {document} ({how}): open it in Word to go on "
                f"editing it; for a fresh render beside it run `{command('edit', case_dir, document, '--refresh')}` "
                "(your copy is kept as <name>.old-<date>.docx and the passages that differ are listed), "
                "or pass --force to replace it with a fresh render")

    def stale_message(self, case_dir: Path | str) -> str:
        """What is stale and how to bring the copy up to date, in plain words."""
        document = self.name.removesuffix(".docx")
        return (f"{self.shown} is out of date: the case changed since it was made ({feeds.describe(self.changes)}): "
                f"run `{command('edit', case_dir, document, '--refresh')}` for a fresh copy (your edited one is kept "
                "beside it and the passages that differ are listed), carry your changes over, and build again; "
                "or delete it to use a fresh render")


# --- what fed a document --------------------------------------------------------------

def legacy_fields(context: dict, used: frozenset[str]) -> dict[str, str]:
    """{field: hash} as copies made before RECORD_FORMAT 2 recorded them: each top-level name's
    fields ('respondent.a_number', 'declarations[0]'), whether the template printed them or not."""
    found: dict[str, str] = {}
    for name in sorted(used):
        if name not in context:
            continue
        value = context[name]
        if isinstance(value, dict) and value:
            for key, sub in value.items():
                found[f"{name}.{key}"] = _hash(sub)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, sub in enumerate(value):
                found[f"{name}[{i}]"] = _hash(sub)
        else:
            found[name] = _hash(value)
    return found


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _legacy_changes(recorded: dict[str, str], now: dict[str, str]) -> list[Change]:
    keys = sorted(k for k in set(recorded) | set(now) if recorded.get(k) != now.get(k))
    named = [feeds.label(re.sub(r"\[\d+\]", "[]", k)) for k in keys
             if not feeds.is_internal(re.sub(r"\[\d+\]", "[]", k))]
    return [Change(n, None, None) for n in dict.fromkeys(named)]


# --- the record inside the .docx ----------------------------------------------------------

def record_input(docx: Path, record: Record) -> None:
    """Write what fed the copy as custom properties (deterministic: sorted, fixed times)."""
    props = {WHOLE: _hash(record.used), FORMAT: RECORD_FORMAT,
             **{f"{PREFIX}{k}": v for k, v in sorted(record.used.items())},
             **{f"{PREFIX}{ALSO}{k}": v for k, v in sorted(record.also.items())},
             **{f"{PREFIX}{SHOWN}{k}": v for k, v in sorted(record.shown.items())}}
    # A function of the document's bytes and the properties: kept between builds (kept.py), as the render is.
    data = docx.read_bytes()
    docx.write_bytes(kept.remember("record input", [data, json.dumps(props, sort_keys=True, ensure_ascii=False)],
                                   lambda: _with_properties(data, props)))


def _with_properties(data: bytes, props: dict[str, str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    names = [i.filename for i, _ in members]
    out = []
    for info, blob in members:
        if info.filename == _CUSTOM:
            blob = _custom_xml(blob, props)
        elif info.filename == "[Content_Types].xml" and _CUSTOM not in names:
            blob = blob.replace(b"</Types>", f'<Override PartName="/{_CUSTOM}" ContentType="{_CONTENT_TYPE}"/>'
                                              "</Types>".encode())
        elif info.filename == "_rels/.rels" and _CUSTOM not in names:
            blob = blob.replace(b"</Relationships>", f'<Relationship Id="rIdPdpacketInput" Type="{_REL_TYPE}" '
                                                     f'Target="{_CUSTOM}"/></Relationships>'.encode())
        out.append((info, blob))
    if _CUSTOM not in names:
        out.append((zipfile.ZipInfo(_CUSTOM, _FIXED_TIME), _custom_xml(None, props)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as dst:
        for info, blob in out:
            entry = zipfile.ZipInfo(info.filename, _FIXED_TIME)
            entry.compress_type = info.compress_type if info.filename != _CUSTOM or _CUSTOM in names \
                else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, blob)
    return buffer.getvalue()


def _custom_xml(existing: bytes | None, props: dict[str, str]) -> bytes:
    root = etree.fromstring(existing) if existing else etree.Element(f"{{{_NS}}}Properties", nsmap={None: _NS,
                                                                                                     "vt": _VT})
    for old in [p for p in root if str(p.get("name", "")).startswith(PREFIX)]:
        root.remove(old)
    pid = max([int(p.get("pid", 1)) for p in root] + [1])
    for name, value in props.items():
        pid += 1
        prop = etree.SubElement(root, f"{{{_NS}}}property", fmtid=_FMTID, pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{_VT}}}lpwstr").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def read_input(docx: Path) -> Record | None:
    """What a copy records of its input, or None when it has no record (made by hand, or by a tool
    that dropped it). A copy made before RECORD_FORMAT 2 gives its hashes with `legacy` set."""
    try:
        with zipfile.ZipFile(docx) as z:
            root = etree.fromstring(z.read(_CUSTOM))
    except (KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    found = {str(p.get("name")): "".join(p.itertext()) for p in root if str(p.get("name", "")).startswith(PREFIX)}
    if WHOLE not in found:
        return None
    record = Record(legacy=FORMAT not in found)
    for key, value in found.items():
        name = key.removeprefix(PREFIX)
        if key in (WHOLE, FORMAT):
            continue
        if name.startswith(ALSO):
            record.also[name.removeprefix(ALSO)] = value
        elif name.startswith(SHOWN):
            record.shown[name.removeprefix(SHOWN)] = value
        else:
            record.used[name] = value
    return record


# --- the edits folder -----------------------------------------------------------------------

def edited_copies(case_dir: Path) -> dict[str, Path]:
    """name -> file, for every .docx in CASE/edits/ (Word's lock files ~$... and the old copies
    `edit --refresh` keeps left out)."""
    folder = case_dir / EDITS_DIR
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.glob("*.docx"))
            if not p.name.startswith("~$") and not OLD_COPY.search(p.name)}


def examine(path: Path, name: str, context: dict, template: Path, section: str = "", kind: str = "") -> Edit:
    """An edited copy, with what changed in the case, of what it prints, since it was made."""
    recorded = read_input(path)
    if recorded is None:
        return Edit(name, path, section, kind, recorded=False)
    if recorded.legacy:
        from assembler.documents.check import template_names

        now = legacy_fields(context, template_names(template))
        return Edit(name, path, section, kind, _legacy_changes(recorded.used, now))
    return Edit(name, path, section, kind, feeds.changes(recorded, fed(context, template)))


def examine_case(case: Case, settings: Settings, templates_dir: Path | None = None) -> list[Edit]:
    """The case's edited copies a build would use, each with what changed since it was made: what
    a build finds, without rendering or claiming an output folder (validate, build --strict).
    `case`: a validated casefile.case.Case; `settings`: its casefile.settings.Settings."""
    from assembler.casefile.forms import resolve_forms
    from assembler.documents import choose
    from assembler.documents.context import build_context
    from assembler.documents.plan import plan
    from assembler.documents.roles import RENDERED
    from assembler.vocab import FILING_ROLES

    copies = edited_copies(case.dir)
    if not copies or case.office is None:
        return []
    choices = choose.choose(settings, case.data, templates_dir, FILING_ROLES)
    sections, tabs = plan(case.data, case.dir, resolve_forms(case.data, case.dir, settings.forms,
                                                                   settings.path))
    context = build_context(case.data, case.office, tabs, settings.decide_days, law=settings.law)
    found = []
    for s in sections:
        for part in s.parts:
            how = RENDERED.get(part.kind)
            path = copies.get(f"{how.name(s, part)}.docx") if how is not None and how.keep else None
            if how is not None and path is not None and how.role in choices:
                found.append(examine(path, path.name, {**context, **how.extra(s, part, context)},
                                     choices[how.role].path, s.key, part.kind))
    return found


def findings(case: Case, settings: Settings, templates_dir: Path | None = None) -> list[Finding]:
    """The warnings about a case's edited copies, as validate gives them: made before the case changed,
    or without a record. Problems of the templates or forms are the build's to report."""
    try:
        found = examine_case(case, settings, templates_dir)
    except PdpacketError:
        return []
    return [Finding(case.shown, "", n, Severity.warning) for n in notices(found, case.dir)]


def fed(context: dict, template: Path) -> Record:
    """The record of what a render of `template` with `context` prints."""
    return feeds.record_of(context, feeds.template_paths(template))


def notices(edits: list[Edit], case_dir: Path | str) -> list[str]:
    """The warnings the build gives about its edited copies."""
    found = []
    for e in edits:
        if not e.recorded:
            found.append(f"{e.shown} carries no record of the case data it was made from: it is used as it is; "
                         "check it against the case (`pdpacket edit` starts a copy that carries one)")
        elif not e.current:
            found.append(e.stale_message(case_dir))
    return found


def unused(left: dict[str, Path], index_name: str) -> list[str]:
    """Warnings for the copies in edits/ that no document of this filing takes."""
    found = []
    for name in left:
        if name == index_name:
            found.append(f"{EDITS_DIR}/{name} is not used: the index is made again by every build, with the page "
                         "numbers it really has; change the index template instead")
        else:
            found.append(f"{EDITS_DIR}/{name} is not used: no document of this filing has that name (they are named "
                         "as in out/docx/; `pdpacket edit CASE` lists them)")
    return found


def note_in_manifest(manifest: dict, used: list[Edit]) -> None:
    """Mark the parts that came from edits/ and whether they were current; list the copies with
    what changed since each was made, in plain words."""
    if not used:
        return
    from assembler.files import sha256

    by_part = {(e.section, e.kind): e for e in used}
    for section in manifest.get("sections", []):
        for part in section.get("parts", []):
            e = by_part.get((section["key"], part["kind"]))
            if e is not None:
                part["edited"] = e.shown
                part["edited_current"] = e.current
    manifest["edits"] = [{"file": e.shown, "sha256": sha256(e.path), "recorded": e.recorded, "current": e.current,
                          "changed_since": e.changed} for e in used]


def stale_in_manifest(manifest: dict) -> list[dict]:
    """The edited copies a built filing used that were out of date (a manifest written before
    `current` was recorded: those with changes listed)."""
    return [e for e in manifest.get("edits") or [] if not e.get("current", not e.get("changed_since"))]


# --- edit --refresh ---------------------------------------------------------------------------

def keep_old_copy(path: Path, day: date) -> Path:
    """Move an edited copy aside as `<name>.old-<day>.docx` (then -2, -3...: never over another)."""
    stem = path.name.removesuffix(".docx")
    target, n = path.with_name(f"{stem}.old-{day.isoformat()}.docx"), 1
    while target.exists():
        n += 1
        target = path.with_name(f"{stem}.old-{day.isoformat()}-{n}.docx")
    path.rename(target)
    return target


def replace_copy(case_dir: Path, name: str, new: Path, day: date) -> Path | None:
    """A hand-edited copy brought back (the web app's upload) becomes edits/<name>; the copy it replaces
    is kept as <name>.old-<day>.docx. Returns where it was kept (None when there was none)."""
    target = case_dir / EDITS_DIR / name
    target.parent.mkdir(exist_ok=True)
    kept = keep_old_copy(target, day) if target.exists() else None
    atomic.copy(new, target)
    return kept


@dataclass(frozen=True)
class Passage:
    """Paragraphs that differ between the edited copy and a fresh render ([] for none on a side)."""

    yours: list[str]
    fresh: list[str]


def document_paragraphs(docx: Path) -> list[str]:
    """The text of a document's paragraphs, tables' included, in reading order; empty ones left out."""
    from docx import Document

    body = Document(str(docx)).element.body
    found = []
    for p in body.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
        text = "".join(t.text or "" for t in p.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))
        text = " ".join(typography.plain(text).split())
        if text:
            found.append(text)
    return found


def passages(yours: Path, fresh: Path) -> list[Passage]:
    """The passages where the edited copy and the fresh render differ, paragraph by paragraph."""
    a, b = document_paragraphs(yours), document_paragraphs(fresh)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return [Passage(a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
