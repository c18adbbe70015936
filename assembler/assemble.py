"""Merge the parts into one filing: pages, stamps, bookmarks, metadata.

The inputs' own bookmarks, form fields and internal links are not carried
over: they would point into documents that no longer exist. A fresh PdfWriter
writes no /ID and no dates, so identical inputs give identical bytes.
"""
from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject

from assembler import __version__
from assembler.plan import PART_BOOKMARKS, Section
from assembler.stamp import stamp


def _reader(path: Path) -> PdfReader:
    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")  # owner-password-only files; user passwords were refused earlier
    return reader


def _drop_dangling(page) -> None:
    """Remove form widgets and internal links; keep comments and web links."""
    page.pop(NameObject("/AA"), None)
    annots = page.get("/Annots")
    if annots is None:
        return
    keep = ArrayObject()
    for ref in annots.get_object():
        annot = ref.get_object()
        subtype = annot.get("/Subtype")
        action = annot.get("/A")
        internal = subtype == "/Link" and ("/Dest" in annot or
                                           (action is not None and action.get_object().get("/S") != "/URI"))
        if subtype == "/Widget" or internal or subtype == "/Popup":
            continue
        annot.get_object().pop(NameObject("/Parent"), None)
        annot.get_object().pop(NameObject("/Popup"), None)
        keep.append(ref)
    if keep:
        page[NameObject("/Annots")] = keep
    else:
        page.pop(NameObject("/Annots"), None)


class _Readers:
    """One reader per PDF, shared by the parts cut from it (a combined conversion),
    but never the same page twice: pages added twice from one reader would share
    their objects, and stamping one would stamp both."""

    def __init__(self):
        self.open: dict[Path, list[tuple[PdfReader, set[int]]]] = {}

    def pages(self, pdf: Path, offset: int, count: int):
        wanted = set(range(offset, offset + count))
        for reader, used in self.open.setdefault(pdf, []):
            if not used & wanted:
                used |= wanted
                return [reader.pages[i] for i in sorted(wanted)]
        reader = _reader(pdf)
        self.open[pdf].append((reader, set(wanted)))
        return [reader.pages[i] for i in sorted(wanted)]


def assemble(sections: list[Section], out: Path, numbering: dict, metadata: dict) -> list[str]:
    writer = PdfWriter()
    readers = _Readers()
    for section in sections:
        for part in section.parts:
            for page in readers.pages(part.pdf, part.offset, part.pages):
                added = writer.add_page(page)
                _drop_dangling(added)
    labels = stamp(writer, numbering)
    _bookmarks(writer, sections)
    writer.add_metadata({"/Title": metadata["title"], "/Author": metadata["author"],
                         "/Subject": metadata.get("subject", ""), "/Creator": "pdpacket",
                         "/Producer": f"pdpacket {__version__}"})
    writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    with open(out, "wb") as fh:
        writer.write(fh)
    return labels


def _bookmarks(writer: PdfWriter, sections: list[Section]) -> None:
    for section in sections:
        parent = writer.add_outline_item(title=section.bookmark, page_number=section.first - 1)
        content = [p for p in section.parts if p.kind in PART_BOOKMARKS]
        if len(content) > 1:
            for part in content:
                writer.add_outline_item(title=PART_BOOKMARKS[part.kind], page_number=part.first - 1,
                                        parent=parent)
