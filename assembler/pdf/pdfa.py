"""PDF/A-2b: the filing made archival (`filing: {pdfa: 2b}` in the settings).

What PDF/A-2b asks of a file, and where pdpacket gives it:
- every font embedded: LibreOffice exports its documents as PDF/A-2b (convert/soffice.py),
  the stamps are in embedded Liberation Sans (fonts.py), the standard fonts an exhibit names
  without embedding get their Liberation equivalents embedded (substitute.py); any other
  font not embedded is named in a warning (only a new print or scan of that exhibit fixes it);
- XMP metadata matching the document information (title, author, subject, creator tool,
  producer), with the PDF/A identification and the filing's language;
- an output intent: the sRGB profile, from a Debian package (colord-data or
  icc-profiles-free) or, failing those, the copy pikepdf ships;
- a file identifier (/ID) and no encryption; every annotation (the index's links, web links
  kept from exhibits) printable.

pikepdf (qpdf) writes the metadata and the output intent; it is already installed with
img2pdf. The file identifier is computed from the content (deterministic_id), and no date
is written, so the same inputs still give the same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from assembler.errors import MissingDependencyError

ICC_PROFILES = ("/usr/share/color/icc/colord/sRGB.icc", "/usr/share/color/icc/sRGB.icc",
                "/usr/share/color/icc/sRGB.icm", "/usr/share/color/icc/icc-profiles-free/sRGB.icc")
ICC_DESCRIPTION = "sRGB IEC61966-2.1"
# Annotation flags (PDF 32000-1:2008, table 165): PDF/A wants Print set and Invisible, Hidden, NoView clear.
INVISIBLE, HIDDEN, PRINT, NOVIEW = 1, 2, 4, 32


@dataclass(frozen=True)
class Meta:
    title: str
    author: str
    subject: str
    language: str = "en-US"  # the filing's letter and index are in English (BCP 47)


def is_pdfa(root) -> bool:
    """Whether a document catalog (/Root, pypdf or pikepdf) is that of a file make_pdfa wrote."""
    return "/OutputIntents" in root


def srgb_profile() -> bytes:
    """An sRGB ICC profile installed on this machine."""
    for place in ICC_PROFILES:
        if Path(place).is_file():
            return Path(place).read_bytes()
    shipped = resources.files("pikepdf") / "pdfa" / "data" / "sRGB.icc"
    if shipped.is_file():
        return shipped.read_bytes()
    raise MissingDependencyError("no sRGB colour profile is installed, which a PDF/A filing needs: install "
                                 "colord-data (`apt-get install colord-data`; `make install` does it), or set "
                                 "filing.pdfa to off in the settings")


def unembedded_fonts(pdf) -> list[str]:
    """Names of the fonts some page of `pdf` (a pikepdf.Pdf) uses without embedding them."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(resources, depth: int) -> None:
        if resources is None or depth > 8:
            return
        for _name, font in (resources.get("/Font") or {}).items():
            key = font.objgen
            if key in seen and key != (0, 0):
                continue
            seen.add(key)
            descendants = font.get("/DescendantFonts")
            described = descendants[0] if descendants is not None and len(descendants) else font
            if font.get("/Subtype") == "/Type3":
                walk(font.get("/Resources"), depth + 1)
                continue
            descriptor = described.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                found.add(str(font.get("/BaseFont", "(unnamed)")).lstrip("/"))
        for _name, xobject in (resources.get("/XObject") or {}).items():
            key = xobject.objgen
            if xobject.get("/Subtype") == "/Form" and key not in seen:
                seen.add(key)
                walk(xobject.get("/Resources"), depth + 1)

    for page in pdf.pages:
        walk(page.obj.get("/Resources"), 0)
    return sorted(found)


def make_pdfa(path: Path, meta: Meta) -> list[str]:
    """Rewrite the filing at `path` as PDF/A-2b; return the fonts it still uses without embedding them."""
    import pikepdf  # here, as fontTools: only a PDF/A build pays for loading them (about 0.5 s)

    from assembler.pdf.substitute import embed_substitutes

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots") or []:
                flags = int(annot.get("/F", 0))
                annot.F = (flags | PRINT) & ~(INVISIBLE | HIDDEN | NOVIEW)
        icc = pdf.make_stream(srgb_profile())
        icc.N = 3
        pdf.Root.OutputIntents = pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=ICC_DESCRIPTION, Info=ICC_DESCRIPTION, DestOutputProfile=icc)])
        pdf.Root.Lang = meta.language
        pdf.docinfo["/Title"] = meta.title
        pdf.docinfo["/Author"] = meta.author
        pdf.docinfo["/Subject"] = meta.subject
        # /Trapped has no XMP equivalent pikepdf writes; PDF/A wants both to agree, so it goes.
        if "/Trapped" in pdf.docinfo:
            del pdf.docinfo["/Trapped"]
        # No pikepdf mark and no dates: those would make two builds of the same case differ.
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp.load_from_docinfo(pdf.docinfo)
            xmp["dc:language"] = [meta.language]
            xmp["pdfaid:part"] = "2"
            xmp["pdfaid:conformance"] = "B"
        embed_substitutes(pdf)
        missing = unembedded_fonts(pdf)
        pdf.save(path, deterministic_id=True)
    return missing
