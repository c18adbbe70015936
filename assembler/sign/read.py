"""`pdpacket signed CASE SCAN... [--dry-run]`: the signed pages read back into the case.

Every page of every scan (sign/scans.py) is found by its page code, then checked against the
case's current build (its manifest: refused when the case changed since the build): the
case's A-number, the document, the page, and the page text's hash as printed. A page signed on
an older text is refused, and so is the signature page of a document whose other pages were
printed from an older text; a page of another case is refused; a page without a readable code
is reported, never guessed. An accepted signature page is drawn upright on a Letter page
as the filing's page (the code's corners place it; the code and the "Sign here" marks painted out), checked for ink in its signature area (a warning only:
place.py), and written to CASE/signed/ as a small PDF (gray JPEG at OUT_DPI), with
signed/record.json saying where each came from. A later reading of the same page replaces
the earlier one; the scans are never written to. The next build lays each current signed page over its
generated page (documents/signed.py, pdf/scanned.py).
"""
from __future__ import annotations

import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import img2pdf
from PIL import Image
from pypdf import PdfReader, PdfWriter

from assembler import atomic
from assembler.casefile.case import case_settings, validate_case
from assembler.documents import signed as record_mod
from assembler.errors import OutputError, command
from assembler.options import BuildOptions
from assembler.pdf import codes, draft_mark, raster, scanned
from assembler.sign import place, scans
from assembler.sign.packet import current_signatures, mark_box, sections

OUT_DPI = 150  # the signed page as written: a signature stays legible, the page stays near 150 KB
JPEG_QUALITY = 60
UNSIGNED, SIGNED, NOT_CHECKED = "looks unsigned", "signed", "not checked"


@dataclass
class Accepted:
    """A signature page read on a scan and accepted."""

    document: str
    page: int
    signer: str
    role: str
    copy: int
    text: str  # the page text's hash as the code carries it
    scan: Path
    scan_page: int
    ink: str  # SIGNED, UNSIGNED or NOT_CHECKED
    file: str  # its name in signed/
    image: Image.Image  # the page upright on Letter, at OUT_DPI
    ink_box: tuple[float, ...] | None = None  # where this signer signs, points from the top left (None: not found)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.document, self.page, self.role)

    def entry(self, when: str, case_dir: Path) -> dict:
        return {"file": self.file, "document": self.document, "page": self.page, "signer": self.signer,
                "role": self.role, "text_sha256": self.text, "scan": _shown(self.scan, case_dir),
                "scan_page": self.scan_page, "ink": self.ink, "read_at": when,
                **({"ink_box": list(self.ink_box)} if self.ink_box else {})}


@dataclass(frozen=True)
class State:
    """One ink signature after the reading: whose, which document, and where it stands."""

    signer: str
    document: str  # its label: "Declaration of Sofía García"
    page: int
    state: str  # "signed", "missing", "outdated"
    note: str = ""  # where a signed page came from, or what to do
    warning: str = ""  # "looks unsigned: ..."


@dataclass
class Reading:
    case_dir: Path
    folder: Path  # CASE/signed
    dry_run: bool
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "SCAN page N: why"
    unreadable: list[str] = field(default_factory=list)
    other_pages: int = 0  # pages of the packet read but signed by nobody on them (covers, pages to read)
    states: list[State] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.unreadable


def read_signed(case_path: Path, files: list[Path], out: Path | None = None, dry_run: bool = False,
                options: BuildOptions | None = None) -> Reading:
    """Read the signed scans `files` of the case's current build; write what is accepted unless `dry_run`."""
    options = options or BuildOptions()
    settings = case_settings(Path(case_path), options)
    case = validate_case(Path(case_path), options, settings=settings)
    out = Path(out) if out else case.dir / "out"
    files = [Path(f) for f in files]
    scans.check_inputs(files)
    built, record = current_signatures(case, settings, out, options.templates_dir,
                                       "again first ({build}), then read the signed pages against it",
                                       signed_since=True)  # another signer's scans: no build needed between
    reading = Reading(case.dir, case.dir / record_mod.FOLDER, dry_run)
    if not dry_run:
        _check_writable(reading.folder)
    a_number = re.sub(r"\D", "", case.data["respondent"]["a_number"])
    matcher = _Matcher(a_number, record, built.filing, case.dir)
    try:
        for file in files:
            for scan_page in scans.pages(file):
                matcher.take(scan_page, reading)
    finally:
        matcher.close()
    matcher.settle(reading)
    previous = record_mod.read_record(case.dir)
    merged = _merge(previous, reading)
    reading.states = _states(record, merged, reading, case.dir)
    if not dry_run and reading.accepted:
        _write(reading, merged)
    return reading


def _check_writable(folder: Path) -> None:
    parent = folder if folder.exists() else folder.parent
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{parent}: cannot write there (permission denied): let pdpacket write to the case "
                          f"folder, or try --dry-run to see what it would do")


