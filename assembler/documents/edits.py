"""Hand-edited copies of a case's documents: `CASE/edits/<name>.docx`.

A build uses an edited copy instead of rendering that document (the index is
always rebuilt: its page numbers change with every build). Each rendered copy
records, in its custom document properties, a hash of the case data that fed
it, field by field; so when the case changes after a copy was edited, the
build can say which fields changed and that the copy may be stale. Word and
LibreOffice keep custom properties when they save.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

EDITS_DIR = "edits"
PREFIX = "pdpacket:"  # our custom properties' names; a firm's own properties are left alone
WHOLE = f"{PREFIX}input"
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
    changed: list[str] = field(default_factory=list)  # case fields changed since the copy was made
    recorded: bool = True  # whether the copy carries pdpacket's record of its input

    @property
    def shown(self) -> str:
        return f"{EDITS_DIR}/{self.name}"


# --- what fed a document --------------------------------------------------------------

def fields_of(context: dict, used: frozenset[str]) -> dict[str, str]:
    """{field: hash} of what a template used: sections and their fields ('respondent.a_number',
    'declarations[0]'), fine enough to name what changed, coarse enough to stay short."""
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


def _hash(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def changed_fields(recorded: dict[str, str], now: dict[str, str]) -> list[str]:
    return sorted(k for k in set(recorded) | set(now) if recorded.get(k) != now.get(k))


# --- the record inside the .docx ----------------------------------------------------------

def record_input(docx: Path, fields: dict[str, str]) -> None:
    """Write the input's field hashes as custom properties (deterministic: sorted, fixed times)."""
    props = {WHOLE: _hash(fields), **{f"{PREFIX}{k}": v for k, v in fields.items()}}
    with zipfile.ZipFile(docx) as z:
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
    docx.write_bytes(buffer.getvalue())


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


def read_input(docx: Path) -> dict[str, str] | None:
    """The field hashes a copy records, or None when it has none (made by hand, or by a tool that
    dropped them)."""
    try:
        with zipfile.ZipFile(docx) as z:
            root = etree.fromstring(z.read(_CUSTOM))
    except (KeyError, OSError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    found = {str(p.get("name")): "".join(p.itertext()) for p in root if str(p.get("name", "")).startswith(PREFIX)}
    if WHOLE not in found:
        return None
    return {k.removeprefix(PREFIX): v for k, v in found.items() if k != WHOLE}


# --- the edits folder -----------------------------------------------------------------------

def edited_copies(case_dir: Path) -> dict[str, Path]:
    """name -> file, for every .docx in CASE/edits/ (Word's lock files ~$... left out)."""
    folder = case_dir / EDITS_DIR
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.glob("*.docx")) if not p.name.startswith("~$")}


def use_edit(path: Path, name: str, fields: dict[str, str], section: str, kind: str) -> Edit:
    """An edited copy, with what changed in the case since it was made."""
    recorded = read_input(path)
    if recorded is None:
        return Edit(name, path, section, kind, recorded=False)
    return Edit(name, path, section, kind, changed_fields(recorded, fields))


def notices(edits: list[Edit]) -> list[str]:
    """The warnings the build gives about its edited copies."""
    found = []
    for e in edits:
        if not e.recorded:
            found.append(f"{e.shown} carries no record of the case data it was made from: it is used as it is; "
                         "check it against the case (`pdpacket edit` starts a copy that carries one)")
        elif e.changed:
            shown = ", ".join(e.changed[:8]) + (f" and {len(e.changed) - 8} more" if len(e.changed) > 8 else "")
            found.append(f"{e.shown} may be stale: the case data it was made from changed since ({shown}): "
                         "bring the edited copy up to date, or delete it to use a fresh render")
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
    """Mark the parts that came from edits/, and list the copies with what changed since."""
    if not used:
        return
    from assembler.pdf.manifest import sha256

    by_part = {(e.section, e.kind): e for e in used}
    for section in manifest.get("sections", []):
        for part in section.get("parts", []):
            e = by_part.get((section["key"], part["kind"]))
            if e is not None:
                part["edited"] = e.shown
    manifest["edits"] = [{"file": e.shown, "sha256": sha256(e.path), "recorded": e.recorded,
                          "changed_since": e.changed} for e in used]
