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
import re

from fontTools import agl, subset
from fontTools.encodings.MacRoman import MacRoman
from fontTools.encodings.StandardEncoding import StandardEncoding
from fontTools.ttLib import TTFont

from assembler.pdf.fonts import liberation

FAMILIES = {"helvetica": "LiberationSans", "arial": "LiberationSans", "arialmt": "LiberationSans",
            "times": "LiberationSerif", "timesnewroman": "LiberationSerif", "timesnewromanps": "LiberationSerif",
            "timesnewromanpsmt": "LiberationSerif", "courier": "LiberationMono", "couriernew": "LiberationMono",
            "couriernewpsmt": "LiberationMono"}
WIN_ANSI = [agl.UV2AGL.get(ord(bytes([c]).decode("cp1252", errors="replace")), ".notdef") if c >= 32 else ".notdef"
            for c in range(256)]
BASES = {"/WinAnsiEncoding": WIN_ANSI, "/MacRomanEncoding": MacRoman, "/StandardEncoding": StandardEncoding}
# /Flags (PDF 32000-1:2008, table 123)
FIXED, SERIF, NONSYMBOLIC, ITALIC = 1, 2, 32, 64


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


def glyph_names(font) -> list[str]:
    """The glyph name each code 0-255 shows in the PDF font dictionary `font` (pikepdf)."""
    import pikepdf

    encoding = font.get("/Encoding")
    names = list(StandardEncoding)  # the standard fonts' built-in encoding
    differences = None
    if isinstance(encoding, pikepdf.Dictionary):
        names = list(BASES.get(str(encoding.get("/BaseEncoding", "/StandardEncoding")), StandardEncoding))
        differences = encoding.get("/Differences")
    elif encoding is not None:
        names = list(BASES.get(str(encoding), StandardEncoding))
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
    """The Liberation font cut down to what WinAnsi, MacRoman and Standard encodings reach, and its metrics."""
    unicodes = {ord(ch) for name in {*WIN_ANSI, *MacRoman, *StandardEncoding}
                for ch in agl.toUnicode(name) if name != ".notdef"}
    options = subset.Options()
    options.glyph_names = True  # /Differences name glyphs; keep the post table's names
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's timestamps, which fontTools cannot cut
    font = TTFont(str(liberation(file_name)), recalcTimestamp=False)  # no date: the same bytes every build
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
    return buffer.getvalue(), metrics


def embed_substitutes(pdf) -> int:
    """Replace every font of `pdf` (a pikepdf.Pdf) that names a standard font without embedding it
    by its embedded Liberation equivalent; return how many font dictionaries were replaced."""
    import pikepdf

    programs: dict[str, object] = {}  # one embedded program per Liberation file, shared by its fonts
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
            text = agl.toUnicode(names[code]) if names[code] != ".notdef" else ""
            widths.append(metrics["widths"].get(ord(text[0]), metrics["notdef"]) if len(text) == 1
                          else metrics["notdef"])
        differences = pikepdf.Array()
        for code in codes:
            if names[code] != WIN_ANSI[code] and agl.toUnicode(names[code]):
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
