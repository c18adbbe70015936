"""CASE/signed/: the signed pages read back from scans (`pdpacket signed`, assembler/sign/read.py), and
which of them still hold the text of the case's current build.

`signed/record.json` lists one entry per signed page (document, page, signer, role, the page
text's hash as printed, the scan file and page it came from, when it was read). A signed
page counts only while its hash is the build's hash of that page: after the text changes
and the case is built again, it is awaited again (and `pdpacket signed` says it is outdated).

The build lays every current signed page over its generated page (`in_filing`, then
pdf/scanned.py) and says so in the manifest (`mark_in_filing`): a signature is in the
filing in ink only when the filing was built with its signed page. The folder is an input of
the build (`input_files`): reading a new scan makes the built filing stale.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assembler.errors import InputFileError

FOLDER = "signed"
RECORD = "record.json"
FORMAT = 1
HASH_CHARS = 12  # as many hex digits of the page text's SHA-256 as the page code carries (pdf/codes.py)


def record_path(case_dir: Path) -> Path:
    return Path(case_dir) / FOLDER / RECORD


def read_record(case_dir: Path) -> dict:
    """The record of `case_dir`'s signed pages; an empty one when nothing was read back yet."""
    path = record_path(case_dir)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": FORMAT, "pages": []}
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{path} cannot be read ({exc}): move it away and read the signed scans again "
                             "(`pdpacket signed CASE SCAN...`)") from exc
    if not isinstance(record, dict) or not isinstance(record.get("pages"), list):
        raise InputFileError(f"{path} is not a record of signed pages: move it away and read the signed scans "
                             "again (`pdpacket signed CASE SCAN...`)")
    return record


def current_hash(signatures: dict, document: str, page: int) -> str | None:
    """The first HASH_CHARS hex digits of the build's hash of `document`'s `page` (None: no such page)."""
    doc = next((d for d in signatures.get("documents", []) if d["id"] == document), None)
    if doc is None or not 1 <= page <= len(doc["page_text_sha256"]):
        return None
    return doc["page_text_sha256"][page - 1][:HASH_CHARS]


def is_current(entry: dict, signatures: dict, case_dir: Path) -> bool:
    """Whether a record entry's page is in signed/ and was signed on the build's text of that page."""
    return (current_hash(signatures, entry["document"], entry["page"]) == entry.get("text_sha256", "")[:HASH_CHARS]
            and (Path(case_dir) / FOLDER / entry["file"]).is_file())


def signed_now(case_dir: Path, signatures: dict | None) -> set[tuple[str, str, str]]:
    """(document, role, signer) of every signature whose signed page is current, for `status`."""
    if not signatures:
        return set()
    try:
        record = read_record(case_dir)
    except InputFileError:
        return set()  # status reports the case; `pdpacket signed` names the broken record
    return {(e["document"], e["role"], e["signer"]) for e in record["pages"]
            if isinstance(e, dict) and {"document", "page", "role", "signer", "file"} <= e.keys()
            and is_current(e, signatures, case_dir)}


def input_files(case_dir: Path) -> list[Path]:
    """The files of signed/ a build may read (the record and the signed pages), by name: inputs of the build."""
    folder = Path(case_dir) / FOLDER
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.is_file() and (f.name == RECORD or f.suffix.lower() == ".pdf")),
                  key=lambda f: f.name)


@dataclass(frozen=True)
class InFiling:
    """The signed pages that go into a filing: the scans of each filing page, and the record's entries used."""

    # filing page (from 1) -> its signed page(s), one per signer on it, each with where that signer signs
    # (points from the top left; None: not known, the whole page counts)
    scans: dict[int, tuple[tuple[Path, tuple[float, ...] | None], ...]]
    entries: tuple[dict, ...]


def in_filing(case_dir: Path, signatures: dict) -> InFiling:
    """The signed pages of `case_dir` signed on the text of the build whose signatures record is `signatures`
    (a page signed on an outdated text is left out: the generated page stays, `status` and `signed` say why)."""
    record = read_record(case_dir)
    required = {(s["document"], s["page"], s["role"], s["signer"]) for s in signatures.get("required", [])
                if s.get("kind") == "ink"}
    firsts = {d["id"]: d["first_page"] for d in signatures.get("documents", [])}
    scans: dict[int, list[tuple[Path, tuple[float, ...] | None]]] = {}
    used = []
    for e in record["pages"]:
        if not (isinstance(e, dict) and {"document", "page", "role", "signer", "file"} <= e.keys()):
            continue
        if (e["document"], e["page"], e["role"], e["signer"]) in required and is_current(e, signatures, case_dir):
            box = tuple(e["ink_box"]) if isinstance(e.get("ink_box"), list) and len(e["ink_box"]) == 4 else None
            scans.setdefault(firsts[e["document"]] + e["page"] - 1, []).append((Path(case_dir) / FOLDER / e["file"],
                                                                                box))
            used.append(e)
    return InFiling({page: tuple(files) for page, files in sorted(scans.items())}, tuple(used))


def mark_in_filing(signatures: dict, used: InFiling) -> dict:
    """The signatures record with each ink signature's `in_filing`: "signed" (its signed page is in the
    filing, from `signed_file`, read from `scan` page `scan_page`) or "unsigned" (the generated page)."""
    by_key = {(e["document"], e["page"], e["role"], e["signer"]): e for e in used.entries}
    required = []
    for s in signatures.get("required", []):
        e = by_key.get((s["document"], s["page"], s["role"], s["signer"]))
        if s.get("kind") != "ink":
            required.append(s)
        elif e is None:
            required.append({**s, "in_filing": "unsigned"})
        else:
            required.append({**s, "in_filing": "signed", "signed_file": f"{FOLDER}/{e['file']}",
                             "scan": e.get("scan"), "scan_page": e.get("scan_page")})
    return {**signatures, "required": required}
