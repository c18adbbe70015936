"""Merge the parts into one filing: pages, stamps, bookmarks, metadata.

The inputs' own bookmarks, form fields and internal links are not carried
over: they would point into documents that no longer exist. A fresh PdfWriter
writes no /ID and no dates, so identical inputs give identical bytes.
"""
from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter

from assembler import __version__
from assembler.documents.plan import PART_BOOKMARKS, Part, Section
from assembler.pdf.draft_mark import mark_draft
from assembler.pdf.fit import PageReport, fit_to_letter, flatten_annotations, letter_area
from assembler.pdf.freespace import InkCheck
from assembler.pdf.links import add_index_links
from assembler.pdf.pdfa import Meta, make_pdfa
from assembler.pdf.scanned import Scan, lay_scan
from assembler.pdf.stamp import stamp


def _reader(path: Path, files: contextlib.ExitStack) -> PdfReader:
    # An open file, not a path: given a path, pypdf reads the whole file into memory,
    # and the writer keeps every reader alive until it is written ("PreventGC").
    reader = PdfReader(files.enter_context(open(path, "rb")))
    if reader.is_encrypted:
        reader.decrypt("")  # owner-password-only files; user passwords were refused earlier
    return reader


class _Readers:
    """One reader per PDF, shared by the parts cut from it (a combined conversion),
    but never the same page twice: pages added twice from one reader would share
    their objects, and stamping one would stamp both. A reader is let go once its
    last part is in: pypdf holds a whole file in memory, and the writer keeps only
    what it copied."""

    def __init__(self, sections: list[Section], files: contextlib.ExitStack):
        self.files = files
        self.open: dict[Path, list[tuple[PdfReader, set[int]]]] = {}
        self.uses: dict[Path, int] = {}
        for section in sections:
            for part in section.parts:
                assert part.pdf is not None, f"{part.label} was never converted"
                self.uses[part.pdf] = self.uses.get(part.pdf, 0) + 1

    def done(self, pdf: Path) -> None:
        self.uses[pdf] -= 1
        if self.uses[pdf] == 0:
            self.open.pop(pdf, None)

    def pages(self, pdf: Path, offset: int, count: int) -> list[PageObject]:
        wanted = set(range(offset, offset + count))
        for reader, used in self.open.setdefault(pdf, []):
            if not used & wanted:
                used |= wanted
                return [reader.pages[i] for i in sorted(wanted)]
        reader = _reader(pdf, self.files)
        self.open[pdf].append((reader, set(wanted)))
        return [reader.pages[i] for i in sorted(wanted)]


PER_SECTION = "per_section"  # numbering style of the court papers: each document counts its own pages


Scans = Mapping[int, Sequence[Scan]]  # filing page (from 1) -> the signed scan(s) laid over it (scanned.py)


def assemble(sections: list[Section], out: Path, numbering: dict, metadata: dict,
             legend: str | None = None, scans: Scans | None = None, draft: bool = False) -> tuple[list[str], list[str]]:
    """Write the filing; return the page labels and notices about what was changed in the exhibits.
    `legend`: a line stamped on every page with its number (the confidentiality legend).
    `scans`: the signed pages that go over their generated pages (before the stamps).
    `draft`: the DRAFT mark on every page too (not approved, pdf/approval.py)."""
    with contextlib.ExitStack() as files:
        return _assemble(sections, out, numbering, metadata, files, legend, scans or {}, draft)


def section_labels(sections: list[Section]) -> list[str]:
    """'Page 1 of 3' counted within each section: a court's proposed order is numbered as a document
    of its own, not as the last page of the motion."""
    counts = [sum(p.pages for p in s.parts) for s in sections]
    return [f"Page {i} of {n}" for n in counts for i in range(1, n + 1)]