class _Matcher:
    """Each scan page against the build: accepted, refused or unreadable (into a Reading)."""

    def __init__(self, a_number: str, record: dict, filing: Path, case_dir: Path):
        self.a_number, self.record, self.filing, self.case_dir = a_number, record, filing, case_dir
        self.docs = {d["id"]: d for d in record.get("documents", [])}
        self.copies = {s.copy: s.name for s in sections(record)}
        self.ink = [s for s in record.get("required", []) if s["kind"] == "ink"]
        self.outdated: dict[tuple[str, int], dict[int, str]] = {}  # (document, copy) -> {page: its description}
        self.tmp = tempfile.TemporaryDirectory(prefix="pdpacket-signed-")
        self._words: list | None = None
        self._pages: dict[int, Image.Image] = {}  # filing page -> the generated page (_printed)

    def close(self) -> None:
        self.tmp.cleanup()

    def take(self, scan_page: scans.ScanPage, reading: Reading) -> None:
        found, others = scans.read_codes(scan_page.image)
        where = scan_page.where
        if not found:
            why = "a QR code that is not pdpacket's" if others else "no page code could be read"
            reading.unreadable.append(f"unreadable: {where}: {why}; scan or photograph it again, flat and sharp, "
                                      "with the code in the top margin whole")
            return
        if len(found) > 1:
            reading.unreadable.append(f"unreadable: {where}: {len(found)} page codes on one image; photograph "
                                      "one page at a time")
            return
        read = found[0]
        code = read.code
        if code.case != self.a_number:
            reading.refused.append(f"refused: {where}: a page of another case (A-number {code.case}, this case is "
                                   f"{self.a_number}): left out")
            return
        if code.document == "cover":
            reading.other_pages += 1
            return
        doc = self.docs.get(code.document)
        if doc is None:
            reading.refused.append(f"refused: {where}: {code.document} page {code.page} is no longer in the filing: "
                                   f"print the pages to sign again (`{command('sign', self.case_dir)}`)")
            return
        total = doc["last_page"] - doc["first_page"] + 1
        label = doc.get("label") or doc["title"]
        if code.pages != total or code.text != record_mod.current_hash(self.record, code.document, code.page):
            self.outdated.setdefault((code.document, code.copy), {})[code.page] = f"{label}, page {code.page}"
            reading.refused.append(f"refused: {where}: signed on an outdated text: {label}, page {code.page}, was "
                                   "printed before the text changed; print it again "
                                   f"(`{command('sign', self.case_dir)}`) and have it signed again")
            return
        signer = self.copies.get(code.copy)
        sig = next((s for s in self.ink if s["document"] == code.document and s["page"] == code.page
                    and s["signer"] == signer), None)
        if sig is None:
            reading.other_pages += 1  # a page the signer reads, or another signer's page in this copy
            return
        reading.accepted.append(self._accept(scan_page, read, doc, sig))

    def _accept(self, scan_page: scans.ScanPage, read: scans.Read, doc: dict, sig: dict) -> Accepted:
        code = read.code
        filing_page = doc["first_page"] + code.page - 1
        full = codes.PageCode(code.case, code.document, code.page, code.pages, code.copy,
                              doc["page_text_sha256"][code.page - 1], filing_page)  # as the packet drew it
        printed = self._printed(filing_page)
        where = codes.place(printed.resize((round(printed.width * codes.CHECK_DPI / OUT_DPI),
                                            round(printed.height * codes.CHECK_DPI / OUT_DPI))), full)
        # The filing's page as the build lays it under the scan (build: documents/signed.py, pdf/scanned.py):
        # unshrunk where the packet shrank it, the packet's code (in the blank top margin) painted out.
        image = scans.upright(scan_page.image, scans.frame(read, where).unshrunk(where.scale), OUT_DPI)
        words = self.words()[filing_page - 1]
        scans.paint_out(image, where.box(), OUT_DPI, where.scale)
        marked = place.signature_line(words, sig["signer"])  # where the packet drew "Sign here" (packet.py)
        if marked is not None:
            scans.paint_out(image, mark_box(printed.height * 72 / OUT_DPI - marked.y1), OUT_DPI, where.scale)
        line = place.signature_line(words, sig["signer"], sig["role"])
        ink, box = NOT_CHECKED, None
        if line is not None:
            found = place.Ink(place.band_ink(image, line, OUT_DPI), place.band_ink(printed, line, OUT_DPI))
            ink = UNSIGNED if found.looks_unsigned else SIGNED
            box = place.ink_box(line)
        shared = sum(1 for s in self.ink if s["document"] == code.document and s["page"] == code.page) > 1
        name = f"{code.document.replace(':', '-')}-p{code.page}" + (f"-{sig['role']}" if shared else "") + ".pdf"
        return Accepted(code.document, code.page, sig["signer"], sig["role"], code.copy, code.text, scan_page.file,
                        scan_page.number, ink, name, image, box)

    def _printed(self, filing_page: int) -> Image.Image:
        """The generated page at OUT_DPI as the signing packet printed it (no signed scan over it, no draft's
        DRAFT mark: otherwise the page code's place found here would not be the one the packet chose), rendered
        once per page (a stack holds a page many times; the reading never draws on it)."""
        if filing_page not in self._pages:
            folder = Path(self.tmp.name) / f"page-{filing_page}"
            folder.mkdir()
            writer = PdfWriter()
            page = writer.add_page(PdfReader(self.filing).pages[filing_page - 1])
            scanned.hide_scan(writer, page)
            draft_mark.unmark(page)
            writer.write(folder / "page.pdf")
            raster.render_pages(folder / "page.pdf", OUT_DPI, folder)
            with Image.open(next(folder.glob("p-*.png"))) as im:
                self._pages[filing_page] = im.convert("L")
        return self._pages[filing_page]

    def words(self) -> list:
        if self._words is None:
            self._words = raster.words(self.filing)
        return self._words

    def settle(self, reading: Reading) -> None:
        """A signature page whose document's other pages (read with it) were printed from an older text is refused;
        a page read twice keeps the reading that looks signed (else the later one)."""
        kept: dict[tuple[str, int, str], Accepted] = {}
        for a in reading.accepted:
            # Another page of the same copy printed from an older text: the signer read another text than the
            # filing's (the same page outdated is only an earlier round of it).
            others = {p: d for p, d in self.outdated.get((a.document, a.copy), {}).items() if p != a.page}
            older = ", ".join(others.values())
            if older:
                reading.refused.append(f"refused: {a.scan} page {a.scan_page}: signed on an outdated text: the same "
                                       f"copy's {older} was printed before the text changed; print the document "
                                       f"again (`{command('sign', self.case_dir)}`) and have it signed again")
                continue
            before = kept.get(a.key)
            if before is None or not (before.ink != UNSIGNED and a.ink == UNSIGNED):
                kept[a.key] = a
        reading.accepted = list(kept.values())


