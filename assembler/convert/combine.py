"""Convert many renders of one template as one document, and split the PDF back.

LibreOffice spends a few hundredths of a second per document on top of its
start-up (32 declarations: 2.6 s as 32 documents, 0.9 s as one), and a filing
has a tab page per exhibit: so renders of the same template, from one case or
from a whole batch, are converted together. Each render becomes its own
section, and a bookmark at its start becomes a named destination in the PDF
(LibreOffice's ExportBookmarksToPDFDestination), which says on which page each
render begins.

This is done only when it cannot change what the pages look like: every render
differs from the first only in its body (same styles, headers, footers,
images), headers and footers do not count pages, and the body uses no
numbered lists, fields or notes that would run on across sections. When the
PDF's destinations do not line up, the caller converts the renders one by one.
"""
from __future__ import annotations

import copy
import io
import itertools
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree
from pypdf import PdfReader

from assembler.documents.render import FIXED_ZIP_TIME

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
# Parts renders may differ in: the body, and document properties no page shows (the title;
# the record of the case data that fed a document, documents/edits.py).
BODY_PARTS = {"word/document.xml", "docProps/core.xml", "docProps/custom.xml"}
MARK = "pdpkpart"  # letters and digits only: other characters are escaped in PDF names
_PAGE_FIELD = re.compile(rb"\b(PAGE|NUMPAGES|SECTIONPAGES|SEQ)\b")
_RUNS_ON = (b"<w:footnoteReference", b"<w:endnoteReference", b"<w:commentReference")


def combinable(docs: list[Path]) -> bool:
    if len(docs) < 2:
        return False
    first = _entries(docs[0])
    for name, data in first.items():
        if name.startswith(("word/header", "word/footer")) and _PAGE_FIELD.search(data):
            return False
    if _numbered_lists(first):
        return False
    for doc in docs:
        entries = first if doc == docs[0] else _entries(doc)
        body = entries.get("word/document.xml", b"")
        if set(entries) != set(first) or any(entries[n] != first[n] for n in first if n not in BODY_PARTS):
            return False
        if _PAGE_FIELD.search(body) or any(marker in body for marker in _RUNS_ON) or b"<w:p" not in body:
            return False
    return True


def combine(docs: list[Path], out: Path) -> Path:
    """One document: the first render's package, every render's body a section of its own."""
    entries = _entries(docs[0])
    root = etree.fromstring(entries["word/document.xml"])
    body = root.find("w:body", NS)
    final_sect = body.find("w:sectPr", NS)
    for child in list(body):
        body.remove(child)
    for i, doc in enumerate(docs):
        part_body = etree.fromstring(_entries(doc)["word/document.xml"]).find("w:body", NS)
        content = [c for c in part_body if c.tag != f"{{{W}}}sectPr"]
        _mark(content, i)
        if i < len(docs) - 1:
            content = _end_section(content, final_sect)
        body.extend(content)
    if final_sect is not None:
        body.append(final_sect)
    entries["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            # A fixed time, not the time of writing: the same renders make the same bytes, which is
            # what the cache of converted PDFs looks the combined document up by (cache.py).
            z.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), data)
    out.write_bytes(buffer.getvalue())
    return out


def split(pdf: Path, count: int) -> list[tuple[int, int]] | None:
    """(first page index, page count) of each render, or None if the marks do not line up."""
    reader = PdfReader(pdf)
    starts: dict[int, int] = {}
    for name, dest in reader.named_destinations.items():
        m = re.fullmatch(rf"/?{MARK}(\d+)", str(name))
        page = reader.get_destination_page_number(dest) if m else None
        if m and page is not None:
            starts[int(m.group(1))] = page
    if sorted(starts) != list(range(count)):
        return None
    firsts = [starts[i] for i in range(count)]
    if firsts[0] != 0 or any(b <= a for a, b in itertools.pairwise(firsts)):
        return None
    ends = firsts[1:] + [len(reader.pages)]
    return [(first, end - first) for first, end in zip(firsts, ends, strict=True)]


def _mark(content: list, i: int) -> None:
    for element in content:
        p = element if element.tag == f"{{{W}}}p" else next(element.iter(f"{{{W}}}p"), None)
        if p is None:
            continue
        start = etree.Element(f"{{{W}}}bookmarkStart")
        start.set(f"{{{W}}}id", str(900000 + i))
        start.set(f"{{{W}}}name", f"{MARK}{i}")
        end = etree.Element(f"{{{W}}}bookmarkEnd")
        end.set(f"{{{W}}}id", str(900000 + i))
        at = 1 if p.find("w:pPr", NS) is not None else 0
        p.insert(at, start)
        p.insert(at + 1, end)
        return


def _end_section(content: list, sect: Any) -> list:
    """A section ends with a paragraph whose properties hold a copy of the section's sectPr."""
    if sect is None:
        return content
    last = content[-1] if content else None
    if last is None or last.tag != f"{{{W}}}p":
        last = etree.Element(f"{{{W}}}p")
        content = [*content, last]
    ppr = last.find("w:pPr", NS)
    if ppr is None:
        ppr = etree.Element(f"{{{W}}}pPr")
        last.insert(0, ppr)
    if ppr.find("w:sectPr", NS) is None:
        ppr.append(copy.deepcopy(sect))
    return content


def _numbered_lists(entries: dict[str, bytes]) -> bool:
    """True if the body uses a numbered (not bulleted) list, which would count on across sections."""
    if "word/numbering.xml" not in entries:
        return False
    body = etree.fromstring(entries["word/document.xml"])
    num_ids = {n.get(f"{{{W}}}val") for n in body.iterfind(".//w:numPr/w:numId", NS)}
    used_styles = {s.get(f"{{{W}}}val") for s in body.iterfind(".//w:pStyle", NS)}
    if "word/styles.xml" in entries:
        styles = etree.fromstring(entries["word/styles.xml"])
        for style in styles.iterfind("w:style", NS):
            if style.get(f"{{{W}}}styleId") in used_styles:
                num_ids |= {n.get(f"{{{W}}}val") for n in style.iterfind(".//w:numPr/w:numId", NS)}
    num_ids.discard("0")
    if not num_ids:
        return False
    numbering = etree.fromstring(entries["word/numbering.xml"])
    abstract_of = {n.get(f"{{{W}}}numId"): n.find("w:abstractNumId", NS).get(f"{{{W}}}val")
                   for n in numbering.iterfind("w:num", NS) if n.find("w:abstractNumId", NS) is not None}
    formats = set()
    for abstract in numbering.iterfind("w:abstractNum", NS):
        if abstract.get(f"{{{W}}}abstractNumId") in {abstract_of.get(i) for i in num_ids}:
            formats |= {f.get(f"{{{W}}}val") for f in abstract.iterfind(".//w:numFmt", NS)}
    return bool(formats - {"bullet", "none"}) or any(i not in abstract_of for i in num_ids)


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}