def _assemble(sections: list[Section], out: Path, numbering: dict, metadata: dict, files: contextlib.ExitStack,
              legend: str | None, scans: Scans, draft: bool = False) -> tuple[list[str], list[str]]:
    writer = PdfWriter()
    readers = _Readers(sections, files)
    ink = InkCheck()  # the case's own pages: the stamp must not cover what they print in their margin
    reports = []
    for section in sections:
        for part in section.parts:
            report = PageReport()
            assert part.pdf is not None, f"{part.label} was never converted"  # Converted guarantees it
            for offset, page in enumerate(readers.pages(part.pdf, part.offset, part.pages)):
                added = writer.add_page(page)
                page_report = flatten_annotations(writer, added)
                report.flattened += page_report.flattened
                report.dropped += page_report.dropped
                report.attachments += page_report.attachments
                if part.source is not None:
                    ink.watch(len(writer.pages) - 1, part.pdf, part.offset + offset, letter_area(added))
                report.fitted += fit_to_letter(writer, added)
                if len(writer.pages) in scans:
                    lay_scan(writer, added, scans[len(writer.pages)], legend)
            readers.done(part.pdf)
            reports.append((part, report, len(writer.pages) - part.pages))
    _index_links(writer, sections)
    if draft:  # upright Letter pages by now; the page stamp's band at the bottom is freed after
        shrunk = set(ink.shrunk)
        mark_draft(writer, ink.crowded)
        ink.shrunk = shrunk  # the notices count the pages shrunk for the page number only
    labels = stamp(writer, numbering, section_labels(sections) if numbering.get("style") == PER_SECTION else None,
                   legend, ink.crowded)
    notices = [ink.unavailable] if ink.unavailable else []
    for part, report, first in reports:
        report.shrunk = len(ink.shrunk & set(range(first, first + part.pages)))
        notices += _notices(part, report)
    _bookmarks(writer, sections)
    writer.add_metadata({"/Title": metadata["title"], "/Author": metadata["author"],
                         "/Subject": metadata.get("subject", ""), "/Creator": "pdpacket",
                         "/Producer": f"pdpacket {__version__}"})
    writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    with open(out, "wb") as fh:
        writer.write(fh)
    if metadata.get("pdfa", "off") != "off":
        missing = make_pdfa(out, Meta(metadata["title"], metadata["author"], metadata.get("subject", "")))
        if missing:
            notices.append(f"the filing is not fully PDF/A: an exhibit uses fonts it does not embed "
                           f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); print that exhibit "
                           "to PDF again with its fonts embedded, or scan it")
    return labels, notices


def _index_links(writer: PdfWriter, sections: list[Section]) -> None:
    index = next((s for s in sections if s.key == "index"), None)
    if index is None:
        return
    entries = [(s.pages_text, s.first) for s in sections if s.listed]
    add_index_links(writer, range(index.first, index.last + 1), entries)


def _notices(part: Part, report: PageReport) -> list[str]:
    if part.source is None:
        return []
    said = []
    if report.fitted and part.source.suffix.lower() == ".pdf":
        said.append(f"{report.fitted} page(s) that were not upright Letter size were scaled onto Letter pages")
    if report.shrunk:
        said.append(f"{report.shrunk} page(s) print in the page number's place: they were shrunk a little "
                    "to free a band for it")
    if report.flattened:
        said.append(f"{report.flattened} form field(s) or annotation(s) were flattened into the page")
    if report.dropped:
        said.append(f"{report.dropped} form field(s) or annotation(s) without a visible appearance were dropped "
                    "(print the filled form to PDF to keep their values)")
    if report.attachments:
        said.append(f"{report.attachments} file attachment(s) were not included: file them as exhibits "
                    "of their own")
    return [f"{part.label}: {s}" for s in said]


def _bookmarks(writer: PdfWriter, sections: list[Section]) -> None:
    for section in sections:
        parent = writer.add_outline_item(title=section.bookmark, page_number=section.first - 1)
        content = [p for p in section.parts if p.kind in PART_BOOKMARKS]
        if len(content) > 1:
            for part in content:
                writer.add_outline_item(title=PART_BOOKMARKS[part.kind], page_number=part.first - 1,
                                        parent=parent)
