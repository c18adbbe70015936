"""Where a person signs on a page, and whether a scan of it shows ink there.

The signature line is found in the built page's words (pdftotext): a word of underscores with
the signer's first name right under it, the line the packet marks "Sign here". The signature
area is the band just above that line. A scan "looks unsigned" when that band holds about as
little ink as the same band of the printed page; the underline itself is looked for on the
scan first (a few points up or down), since one code's corners place a photographed page
only roughly. Ink detection can err (a faint pen, a signature written beside the line), so
this only ever warns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image, ImageFilter

from assembler.documents import signers
from assembler.pdf.raster import Word

DARK = 128  # a pixel darker than this (0-255) is ink
ABOVE = 24.0  # points: the signature band's height above the line (a form's next caption may sit 36 pt above)
GAP = 3.0  # points kept clear just above the line (the line itself, a little blur)
SEARCH = 14.0  # points up or down where the line is looked for on the scan
UNSIGNED = 0.008  # less than this share of the band's pixels more dark than on the printed page: looks unsigned


FORM_LINE = 200.0  # points: a form's drawn signature line is taken as this long, from its caption's start


def signature_line(words: list[Word], name: str, role: str | None = None) -> Word | None:
    """The line of underscores with `name`'s first word right after it (the printed name under the line);
    with `role`, failing that, a form's caption "Signature of <role>" (the line drawn just above it)."""
    first = signers.normalized(name).split(" ")[0]
    for i, w in enumerate(words[:-1]):
        if re.fullmatch(r"_{5,}", w.text) and signers.normalized(words[i + 1].text) == first:
            return w
    for i, w in enumerate(words[:-2] if role else []):
        if (w.text.lower(), words[i + 1].text.lower(), words[i + 2].text.lower()) == ("signature", "of", role):
            return Word(w.x0, w.y0 - 10, w.x0 + FORM_LINE, w.y0 - 2, "")  # the line just above the caption
    return None


def ink_box(line: Word) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1), points from the top left: where a signature on `line` is, with room for a wide hand
    (a page two people sign on their own copies shows each one's box from that one's scan: pdf/scanned.py)."""
    return (round(line.x0 - 12, 1), round(line.y1 - ABOVE - 6, 1), round(line.x1 + 12, 1), round(line.y1 - GAP + 1, 1))


@dataclass(frozen=True)
class Ink:
    scan: float  # share of dark pixels in the band on the scan
    printed: float  # the same on the printed page

    @property
    def looks_unsigned(self) -> bool:
        return self.scan - self.printed < UNSIGNED


def band_ink(image: Image.Image, line: Word, dpi: int) -> float:
    """The share of dark pixels in the band above `line` on `image` (the page upright at `dpi`)."""
    k = dpi / 72
    x0, x1 = int(line.x0 * k), int(line.x1 * k) + 1
    row = _line_row(image, x0, x1, line.y1 * k, SEARCH * k)
    box = (x0, max(0, int(row - ABOVE * k)), x1, max(1, int(row - GAP * k)))
    region = image.crop(box).filter(ImageFilter.MedianFilter(3))  # speckle is not ink
    dark = region.point(lambda v: 255 if v < DARK else 0).histogram()[255]
    return dark / max(1, region.width * region.height)


def _line_row(image: Image.Image, x0: int, x1: int, expected: float, reach: float) -> float:
    """The row of the longest dark run near `expected`: the printed line as the scan shows it."""
    top = max(0, int(expected - reach))
    strip = image.crop((x0, top, x1, min(image.height, int(expected + reach) + 1)))
    if strip.width < 1 or strip.height < 1:
        return expected
    darkness = strip.point(lambda v: 255 if v < DARK else 0).resize((1, strip.height), Image.Resampling.BOX)
    profile = [float(darkness.getpixel((0, y)) or 0) for y in range(darkness.height)]  # type: ignore[arg-type]  # an "L" image: ints
    best = max(range(len(profile)), key=lambda i: (profile[i], -abs(top + i - expected)))
    return top + best if profile[best] > 255 * 0.4 else expected  # under 40% dark: no line seen, trust the frame
