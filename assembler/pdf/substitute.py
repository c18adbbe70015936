"""Embed the fonts an exhibit names without embedding (Helvetica, Times, Courier, Arial...), for PDF/A.

Many PDFs, among them everything reportlab and many scanners' software write with the
standard fonts, draw text in a font they only name: each reader substitutes its own. PDF/A
requires every font embedded, so for a PDF/A filing each such font is replaced by its
metric-compatible Liberation font (Sans for Helvetica and Arial, Serif for Times, Mono for
Courier: the same widths, so the text does not move), embedded as a simple TrueType font
with the same codes: the code -> glyph name mapping of the original encoding is kept as
WinAnsi plus /Differences, which PDF/A allows when every name is in the Adobe Glyph List
and the font has a (3,1) cmap. The font program is Liberation cut down (fontTools) to the
characters the encoding can reach, about 220: some 25 KB a style instead of 210 KB.
Symbol and ZapfDingbats have no free equivalent and stay as they are (pdfa.py names them).
"""
from __future__ import annotations

import functools
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

# fontTools' Adobe Glyph List (about 0.1 s to import: it parses the list), subsetter and font reader
# (about 90 ms) are imported only when what they give is not kept yet (kept.py): _glyph_text, _subset.
from fontTools.encodings.MacRoman import MacRoman
from fontTools.encodings.StandardEncoding import StandardEncoding

from assembler import kept
from assembler.pdf.fonts import liberation

if TYPE_CHECKING:
    import pikepdf

FAMILIES = {"helvetica": "LiberationSans", "arial": "LiberationSans", "arialmt": "LiberationSans",
            "times": "LiberationSerif", "timesnewroman": "LiberationSerif", "timesnewromanps": "LiberationSerif",
            "timesnewromanpsmt": "LiberationSerif", "courier": "LiberationMono", "couriernew": "LiberationMono",
            "couriernewpsmt": "LiberationMono"}
# /Flags (PDF 32000-1:2008, table 123)
FIXED, SERIF, NONSYMBOLIC, ITALIC = 1, 2, 32, 64


@functools.cache
def _glyph_table() -> tuple[list[str], dict[str, str]]:
    """WinAnsi's glyph names by code, and the text of every glyph name the three base encodings use, as the
    Adobe Glyph List (fontTools.agl) says; kept between commands by fontTools' identity."""
    def compute() -> dict:
        from fontTools import agl

        win_ansi = [agl.UV2AGL.get(ord(bytes([c]).decode("cp1252", errors="replace")), ".notdef") if c >= 32
                    else ".notdef" for c in range(256)]
        return {"win_ansi": win_ansi,
                "text": {name: agl.toUnicode(name) for name in {*win_ansi, *MacRoman, *StandardEncoding}}}
    table = kept.remember_json("adobe glyph list", [kept.library("fontTools")], compute)
    return table["win_ansi"], table["text"]


def win_ansi() -> list[str]:
    """The glyph name of each code 0-255 in WinAnsiEncoding (".notdef" where none)."""
    return _glyph_table()[0]


def _glyph_text(name: str) -> str:
    """The text a glyph name stands for (fontTools.agl.toUnicode), from the table for the usual names."""
    found = _glyph_table()[1].get(name)
    if found is None:  # a /Differences name outside the base encodings ("uni20AC", "a12"...)
        from fontTools import agl

        found = agl.toUnicode(name)
    return found


def _bases() -> dict[str, list[str]]:
    return {"/WinAnsiEncoding": win_ansi(), "/MacRomanEncoding": MacRoman, "/StandardEncoding": StandardEncoding}


def liberation_name(base_font: str) -> str | None:
    """'Helvetica-BoldOblique' -> 'LiberationSans-BoldItalic'; None for a font without an equivalent."""
    name = re.sub(r"^[A-Z]{6}\+", "", base_font.lstrip("/"))  # without a subset tag
    match = re.match(r"([A-Za-z ]+?)(?:[-,](.*))?$", name)
    if match is None:
        return None
    family, style = match[1], match[2] or ""
    target = FAMILIES.get(family.lower().replace(" ", ""))
    if target is None:
        return None
    style = style.lower()
    bold = "bold" in style or "black" in style or "heavy" in style
    italic = "italic" in style or "oblique" in style
    suffix = ("Bold" if bold else "") + ("Italic" if italic else "") or "Regular"
    return f"{target}-{suffix}"


def glyph_names(font: pikepdf.Object) -> list[str]:
    """The glyph name each code 0-255 shows in the PDF font dictionary `font` (pikepdf)."""
    import pikepdf

    encoding = font.get("/Encoding")
    names = list(StandardEncoding)  # the standard fonts' built-in encoding
    differences = None
    if isinstance(encoding, pikepdf.Dictionary):
        names = list(_bases().get(str(encoding.get("/BaseEncoding", "/StandardEncoding")), StandardEncoding))
        differences = encoding.get("/Differences")
    elif encoding is not None:
        names = list(_bases().get(str(encoding), StandardEncoding))
    code = 0
    for item in differences or []:
        if isinstance(item, int):
            code = item
        else:
            if 0 <= code < 256:
                names[code] = str(item).lstrip("/")
            code += 1
    return names


