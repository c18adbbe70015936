"""The scans and photos of signed pages, one page image at a time, and each page's code read from its pixels.

Input: PDFs (each page rendered by pdftoppm) and images (JPEG, PNG, TIFF; every frame of a
multi-page TIFF; a phone's EXIF orientation applied). Every page is read in gray at SCAN_DPI.
The page code (pdf/codes.py) is read by zxing-cpp, which finds a QR code in any
orientation, tilted or seen in perspective; when it finds none, the image is tried again
enlarged, reduced, smoothed (scanner noise) and with the other binarizer. A page whose code
is still not read is reported, never guessed from its neighbours.

Once read, the code's four corners say where the page is: the code's place on the printed
page is known (codes.place, from the built page), so one similarity transform (turn, scale,
shift) maps the printed page onto the scan. `upright` draws the scan back onto a Letter
page through it: turned upright, straightened, cropped or padded to the paper's edge.
"""
from __future__ import annotations

import math
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageOps, ImageSequence, UnidentifiedImageError

from assembler.errors import InputFileError
from assembler.pdf import codes, raster
from assembler.vocab import LETTER

SCAN_DPI = 200  # PDF pages are read at this resolution: a 1.5 pt QR module is 4 pixels
IMAGE_KINDS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF"}
PDF = ".pdf"
MAX_PIXELS = 80_000_000  # larger than any phone photo; more is refused rather than risked (decompression bombs)


@dataclass
class ScanPage:
    """One page of a scan file: where it came from and its pixels (gray)."""

    file: Path
    number: int  # from 1: the PDF's page, the TIFF's frame, 1 for a photo
    image: Image.Image

    @property
    def where(self) -> str:
        return f"{self.file} page {self.number}"


def check_inputs(files: list[Path]) -> None:
    """Every scan exists and is a kind we read: else one error naming each file (nothing is read yet)."""
    problems = []
    for f in files:
        kind = f.suffix.lower()
        if not f.is_file():
            problems.append(f"{f}: no such file")
        elif kind != PDF and kind not in IMAGE_KINDS:
            problems.append(f"{f}: not a PDF, JPEG, PNG or TIFF file (by its name)")
    if problems:
        raise InputFileError("; ".join(problems) + ": give the scans of the signed pages (PDF) or photos of them "
                             "(JPEG, PNG, TIFF)")
    if not files:
        raise InputFileError("no scan given: name the scanned PDFs or photos of the signed pages")


def pages(file: Path) -> Iterator[ScanPage]:
    """Every page image of one scan file, in order."""
    if file.suffix.lower() == PDF:
        yield from _pdf_pages(file)
    else:
        yield from _image_pages(file)


def _pdf_pages(file: Path) -> Iterator[ScanPage]:
    with tempfile.TemporaryDirectory(prefix="pdpacket-scan-") as tmp:
        try:
            rendered = raster.render_pages(file, SCAN_DPI, Path(tmp))
        except subprocess.CalledProcessError as exc:
            said = exc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputFileError(f"{file}: cannot be read as a PDF ({said[-1] if said else 'pdftoppm failed'}): "
                                 "scan the pages again, or give them as images") from exc
        if not rendered:
            raise InputFileError(f"{file}: no page could be read from this PDF: scan the pages again")
        for png in rendered:
            with Image.open(png) as im:
                image = im.convert("L")
            png.unlink()  # one page on disk at a time
            yield ScanPage(file, int(png.stem.rsplit("-", 1)[1]), image)