def _merge(previous: dict, reading: Reading) -> dict:
    """The record after this reading: each accepted page replaces an earlier one of the same page and role."""
    when = datetime.now(UTC).replace(microsecond=0).isoformat()
    new = {a.key: a.entry(when, reading.case_dir) for a in reading.accepted}
    pages = [e for e in previous["pages"] if not isinstance(e, dict)
             or (e.get("document"), e.get("page"), e.get("role")) not in new]
    pages += new.values()
    pages.sort(key=lambda e: (str(e.get("document")), int(e.get("page") or 0), str(e.get("role"))))
    return {**previous, "format": record_mod.FORMAT, "pages": pages}


def _states(record: dict, merged: dict, reading: Reading, case_dir: Path) -> list[State]:
    docs = {d["id"]: d for d in record.get("documents", [])}
    now = {a.key: a for a in reading.accepted}
    entries = {(e["document"], e["page"], e["role"]): e for e in merged["pages"]
               if isinstance(e, dict) and {"document", "page", "role", "file"} <= e.keys()}
    out = []
    for section in sections(record):
        for sig in section.signatures:
            key = (sig["document"], sig["page"], sig["role"])
            label = docs[sig["document"]].get("label") or docs[sig["document"]]["title"]
            entry = entries.get(key)
            if key in now:
                a = now[key]
                warning = (f"page {a.page} looks unsigned (its signature area holds no more ink than the printed "
                           f"page): check {a.scan} page {a.scan_page}" if a.ink == UNSIGNED else "")
                out.append(State(section.name, label, sig["page"], "signed", f"from {a.scan} page {a.scan_page}",
                                 warning))
            elif entry is not None and record_mod.is_current(entry, record, case_dir):
                out.append(State(section.name, label, sig["page"], "signed",
                                 f"read earlier from {entry.get('scan')} page {entry.get('scan_page')}"))
            elif entry is not None:
                out.append(State(section.name, label, sig["page"], "outdated",
                                 "the signed page in signed/ was signed on an older text: print it again "
                                 f"(`{command('sign', case_dir)}`) and have it signed again"))
            else:
                out.append(State(section.name, label, sig["page"], "missing"))
    return out


def _write(reading: Reading, merged: dict) -> None:
    """Each accepted page, then the record (each file whole or not at all)."""
    reading.folder.mkdir(exist_ok=True)
    for a in reading.accepted:
        target = reading.folder / a.file
        atomic.write_bytes(target, page_pdf(a.image))
        reading.written.append(target)
    atomic.write_text(reading.folder / record_mod.RECORD, json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    reading.written.append(reading.folder / record_mod.RECORD)


def page_pdf(image: Image.Image, dpi: int = OUT_DPI) -> bytes:
    """One Letter page holding `image` (gray, the page's size at `dpi`) as a JPEG."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, dpi=(dpi, dpi))
    # The internal engine: with pikepdf, img2pdf 0.6 writes a random /ID (its pikepdf version test compares strings).
    return img2pdf.convert(buffer.getvalue(), layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)), nodate=True,
                           engine=img2pdf.Engine.internal)


def _shown(path: Path, case_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(case_dir.resolve()))
    except ValueError:
        return str(path.resolve())
