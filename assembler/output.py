"""The output folder: what the filing is called, and putting a finished build in place.

A build writes into a private staging folder inside the output folder and
moves its files into place only once all of them are complete, the filing
last; the output folder never holds a half-written file.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assembler import workspace
from assembler.casefile.normalize import format_a_number
from assembler.documents.context import full_name
from assembler.errors import Finding, InputFileError, OutputError

STAGING_PREFIX = ".pdpacket-staging-"
OLD_PREFIX = ".pdpacket-old-"


@dataclass
class BuildResult:
    filing: Path
    manifest: Path
    docx_dir: Path
    pages: int
    warnings: list[Finding]
    timings: dict | None = None
    parts: list[Path] = field(default_factory=list)  # the filing in numbered parts (--split)
    edited: list[str] = field(default_factory=list)  # documents taken from CASE/edits/ instead of rendered
    drafts: list[Path] = field(default_factory=list)  # e-mail drafts (--email)
    notes: list[str] = field(default_factory=list)  # what the ledger and the drafts had to say
    files: list[Path] = field(default_factory=list)  # the court papers: one file per submission (court_files.py)
    unchanged_since: str | None = None  # not built: nothing changed since the build of that time (unchanged.py)


def filing_name(data: dict) -> str:
    family = unicodedata.normalize("NFKD", data["respondent"]["family_names"])
    family = "".join(c for c in family if not unicodedata.combining(c))
    family = re.sub(r"[^A-Za-z0-9]+", "-", family).strip("-").upper()[:60].strip("-") or "RESPONDENT"
    return f"{family}_{data['respondent']['a_number']}_PD-request.pdf"  # well under 255 bytes


def filing_title(data: dict) -> str:
    return (f"Request for Prosecutorial Discretion: {full_name(data['respondent'])}, "
            f"{format_a_number(data['respondent']['a_number'])}")


def prepare(out: Path) -> Path:
    """Create the output folder if needed, remove what killed builds left in it; return a fresh
    staging folder inside it."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(out)
        return Path(tempfile.mkdtemp(prefix=_own_prefix(STAGING_PREFIX), dir=out))
    except OSError as exc:
        raise OutputError(f"cannot write to the output folder {out}: {exc.strerror}: "
                          "choose another folder with -o, or fix its permissions") from exc


def _own_prefix(prefix: str) -> str:
    """A staging folder's name carries its build's process (PID and start time, workspace.owner_tag):
    another build writing into the same folder at the same time keeps its own."""
    return f"{prefix}{workspace.owner_tag().replace(' ', '.')}-"


def clean_stale_staging(out: Path) -> None:
    """A killed build leaves its staging folder; nothing reads it: remove those whose build is gone."""
    if not out.is_dir():
        return
    for entry in out.iterdir():
        for prefix in (STAGING_PREFIX, OLD_PREFIX):
            if entry.name.startswith(prefix) and entry.is_dir() and not entry.is_symlink():
                tag = entry.name.removeprefix(prefix).rsplit("-", 1)[0].replace(".", " ")
                if workspace.is_gone(tag):
                    shutil.rmtree(entry, ignore_errors=True)


def classify_os_error(exc: OSError, case_dir: Path, out: Path) -> Exception:
    """A file-system failure the user can fix: reading the case's files, or writing (full disk...)."""
    name = exc.filename or ""
    reason = exc.strerror or str(exc)
    writing = not name or Path(name).resolve().is_relative_to(out.resolve())
    if name and not writing and Path(name).resolve().is_relative_to(case_dir.resolve()) and exc.errno not in (
            errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        return InputFileError(f"{name}: cannot be read ({reason}): check the file and its permissions")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{reason} while writing {name or 'the filing'}: free some disk space (or choose "
                           "another output folder with -o) and build again; nothing was left half-written")
    return OutputError(f"cannot write {name or 'the filing'}: {reason}: check the folder's permissions and free "
                       "space, or choose another with -o")


def previous_outputs(out: Path, manifest_name: str = "manifest.json") -> set[str]:
    """The files the last build wrote into `out`, as its manifest lists them (`outputs`, the
    filing, its parts, the e-mail drafts written for it). Plain names only:
    a manifest never makes a build remove anything outside its folder."""
    try:
        manifest = json.loads((out / manifest_name).read_text(encoding="utf-8"))
        names = list(manifest.get("outputs") or [])
        names.append((manifest.get("filing") or {}).get("file"))  # the court papers' lists none: outputs
        names += [p["file"] for p in manifest.get("parts") or []]
        names += [d["file"] for d in manifest.get("drafts") or []]  # e-mail drafts carry the old filing
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()
    return {n for n in names if isinstance(n, str) and n and n == Path(n).name and n not in (".", "..")}


def replace_folder(new: Path, final: Path) -> None:
    """Put the folder `new` in the place of `final`: the old one is moved aside first, then removed."""
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=_own_prefix(OLD_PREFIX), dir=final.parent))
        os.replace(final, old / final.name)
    os.replace(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_outputs(out: Path, names: set[str]) -> None:
    """Remove what an earlier build wrote and this one did not (`previous_outputs`: plain names only)."""
    for name in sorted(names):
        if (out / name).is_file() and not (out / name).is_symlink():
            (out / name).unlink()


def move_into_place(staging: Path, out: Path, result: BuildResult, docx: str = "docx",
                    manifest: str = "manifest.json") -> BuildResult:
    """Replace the previous output only once everything is complete; the filing last.
    (`docx` and `manifest` name the Word copies' folder and the manifest: the court papers have their own.)

    A build owns its output folder: the filing, parts and drafts the previous build
    wrote (after a corrected A-number, under another name) are removed, so the wrong
    filing cannot be sent; anything else in the folder is left alone."""
    before = previous_outputs(out, manifest)
    try:
        final_docx = out / docx
        replace_folder(result.docx_dir, final_docx)
        stem = result.filing.stem
        for old in out.glob(f"{stem}_Part*.pdf"):  # parts of an earlier build of this filing
            old.unlink()
        for part in sorted(staging.glob(f"{stem}_Part*.pdf")):
            os.replace(part, out / part.name)
        os.replace(result.manifest, out / manifest)
        final = out / result.filing.name
        os.replace(result.filing, final)
        remove_outputs(out, before - {final.name, *(p.name for p in out.glob(f"{stem}_Part*.pdf")), manifest})
    except OSError as exc:
        raise OutputError(f"cannot write the filing into {out}: {exc.strerror}: check free space and "
                          "permissions") from exc
    parts = sorted(out.glob(f"{result.filing.stem}_Part*.pdf"), key=lambda p: int(p.stem.rsplit("Part", 1)[1]))
    return BuildResult(final, out / manifest, final_docx, result.pages, result.warnings, parts=parts,
                       edited=result.edited)