@functools.cache
def _program(file_name: str) -> tuple[bytes, dict]:
    """The Liberation font cut down to what WinAnsi, MacRoman and Standard encodings reach, and its metrics.

    Cutting it takes fontTools about 0.25 s a style: the result is kept between builds (kept.py), by the
    font file's bytes and fontTools' identity."""
    path = liberation(file_name)
    data = kept.remember("liberation subset", [path.read_bytes(), kept.library("fontTools")], lambda: _subset(path))
    header, _, program = data.partition(b"\n")
    metrics = json.loads(header)
    metrics["widths"] = {int(cp): width for cp, width in metrics["widths"].items()}  # JSON keys are text
    return program, metrics


def _subset(path: Path) -> bytes:
    """The cut-down font program after one JSON line of its metrics."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    unicodes = {ord(ch) for name in {*win_ansi(), *MacRoman, *StandardEncoding}
                for ch in _glyph_text(name) if name != ".notdef"}
    options = subset.Options()
    options.glyph_names = True  # /Differences name glyphs; keep the post table's names
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's timestamps, which fontTools cannot cut
    font = TTFont(str(path), recalcTimestamp=False)  # no date: the same bytes every build
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    font = TTFont(io.BytesIO(buffer.getvalue()))
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    metrics = {
        "widths": {cp: round(font["hmtx"][glyph][0] * scale) for cp, glyph in cmap.items()},
        "notdef": round(font["hmtx"][".notdef"][0] * scale),
        "bbox": [round(v * scale) for v in (font["head"].xMin, font["head"].yMin, font["head"].xMax, font["head"].yMax)],
        "ascent": round(font["hhea"].ascent * scale), "descent": round(font["hhea"].descent * scale),
        "cap": round(getattr(font["OS/2"], "sCapHeight", 700) * scale),
        "italic_angle": float(font["post"].italicAngle),
    }
    return json.dumps(metrics, sort_keys=True).encode() + b"\n" + buffer.getvalue()


def embed_substitutes(pdf: pikepdf.Pdf) -> int:
    """Replace every font of `pdf` (a pikepdf.Pdf) that names a standard font without embedding it
    by its embedded Liberation equivalent; return how many font dictionaries were replaced."""
    import pikepdf

    programs: dict[str, object] = {}  # one embedded program per Liberation file, shared by its fonts
    winansi = win_ansi()
    replaced = 0
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        if obj.get("/Subtype") not in ("/Type1", "/TrueType", "/MMType1"):
            continue
        descriptor = obj.get("/FontDescriptor")
        if descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            continue
        target = liberation_name(str(obj.get("/BaseFont", "")))
        if target is None:
            continue
        data, metrics = _program(f"{target}.ttf")
        names = glyph_names(obj)
        if target not in programs:
            programs[target] = pdf.make_stream(data, Length1=len(data))
        codes = [c for c in range(256) if names[c] != ".notdef"]
        first, last = (min(codes), max(codes)) if codes else (32, 32)
        widths = []
        for code in range(first, last + 1):
            text = _glyph_text(names[code]) if names[code] != ".notdef" else ""
            widths.append(metrics["widths"].get(ord(text[0]), metrics["notdef"]) if len(text) == 1
                          else metrics["notdef"])
        differences = pikepdf.Array()
        for code in codes:
            if names[code] != winansi[code] and _glyph_text(names[code]):
                differences.append(code)
                differences.append(pikepdf.Name("/" + names[code]))
        flags = NONSYMBOLIC | (FIXED if "Mono" in target else 0) | (SERIF if "Serif" in target else 0) | (
            ITALIC if "Italic" in target else 0)
        for key in list(obj.keys()):
            if key not in ("/Type", "/Subtype", "/BaseFont"):
                del obj[key]
        obj.Subtype = pikepdf.Name.TrueType
        obj.BaseFont = pikepdf.Name("/" + target)
        obj.FirstChar, obj.LastChar = first, last
        obj.Widths = pikepdf.Array(widths)
        obj.Encoding = (pikepdf.Dictionary(Type=pikepdf.Name.Encoding, BaseEncoding=pikepdf.Name.WinAnsiEncoding,
                                           Differences=differences) if len(differences)
                        else pikepdf.Name.WinAnsiEncoding)
        obj.FontDescriptor = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/" + target), Flags=flags,
            FontBBox=pikepdf.Array(metrics["bbox"]), ItalicAngle=metrics["italic_angle"],
            Ascent=metrics["ascent"], Descent=metrics["descent"], CapHeight=metrics["cap"], StemV=80,
            FontFile2=programs[target]))
        replaced += 1
    return replaced
