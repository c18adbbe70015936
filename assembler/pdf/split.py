"""Cut a filing into numbered parts under a size limit, at exhibit boundaries.

The immigration court's e-filing takes PDFs of at most 25 MB and asks larger
documents to be split into _Part1, _Part2, ...; e-mail systems have similar
limits. The letter and the index stay together in part 1; every exhibit stays
whole. Each part opens with a contents page listing what it holds, with the
page numbers stamped on the filing (which run on across the parts).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from assembler import __version__
from assembler.documents.plan import bookmark_title, is_head, page_range
from assembler.errors import FilingCheckError
from assembler.pdf import fonts
from assembler.pdf.pdfa import Meta, is_pdfa, make_pdfa, srgb_profile
from assembler.vocab import LETTER, MB

PDFA_ROOM = 8 * 1024  # bytes: the XMP packet and the /ID of a PDF/A part
MARGIN = 0.97  # aim a little under the limit: the contents page and bookmarks add a few KB


@dataclass
class Unit:
    title: str
    first: int  # 1-based pages of the filing
    last: int


def units_from_manifest(manifest: dict) -> list[Unit]:
    sections = manifest["sections"]
    head = [s for s in sections if is_head(s.get("key") or "")]
    title = "Request letter, forms and index of exhibits" if len(head) > 2 else "Request letter and index of exhibits"
    units = [Unit(title, head[0]["first_page"], head[-1]["last_page"])] if head else []
    units += [Unit(bookmark_title(s["title"], s.get("tab")), s["first_page"], s["last_page"])
              for s in sections if s not in head]
    return units


def outline_tops(reader: PdfReader) -> list[tuple[str, int]]:
    """(title, 1-based page) of each top-level bookmark that points at a page."""
    tops = []
    for item in reader.outline:
        if isinstance(item, list):
            continue
        page = reader.get_destination_page_number(item)
        if page is not None:
            tops.append((str(item.title), page + 1))
    return tops


def units_from_outline(reader: PdfReader) -> list[Unit]:
    tops = outline_tops(reader)
    if not tops:
        return [Unit("The filing", 1, len(reader.pages))]
    units = []
    for (title, first), nxt in zip(tops, tops[1:] + [("", len(reader.pages) + 1)], strict=True):
        units.append(Unit(title, first, nxt[1] - 1))
    return units


def split(filing: Path, units: list[Unit], limit_bytes: int, title: str) -> list[Path]:
    reader = PdfReader(filing)
    info = reader.metadata
    pdfa = Meta(title, str(info.author or "") if info else "", str(info.subject or "") if info else ""
                ) if is_pdfa(reader.trailer["/Root"]) else None
    # Room for what each part adds to its sections: the contents page (its embedded font is some
    # 20 KB; one font, not three styles, to keep it so) and, for PDF/A, the colour profile and metadata.
    room = len(srgb_profile()) + PDFA_ROOM if pdfa is not None else 0
    budget = limit_bytes - room - len(_contents_page(units, (len(units), len(units)), title))
    sizes = [len(_write(reader, [u], None, title)) for u in units]
    for unit, size in zip(units, sizes, strict=True):
        if size > budget:
            raise FilingCheckError(f"{unit.title} alone is {size / MB:.1f} MB, over the "
                                   f"{limit_bytes / MB:g} MB limit: reduce that exhibit (scan it at a lower "
                                   "resolution, or split it into two exhibits)")
    groups: list[list[Unit]] = [[]]
    running = 0
    for unit, size in zip(units, sizes, strict=True):
        if groups[-1] and running + size > budget * MARGIN:
            groups.append([])
            running = 0
        groups[-1].append(unit)
        running += size
    outputs = []
    for number, group in enumerate(groups, 1):
        data = _write(reader, group, (number, len(groups)), title)
        if len(data) > limit_bytes - room:  # pragma: no cover - estimates are per unit, so this is rare
            raise FilingCheckError(f"part {number} came out at {len(data) / MB:.1f} MB: report this as a bug")
        target = filing.with_name(f"{filing.stem}_Part{number}.pdf")
        target.write_bytes(data)
        if pdfa is not None:  # a PDF/A filing's parts are PDF/A too; metadata and profile add a few KB
            make_pdfa(target, Meta(f"{title} (part {number} of {len(groups)})", pdfa.author, pdfa.subject))
        outputs.append(target)
    return outputs


def _write(reader: PdfReader, group: list[Unit], part: tuple[int, int] | None, title: str) -> bytes:
    writer = PdfWriter()
    if part is not None:
        for page in PdfReader(io.BytesIO(_contents_page(group, part, title))).pages:
            writer.add_page(page)
    starts = []
    for unit in group:
        starts.append(len(writer.pages))
        for n in range(unit.first - 1, unit.last):
            _drop_internal_links(writer.add_page(reader.pages[n]))
    if part is not None:
        writer.add_outline_item(title=f"Contents of part {part[0]} of {part[1]}", page_number=0)
        for unit, start in zip(group, starts, strict=True):
            writer.add_outline_item(title=unit.title, page_number=start)
        writer.add_metadata({"/Title": f"{title} (part {part[0]} of {part[1]})", "/Producer": f"pdpacket {__version__}",
                             "/Creator": "pdpacket"})
        writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _drop_internal_links(page) -> None:
    """The index's links point at pages that may now be in another part: keep only web links."""
    annots = page.get("/Annots")
    if annots is None:
        return
    keep = ArrayObject(a for a in annots.get_object() if "/Dest" not in a.get_object())
    if keep:
        page[NameObject("/Annots")] = keep
    else:
        page.pop(NameObject("/Annots"), None)


def _contents_page(group: list[Unit], part: tuple[int, int], title: str) -> bytes:
    buffer = io.BytesIO()
    # The initial font too: reportlab selects it at the top of every page, so it is in the page's resources.
    c = canvas.Canvas(buffer, pagesize=LETTER, invariant=1, initialFontName=fonts.font())
    y = LETTER[1] - inch
    c.setFont(fonts.font(), 14)
    c.drawString(inch, y, f"Part {part[0]} of {part[1]}: contents")
    y -= 18
    c.setFont(fonts.font(), 10)
    c.drawString(inch, y, title[:110])
    y -= 28
    for unit in group:
        if y < inch:
            c.showPage()
            y = LETTER[1] - inch
            c.setFont(fonts.font(), 10)
        c.drawString(inch, y, unit.title[:95])
        c.drawRightString(LETTER[0] - inch, y, page_range(unit.first, unit.last))
        y -= 15
    c.setFont(fonts.font(), 9)
    c.drawString(inch, max(y - 10, 0.6 * inch), "Page numbers are those stamped on the filing; they run on "
                                               "across its parts.")
    c.showPage()
    c.save()
    return buffer.getvalue()