def _image_pages(file: Path) -> Iterator[ScanPage]:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(file) as im:
            for n, frame in enumerate(ImageSequence.Iterator(im), start=1):
                upright = ImageOps.exif_transpose(frame) or frame  # a phone's "turned" flag
                yield ScanPage(file, n, upright.convert("L"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InputFileError(f"{file}: cannot be read as an image ({exc}): photograph or scan the page "
                             "again") from exc


# --- the code on a page --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    """A page code read on an image, with the code's corners in the image's pixels."""

    code: codes.PageCode
    corners: tuple[tuple[float, float], ...]  # top left, top right, bottom right, bottom left, as the code is drawn


def read_codes(image: Image.Image) -> tuple[list[Read], int]:
    """The pdpacket page codes on `image` (one per distinct payload) and how many other QR codes it shows."""
    for attempt in _attempts(image):
        found, others = _decode(*attempt)
        if found or others:
            return found, others
    return [], 0


def _attempts(image: Image.Image) -> Iterator[tuple[Image.Image, float, zxingcpp.Binarizer]]:
    """(image, its scale against the original, binarizer): the plain image first, then what helps a poor one."""
    yield image, 1.0, zxingcpp.Binarizer.LocalAverage
    yield image, 1.0, zxingcpp.Binarizer.GlobalHistogram
    smooth = image.filter(ImageFilter.MedianFilter(3))  # speckle of a noisy scan breaks the code's modules
    yield smooth, 1.0, zxingcpp.Binarizer.LocalAverage
    if max(image.size) < 2500:  # a small photo: modules of 2 pixels or fewer
        yield image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC), 2.0, \
            zxingcpp.Binarizer.LocalAverage
    yield smooth.reduce(2), 0.5, zxingcpp.Binarizer.LocalAverage


def _decode(image: Image.Image, scale: float, binarizer: zxingcpp.Binarizer) -> tuple[list[Read], int]:
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
                                     binarizer=binarizer)
    found: dict[str, Read] = {}
    others = 0
    for r in results:
        try:
            code = codes.PageCode.parse(r.text)
        except ValueError:
            others += 1
            continue
        p = r.position
        corners = tuple((q.x / scale, q.y / scale) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
        found.setdefault(r.text, Read(code, corners))
    return list(found.values()), others


# --- the page drawn upright ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """Page points (from the top left) to scan pixels: p -> origin + scale * R(angle) (p - anchor)."""

    anchor: tuple[float, float]  # the code's top left corner on the printed page, in points
    origin: tuple[float, float]  # the same corner on the scan, in pixels
    scale: float  # pixels per point
    angle: float  # radians: the printed page's x axis as seen on the scan

    def to_scan(self, x: float, y: float) -> tuple[float, float]:
        dx, dy = x - self.anchor[0], y - self.anchor[1]
        c, s = math.cos(self.angle), math.sin(self.angle)
        return (self.origin[0] + self.scale * (c * dx - s * dy), self.origin[1] + self.scale * (s * dx + c * dy))

    @property
    def degrees(self) -> float:
        return math.degrees(self.angle)

    def unshrunk(self, scale: float, size: tuple[float, float] = LETTER) -> Frame:
        """The frame of the filing's page when the packet drew it shrunk by `scale` from the top, centred
        (codes.stamp): a filing point p is the packet point (dx + scale px, h (1 - scale) + scale py)."""
        if scale >= 1:
            return self
        dx, dy = size[0] * (1 - scale) / 2, size[1] * (1 - scale)
        return Frame(((self.anchor[0] - dx) / scale, (self.anchor[1] - dy) / scale), self.origin,
                     self.scale * scale, self.angle)


def frame(read: Read, where: codes.Placement, height: float = LETTER[1]) -> Frame:
    """The printed page onto the scan, from the code's corners and its place on the printed page."""
    tl, tr, br, bl = read.corners
    across = math.atan2(tr[1] - tl[1], tr[0] - tl[0])
    down = math.atan2(bl[1] - tl[1], bl[0] - tl[0]) - math.pi / 2
    angle = math.atan2(math.sin(across) + math.sin(down), math.cos(across) + math.cos(down))  # the mean of both
    sides = [math.dist(tl, tr), math.dist(bl, br), math.dist(tl, bl), math.dist(tr, br)]
    scale = sum(sides) / len(sides) / where.size
    return Frame((where.x, height - where.y - where.size), tl, scale, angle)


def upright(image: Image.Image, f: Frame, dpi: int, size: tuple[float, float] = LETTER) -> Image.Image:
    """The printed page's area of `image`, turned upright, at `dpi`; paper beyond the scan's edge is white."""
    width, height = round(size[0] * dpi / 72), round(size[1] * dpi / 72)
    k = 72 / dpi  # points per output pixel
    x0, y0 = f.to_scan(0, 0)
    xu, yu = f.to_scan(k, 0)
    xv, yv = f.to_scan(0, k)
    # PIL's AFFINE maps each output pixel (u, v) to the input pixel (a u + b v + c, d u + e v + g).
    data = (xu - x0, xv - x0, x0, yu - y0, yv - y0, y0)
    return image.transform((width, height), Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR,
                           fillcolor=255)


PAINT_MARGIN = 4.0  # points around what is painted out: the code's corners place the page to a point or two


def paint_out(image: Image.Image, box: tuple[float, float, float, float], dpi: int, scale: float = 1.0,
              size: tuple[float, float] = LETTER) -> None:
    """Paint white what the packet drew on the page and the filing does not hold (its code and label, the
    "Sign here" marks): `box` is in the packet page's points from the bottom left; `image` is the filing's page
    upright at `dpi`, which the packet drew shrunk by `scale` from the top (Frame.unshrunk). The packet drew
    them where the page is blank."""
    k, m = dpi / 72, PAINT_MARGIN
    dx, dy = size[0] * (1 - scale) / 2, size[1] * (1 - scale)
    x0, y0, x1, y1 = box

    def at(x: float, y: float) -> tuple[float, float]:  # packet point (from the bottom) -> filing pixel
        return (x - dx) / scale * k, (size[1] - y - dy) / scale * k
    (left, top), (right, bottom) = at(x0 - m, y1 + m), at(x1 + m, y0 - m)
    if bottom > 0 and top < image.height:
        ImageDraw.Draw(image).rectangle((left, max(0.0, top), right, min(image.height - 1.0, bottom)), fill=255)
