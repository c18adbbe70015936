"""The last look at a filing before it goes out (`pdpacket check`, and every build).

Errors: the file does not open or fails a structural check; it is encrypted;
it carries JavaScript; a page is not Letter size; pages or bookmarks disagree
with the manifest; it is over the size limit. Warnings: pages without
extractable text (scans a reader cannot search: run OCR), embedded files,
form fields.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pypdf import PageObject, PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject

from assembler.documents.plan import bookmark_title, page_range
from assembler.errors import Finding, HasFindings
from assembler.pdf.fit import TOLERANCE
from assembler.pdf.fonts import STAMP_PREFIX
from assembler.pdf.split import outline_tops
from assembler.vocab import LETTER, MB, Severity


@dataclass
class CheckReport(HasFindings):
    file: Path
    pages: int = 0
    size_bytes: int = 0
    findings: list[Finding] = field(default_factory=list)
    searchable: int = 0  # pages with text of their own (the page stamp is not): "searchable: N of M pages"

    def error(self, message: str, kind: str = "") -> None:
        self.findings.append(Finding(str(self.file), "", message, Severity.error, kind=kind))

    def warn(self, message: str) -> None:
        self.findings.append(Finding(str(self.file), "", message, Severity.warning))

    def all_findings(self) -> list[Finding]:
        return self.findings


def page_list(numbers: list[int], limit: int = 12) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def check_filing(path: Path, manifest: dict | None = None, size_limit_mb: float = 25.0,
                 text_pages: list[int] | dict[int, str] | None = None, deep: bool = True,
                 untexted: set[int] | None = None, ocr_ran: bool = False) -> CheckReport:
    """Check a filing; `text_pages` limits the text check to those pages (1-based), None = all;
    as a mapping page -> exhibit, the warning names each exhibit without searchable text.
    `untexted`: those of the pages known to draw no text (a build read them in the exhibits,
    decoding every content stream once already: decoding the filing's copies again cost a
    batch of 213-page cases a tenth of a second a case). `ocr_ran`: the build read those pages
    with OCR already, so the warning does not tell the user to.

    `deep` adds `qpdf --check` (about 0.2 s a filing). Builds skip it: pypdf has just
    written the file, and reopening it here walks every page."""
    report = CheckReport(Path(path))
    try:
        report.size_bytes = path.stat().st_size
        reader = PdfReader(path)
        if reader.is_encrypted:
            report.error("the file is encrypted: courts and OPLA need it without a password")
            return report
        pages = reader.pages
        report.pages = len(pages)
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        report.error(f"the file does not open as a PDF ({exc})")
        return report
    if deep:
        _structure(path, report)
    _active_content(reader, report)
    _sizes(pages, report)
    _text(pages, report, text_pages, untexted, ocr_ran)
    if manifest is not None:
        _against_manifest(reader, manifest, report)
    limit = size_limit_mb * MB
    if report.size_bytes > limit:
        report.error(f"the file is {report.size_bytes / MB:.1f} MB, over the {size_limit_mb:g} MB limit: "
                     "build it again with --split to cut it into numbered parts at exhibit boundaries", kind="size")
    return report


def _structure(path: Path, report: CheckReport) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return  # pypdf opened it; qpdf's deeper check is a bonus when installed
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True, timeout=300)
    if result.returncode == 2:
        detail = " ".join(result.stdout.strip().splitlines()[-2:])[:200]
        report.error(f"the structural check (qpdf --check) found errors: {detail}")


def _active_content(reader: PdfReader, report: CheckReport) -> None:
    root = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    if "/JavaScript" in names or _is_js(root.get("/OpenAction")) or "/AA" in root:
        report.error("the file carries JavaScript: remove it (pdpacket's own filings never do)")
    for number, page in enumerate(reader.pages, 1):
        if "/AA" in page or any(_is_js(a.get_object().get("/A")) for a in page.get("/Annots") or []):
            report.error(f"page {number} carries JavaScript actions")
            break
    if "/EmbeddedFiles" in names:
        report.warn("the file has embedded (attached) files, which many systems strip: file them as exhibits")
    form = root.get("/AcroForm")
    # A digital signature (pdf/pades.py) is a form field too, but one with nothing to fill in.
    fields = (form.get_object().get("/Fields") or []) if form is not None else []
    if any(f.get_object().get("/FT") != "/Sig" for f in fields):
        report.warn("the file has fillable form fields: flatten them so the values print and cannot change")


def _is_js(action: Any) -> bool:
    if action is None:
        return False
    action = action.get_object()
    return hasattr(action, "get") and action.get("/S") == "/JavaScript"


def _sizes(pages: Sequence[PageObject], report: CheckReport) -> None:
    wrong = []
    for number, page in enumerate(pages, 1):
        box = page.cropbox
        width, height = float(box.width), float(box.height)
        if page.rotation % 180:
            width, height = height, width
        if abs(width - LETTER[0]) > TOLERANCE or abs(height - LETTER[1]) > TOLERANCE:
            wrong.append(number)
    if wrong:
        report.error(f"page(s) {page_list(wrong)} are not upright Letter size (8.5 x 11 in)")


SHOW_TEXT = re.compile(rb"(?<![A-Za-z])(Tj|TJ|'|\")(?![A-Za-z])")
STAMP_MARK = f"/{STAMP_PREFIX}".encode()  # the stamp's font: its stream is the stamp
# The DRAFT line is a watermark artifact in a stream of its own (pdf/draft_mark.py MARKER): not the page's text.
WATERMARK = b"/Artifact <</Type /Pagination /Subtype /Watermark>> BDC"


def has_text(page: PageObject) -> bool:
    """Whether the page draws any text (OCR layers included), apart from pdpacket's page stamp and DRAFT mark.

    Looks for text-showing operators in the decompressed content and forms:
    extracting the text itself costs about 10 ms a dense page, this well under 1."""
    try:
        contents = page.get("/Contents")
        if contents is None:
            return False
        contents = contents.get_object()
        streams = list(contents) if isinstance(contents, list) else [contents]
        for stream in streams:
            data = stream.get_object().get_data()
            if STAMP_MARK not in data and not data.startswith(WATERMARK) and SHOW_TEXT.search(data):
                return True
        return _forms_have_text(page.get("/Resources"), depth=0)
    except Exception:  # noqa: BLE001 - unreadable content counts as no text
        return False


def _forms_have_text(resources: Any, depth: int) -> bool:
    if resources is None or depth > 4:
        return False
    xobjects = resources.get_object().get("/XObject")
    for ref in (xobjects.get_object().values() if xobjects is not None else []):
        form = ref.get_object()
        if form.get("/Subtype") != "/Form":
            continue
        if SHOW_TEXT.search(form.get_data()) or _forms_have_text(form.get("/Resources"), depth + 1):
            return True
    return False


def _text(pages: Sequence[PageObject], report: CheckReport, only: list[int] | dict[int, str] | None,
          known: set[int] | None = None, ocr_ran: bool = False) -> None:
    numbers = only if only is not None else range(1, len(pages) + 1)
    if known is not None:  # read already, from the files the pages come from (a build's exhibits)
        blank = [n for n in numbers if n in known]
    else:
        blank = [n for n in numbers if not has_text(pages[n - 1])]
    report.searchable = len(pages) - len(blank)  # pages left out of `only` are the build's own: text
    hint = ("even after OCR (a photo, a blank page, or too faint to read)" if ocr_ran else
            "(a scan?): OCR was off for this build (--no-ocr, ocr: {enabled: false} in the settings, or "
            "PDPACKET_OCR=off): build it with OCR on if the reader should be able to search it")
    if blank and isinstance(only, dict):
        by_exhibit: dict[str, list[int]] = {}
        for number in blank:
            by_exhibit.setdefault(only[number], []).append(number)
        for exhibit, numbers in by_exhibit.items():
            where = f"filing page {numbers[0]}" if len(numbers) == 1 else \
                f"filing pages {page_range(numbers[0], numbers[-1])}" if numbers[-1] - numbers[0] + 1 == len(numbers) \
                else f"filing pages {page_list(numbers)}"
            report.warn(f"{exhibit}, {where}, has no searchable text {hint}")
        return
    if blank:
        # `check` of a filing: pdpacket's own build reads exhibits with OCR; a filing made elsewhere needs it too
        report.warn(f"page(s) {page_list(blank)} have no searchable text (scans?): build the filing with OCR on "
                    "(pdpacket does it for every exhibit unless it is turned off) if the reader should be able to "
                    "search them")


def _against_manifest(reader: PdfReader, manifest: dict, report: CheckReport) -> None:
    expected = manifest.get("filing", {}).get("pages")
    if expected != report.pages:
        report.error(f"the manifest says {expected} pages, the file has {report.pages}")
    wanted = [(bookmark_title(s["title"], s.get("tab")), s["first_page"]) for s in manifest.get("sections", [])]
    found = outline_tops(reader)
    if found != wanted:
        missing = [w for w in wanted if w not in found]
        report.error("the bookmarks do not match the manifest's sections"
                     + (f" (first difference: {missing[0][0]!r} on page {missing[0][1]})" if missing else ""))


MANIFEST_NAMES = ("manifest.json", "court-manifest.json")  # a filing's, and its court papers' (court.py)


def load_manifest_beside(filing: Path) -> dict | None:
    for name in MANIFEST_NAMES:
        candidate = filing.parent / name
        if not candidate.is_file():
            continue
        try:
            manifest = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        # The court papers' manifest holds one manifest per file (court_files.py).
        for each in [manifest, *(manifest.get("files") or [])]:
            if isinstance(each, dict) and (each.get("filing") or {}).get("file") == filing.name:
                return each
    return None
