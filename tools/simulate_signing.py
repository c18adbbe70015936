"""A simulated signing round, with real pixels: the signing packet rendered as a scanner would see it,
a hand-drawn-looking stroke above each signature line, saved as the JPEGs a phone or scanner gives.

Used by the tests (tests/test_signed_scans.py, tests/test_signed_filing.py), by
tools/make_samples.py (sample 1 ships signed) and by the reading benchmark (bench/reading.py).
Every person is fictional; the strokes are drawn with Pillow, never a real signature.

From the command line (a signing round to try `pdpacket signed` or the Signatures page on):

    .venv/bin/python tools/simulate_signing.py CASE PACKET --out FOLDER [--seed N] [--quality Q] [--noisy]

CASE is a built case folder (its out/manifest.json lists who signs where), PACKET the signing packet
`pdpacket sign CASE` made; each page to sign is written signed to FOLDER as page-N.jpg.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
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
    """Each signature page of the packet signed and saved as a JPEG in `folder` (page-N.jpg, N its page in the packet, from 1)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    return [jpeg(sign(pages[i], rng), folder / f"page-{i + 1}.jpg", quality) for i in signature_pages(pages, required)]


# --- the command line ------------------------------------------------------------------------------------------

class Refused(Exception):
    """A mistake in what the command was given: one line on stderr, exit 2."""


def _required(case: Path) -> list[dict]:
    manifest = case / "out" / "manifest.json"
    if not manifest.is_file():
        raise Refused(f"{manifest}: not found: build the case first (pdpacket build '{case}'), "
                      f"then make its signing packet (pdpacket sign '{case}')")
    try:
        required = json.loads(manifest.read_text(encoding="utf-8"))["signatures"]["required"]
    except (ValueError, KeyError, TypeError):
        raise Refused(f"{manifest}: no list of signatures in it: build the case again with this pdpacket") from None
    if not any(s.get("kind") == "ink" for s in required):
        raise Refused(f"{manifest}: nobody signs this filing in ink: there is nothing to sign")
    return required


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="simulate_signing.py",
        description="Sign a case's signing packet with drawn strokes (fictional, never a real signature) and "
                    "save each signed page as a scanner's JPEG, for trying `pdpacket signed` or the web app's "
                    "Signatures page.")
    parser.add_argument("case", type=Path, help="the built case folder (its out/manifest.json says who signs where)")
    parser.add_argument("packet", type=Path, help="the signing packet PDF that `pdpacket sign CASE` made")
    parser.add_argument("-o", "--out", type=Path, required=True,
                        help="the folder for the signed pages (page-N.jpg); made if missing, files in it kept")
    parser.add_argument("--seed", type=int, default=7, help="the strokes' random seed (default 7: the same strokes "
                                                             "every run)")
    parser.add_argument("--quality", type=int, default=75, choices=range(10, 101), metavar="10-100",
                        help="JPEG quality (default 75; the tests go down to 40)")
    parser.add_argument("--noisy", action="store_true", help="add a cheap scanner's grain and blur")
    args = parser.parse_args(argv)
    try:
        if not args.packet.is_file():
            raise Refused(f"{args.packet}: not found: make it with pdpacket sign '{args.case}'")
        for tool in ("pdftoppm", "pdftotext"):
            if not shutil.which(tool):
                raise Refused(f"{tool} is not installed: install poppler-utils (make system-deps)")
        required = _required(args.case)
        args.out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="simulate-signing-") as tmp:
            try:
                pages = packet_pages(args.packet, Path(tmp) / "png")
            except (ValueError, subprocess.CalledProcessError):
                raise Refused(f"{args.packet}: not a signing packet pdpacket made (a page without its code)") from None
            rng = random.Random(args.seed)
            wanted = signature_pages(pages, required)
            if not wanted:
                raise Refused(f"{args.packet}: none of its pages is one {args.case} signs: is it this case's packet?")
            for i in wanted:
                image = sign(pages[i], rng)
                print(jpeg(noisy(image) if args.noisy else image, args.out / f"page-{i + 1}.jpg", args.quality))
    except Refused as exc:
        print(f"simulate_signing.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
