"""A simulated signing round, with real pixels: the signing packet rendered as a scanner would see it,
a hand-drawn-looking stroke above each signature line, saved as the JPEGs a phone or scanner gives.

Used by the tests (tests/test_signed_scans.py, tests/test_signed_filing.py), by
tools/make_samples.py (sample 1 ships signed) and by the reading benchmark (bench/reading.py).
Every person is fictional; the strokes are drawn with Pillow, never a real signature.
"""
from __future__ import annotations

import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from assembler.pdf import codes

DPI = 150


@dataclass
class PacketPage:
    """One page of a signing packet as scanned: its pixels, its code, the signature lines' boxes in pixels."""

    image: Image.Image
    code: codes.PageCode
    lines: list[tuple[float, float, float, float]]


def packet_pages(pdf: Path, folder: Path, dpi: int = DPI) -> list[PacketPage]:
    """Every page of the signing packet `pdf` rendered in gray at `dpi` (pdftoppm), with its code read back and
    its signature lines found in its words (a line of underscores; a form's "Signature of" caption)."""
    folder.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(folder / "p")], check=True)
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    pngs = sorted(folder.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    for png, chunk in zip(pngs, bbox.split("<page ")[1:], strict=True):
        with Image.open(png) as im:
            image = im.convert("L")
        [found] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                           chunk)
        k = dpi / 72
        lines = [tuple(float(v) * k for v in w[:4]) for w in words if re.fullmatch(r"_{5,}", w[4])]
        captions = [tuple(float(v) * k for v in w[:4]) for i, w in enumerate(words[:-1])
                    if w[4] == "Signature" and words[i + 1][4] == "of"]
        lines += [(x0, y0 - 10 * k, x0 + 200 * k, y0 - 2 * k) for x0, y0, _, _ in captions]
        out.append(PacketPage(image, codes.PageCode.parse(found.text), lines))  # type: ignore[arg-type]
    return out


def signature_pages(pages: list[PacketPage], required: list[dict]) -> list[int]:
    """Indexes of the packet pages where the copy's signer signs (`required`: the manifest's signatures)."""
    copies: dict[str, int] = {}
    ink = [s for s in required if s["kind"] == "ink"]
    for s in sorted(ink, key=lambda s: s["filing_page"]):
        copies.setdefault(s["signer"], len(copies) + 1)
    wanted = {(s["document"], s["page"], copies[s["signer"]]) for s in ink}
    return [i for i, p in enumerate(pages) if (p.code.document, p.code.page, p.code.copy) in wanted]


def sign(page: PacketPage, rng: random.Random) -> Image.Image:
    """A hand-drawn-looking stroke above each signature line of the page."""
    image = page.image.copy()
    draw = ImageDraw.Draw(image)
    k = image.width / (8.5 * DPI)  # the strokes scale with the page's resolution
    for x0, _, x1, y1 in page.lines:
        points = [(x, y1 - 14 * k + 9 * k * rng.uniform(-1, 1))
                  for x in range(int(x0 + 12 * k), int(min(x1, x0 + 230 * k) - 12 * k), max(1, round(7 * k)))]
        draw.line(points, fill=25, width=max(2, round(3 * k)))
    return image


def noisy(image: Image.Image) -> Image.Image:
    """A cheap scanner's page: grain, then a little blur."""
    noise = Image.effect_noise(image.size, 40)
    return Image.blend(image, noise, 0.15).filter(ImageFilter.GaussianBlur(1.0))


def jpeg(image: Image.Image, path: Path, quality: int = 40) -> Path:
    image.save(path, "JPEG", quality=quality)
    return path


def sign_all(pages: list[PacketPage], required: list[dict], folder: Path, seed: int = 7,
             quality: int = 75) -> list[Path]:
    """Each signature page of the packet signed and saved as a JPEG in `folder` (page-N.jpg, N its packet index)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    return [jpeg(sign(pages[i], rng), folder / f"page-{i}.jpg", quality) for i in signature_pages(pages, required)]
