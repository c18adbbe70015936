"""CASE/signed/: the signed pages read back from scans (`pdpacket signed`, assembler/sign/read.py), and
which of them still hold the text of the case's current build.

`signed/record.json` lists one entry per signed page (document, page, signer, role, the page
text's hash as printed, the scan file and page it came from, when it was read). A signed
page counts only while its hash is the build's hash of that page: after the text changes
and the case is built again, it is awaited again (and `pdpacket signed` says it is outdated).
"""
from __future__ import annotations

import json
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
