"""The font pdpacket draws its own text in (page stamps, the split parts' contents pages): Liberation Sans,
embedded.

A font named but not embedded (Helvetica, as before) is drawn with whatever the reader's
machine substitutes, and makes the filing not archival (PDF/A requires every font embedded).
Liberation Sans has Helvetica's and Arial's metrics and a free licence; Debian ships it
in fonts-liberation2, which `make install` installs. reportlab reads it (TTFont) and writes
a subset of the glyphs used; the stamps borrow that subset: reportlab encodes the texts,
and its font objects are copied into the filing.
"""
from __future__ import annotations

import functools
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, IndirectObject, NameObject
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from assembler.errors import MissingDependencyError
from assembler.private import canvas_document

INSTALL = ("install the Liberation fonts: `apt-get install fonts-liberation2` on Debian or Ubuntu "
           "(`make install` does it), `dnf install liberation-sans-fonts` on Fedora")
FILES = {"regular": "LiberationSans-Regular.ttf", "bold": "LiberationSans-Bold.ttf",
         "italic": "LiberationSans-Italic.ttf"}
# Where Debian (liberation2, then the older liberation), Fedora and Homebrew put them.
FOLDERS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
           "/usr/share/fonts/liberation-sans", "/usr/share/fonts/liberation", "/usr/local/share/fonts",
           "/opt/homebrew/share/fonts")


def font_file(style: str = "regular") -> Path:
    """The installed Liberation Sans file of `style`; MissingDependencyError says how to install it."""
    return liberation(FILES[style])


@functools.cache
def liberation(file_name: str) -> Path:
    """The installed Liberation font file `file_name` ("LiberationSerif-BoldItalic.ttf")."""
    for folder in FOLDERS:
        candidate = Path(folder) / file_name
        if candidate.is_file():
            return candidate
    fc_match = shutil.which("fc-match")
    if fc_match:  # fontconfig knows fonts installed elsewhere (a user's ~/.fonts)
        family, _, style = file_name.removesuffix(".ttf").partition("-")
        pattern = f"{family.replace('Liberation', 'Liberation ')}:style={style.replace('BoldItalic', 'Bold Italic')}"
        done = subprocess.run([fc_match, "--format=%{file}", pattern], capture_output=True, text=True,
                              timeout=30, check=False)
        found = Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
        if found is not None and found.name == file_name and found.is_file():
            return found
    raise MissingDependencyError(f"the font {file_name} is not installed; pdpacket draws page numbers with "
                                 f"Liberation Sans and embeds it for fonts exhibits name but lack: {INSTALL}")


@functools.cache
def font(style: str = "regular") -> str:
    """The reportlab name of Liberation Sans in `style`, registered on first use."""
    name = f"PdpkLiberationSans-{style}"
    pdfmetrics.registerFont(TTFont(name, str(font_file(style))))
    return name


def width(text: str, size: float, style: str = "regular") -> float:
    return pdfmetrics.stringWidth(text, font(style), size)


@dataclass
class Embedded:
    """Liberation Sans subsets copied into a writer, and how to write a text in them."""

    resources: dict[NameObject, IndirectObject]  # resource name -> font object, one per subset
    pieces: dict[str, list[tuple[NameObject, bytes]]]  # text -> (resource name, encoded bytes) runs

    def show(self, text: str, size: float) -> bytes:
        """Content operators (inside BT/ET) that show `text` at the current text position."""
        return b"".join(name.encode() + b" %g Tf " % size + _pdf_string(data) + b" Tj "
                        for name, data in self.pieces[text])


# The names of the page stamps' fonts in a page's resources begin so: the text check (preflight.has_text)
# finds the stamp by it, and counts a page whose only text is its stamp as a page without text.
STAMP_PREFIX = "PdpkSans"


def embed(writer: PdfWriter, texts: list[str], prefix: str = STAMP_PREFIX) -> Embedded:
    """Subsets of Liberation Sans holding the glyphs of `texts`, added to `writer`."""
    name = font()
    face = pdfmetrics.getFont(name)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, invariant=1, initialFontName=name)  # invariant: the same texts, the same bytes
    c.setFont(name, 9)
    doc = canvas_document(c)
    pieces_of = {}
    for text in dict.fromkeys(texts):
        pieces_of[text] = face.splitString(text, doc)
        c.drawString(0, 0, text)  # so every subset is on the page, in its resources
    # The subsets' names in the page's resources: asked before save(), which forgets the document's subsets.
    internal = {subset: face.getSubsetInternalName(subset, doc)
                for pieces in pieces_of.values() for subset, _data in pieces}
    c.showPage()
    c.save()
    resources_of_page = cast(DictionaryObject, PdfReader(buffer).pages[0]["/Resources"])
    page_fonts = cast(DictionaryObject, resources_of_page["/Font"].get_object())
    resources: dict[NameObject, IndirectObject] = {}
    by_subset: dict[int, NameObject] = {}
    for subset, name_in_page in sorted(internal.items()):
        by_subset[subset] = NameObject(f"/{prefix}{subset}")
        copied = cast(DictionaryObject, page_fonts[name_in_page].get_object()).clone(writer)
        assert copied.indirect_reference is not None  # clone() registers an indirect object in the writer
        resources[by_subset[subset]] = copied.indirect_reference
    return Embedded(resources, {text: [(by_subset[s], data) for s, data in pieces]
                                for text, pieces in pieces_of.items()})


def _pdf_string(data: bytes) -> bytes:
    """A PDF literal string, with every byte outside printable ASCII as an octal escape."""
    out = bytearray(b"(")
    for byte in data:
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out + b")")
