"""PDF exhibits holding oversized scans made lighter before the filing is put together: each image
drawn finer than the settings' resolution (images.dpi, default 300) on the Letter page it ends up on
is downsampled to it, so that a 600-dpi colour scan or a phone photo wrapped as a PDF does not split
the filing into parts it need not (the image exhibits: exhibits.fit_image).

The resolution of an image is its pixel size over its drawn size (the content stream's `cm`
transforms down to its `Do`, through form XObjects), on the page scaled onto Letter as
pdf/fit.py will scale it; an image drawn at several sizes is held to its largest. Never below the
setting: the new size is rounded up, so the text stays as legible as the setting makes it.

What is left as it was: vector content and text (only image streams change); bilevel images
(CCITT, JBIG2, any 1-bit image: small already, and blurred by resampling), stencil masks, images
with a colour-key mask or a /Decode array, colour spaces other than grey and RGB (CMYK, indexed,
Lab, separations), inline images; an image whose new stream would not be smaller; the whole file
when the copy would not be smaller. An image that cannot be decoded (a damaged stream) stays as it
was, with a warning naming the exhibit and the page. Masks stay: a soft mask the image's size is
downsampled with it, any other is kept as it is (PDF maps both to the same square).

Encoding: a JPEG (or JPEG 2000) image is re-encoded as JPEG at images.jpeg_quality, or losslessly
(Flate with PNG predictors) when that is smaller; a lossless image stays lossless. The user's file
is never changed: the copy is written in the build's work folder. The same input gives the same
bytes (qpdf's deterministic /ID, no dates), and results are kept in the cache of converted PDFs
(cache.py) under the hash of the exhibit's bytes, the settings and the libraries' versions.
"""
from __future__ import annotations

import functools
import io
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image

from assembler.convert.cache import Cache
from assembler.pdf.fit import letter_scale

FORMAT = 1  # of this module's output: a change of how images are chosen or encoded changes every key
ENOUGH = 1.05  # an image up to 5% above the setting is left as it is (as exhibits.fit_image does)
LOSSY = {"/DCTDecode", "/JPXDecode"}
BILEVEL = {"/CCITTFaxDecode", "/JBIG2Decode"}
MODES = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}
SMALL_BITS = 1.0  # a lossless image under this many bits a pixel stays lossless (clean text: about 0.3)
SAMPLES = 4  # bands of rows Flate is tried on before the whole image (an eighth of its rows)
GUESS_MARGIN = 1.25  # how far off the sample may be before the whole image is not worth trying
MAX_DEPTH = 12  # form XObjects inside form XObjects: deeper is a loop or a trap


@dataclass(frozen=True)
class Compressed:
    """What became of one PDF exhibit: the PDF the filing takes (the exhibit itself when nothing was
    gained), how many images were downsampled, the bytes saved, and warnings."""

    pdf: Path
    images: int = 0
    bytes_saved: int = 0
    notices: tuple[str, ...] = ()


@dataclass
class _Use:
    """Where an image is drawn: its finest resolution across and down (dots per inch on the filing's
    page), and the first page (1-based) that draws it, for warnings."""

    dpi_x: float
    dpi_y: float
    page: int


@dataclass
class _Result:
    images: int = 0
    damaged: list[tuple[int, str]] = field(default_factory=list)  # (page, why)


def compress_pdf(source: Path, target: Path, label: str, dpi: int, quality: int,
                 cache: Cache | None = None) -> Compressed:
    """`source` with every image above `dpi` brought down to it, written to `target` (or `source` itself
    when nothing was gained, or `dpi` is 0). Never raises for what is inside the PDF: an image that cannot
    be read is left alone, named in a warning; a file qpdf cannot open is left to the build's own reader."""
    if not dpi:
        return Compressed(source)
    data = source.read_bytes()
    key = cache.key(data, f"compress {FORMAT} dpi={dpi} quality={quality}", tools_identity()) if cache else None
    if cache is not None and key is not None and (entry := cache.get(key)) is not None:
        extra = entry.extra
        damaged = [(int(p), str(why)) for p, why in extra.get("damaged", [])]
        if not entry.pdf:  # nothing gained: the exhibit as it is
            return Compressed(source, notices=_warnings(label, damaged))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.pdf)
        return Compressed(target, int(extra.get("images", 0)), len(data) - len(entry.pdf), _warnings(label, damaged))
    result, made, pages = _compress(data, dpi, quality)
    smaller = made is not None and len(made) < len(data)
    if cache is not None and key is not None and pages:
        cache.put(key, made if smaller and made is not None else b"", pages,
                  {"images": result.images, "damaged": result.damaged})
        cache.trim()
    if not smaller or made is None:
        return Compressed(source, notices=_warnings(label, result.damaged))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(made)
    return Compressed(target, result.images, len(data) - len(made), _warnings(label, result.damaged))


def _warnings(label: str, damaged: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(f"{label}, page {page}: an image could not be read ({why}), so it goes into the filing as it was, "
                 "not downsampled: check that page in the filing, or scan it again" for page, why in damaged)


def _compress(data: bytes, dpi: int, quality: int) -> tuple[_Result, bytes | None, int]:
    """The PDF in `data` with its images brought down to `dpi` (None: none was), and its page count
    (0: qpdf could not open it)."""
    result = _Result()
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError):
        return result, None, 0
    with pdf:
        if pdf.is_encrypted:  # saving would drop or change its encryption: the build's reader deals with it
            return result, None, len(pdf.pages)
        try:
            uses = image_uses(pdf)
            masks = _soft_masks(pdf, uses)
        except Exception:  # noqa: BLE001 - a page tree or resources qpdf cannot walk: the exhibit as it came
            return result, None, len(pdf.pages)
        for objgen in sorted(uses):
            use = uses[objgen]
            image = pdf.get_object(objgen)
            try:
                if _downsample(image, use, dpi, quality, masks):
                    result.images += 1
            except Exception as exc:  # noqa: BLE001 - a damaged stream, a codec's refusal: that image stays
                result.damaged.append((use.page, _why(exc)))
        if not result.images:
            return result, None, len(pdf.pages)
        out = io.BytesIO()
        try:
            pdf.save(out, deterministic_id=True, compress_streams=True, fix_metadata_version=False)
        except (pikepdf.PdfError, ValueError, OSError):  # damage elsewhere qpdf cannot write: the exhibit as it came
            return _Result(damaged=result.damaged), None, len(pdf.pages)
        return result, out.getvalue(), len(pdf.pages)


def _why(exc: Exception) -> str:
    said = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    return said[:200]


# --- where each image is drawn, and how finely -------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention: `cm` with m makes the CTM m x CTM)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def image_uses(pdf: pikepdf.Pdf) -> dict[tuple[int, int], _Use]:
    """Each image XObject drawn on a page (directly or through form XObjects), by object id, with the
    finest resolution it is drawn at on the filing's Letter page. Inline images and images drawn
    only by patterns or annotations are not counted (they are left alone)."""
    uses: dict[tuple[int, int], _Use] = {}
    for number, page in enumerate(pdf.pages, start=1):
        box = page.obj.get("/CropBox", page.obj.get("/MediaBox"))
        if not isinstance(box, pikepdf.Array) or len(box) != 4:
            continue
        try:
            x0, y0, x1, y1 = (float(v) for v in box)
            rotate = int(page.obj.get("/Rotate", 0))
        except (TypeError, ValueError):
            continue
        width, height = abs(x1 - x0), abs(y1 - y0)
        if rotate % 180:
            width, height = height, width
        if not width or not height:
            continue
        scale = letter_scale(width, height)
        start: Matrix = (scale, 0.0, 0.0, scale, 0.0, 0.0)
        for image, ctm in _drawn(page.obj, page.obj.get("/Resources"), start, 0, set()):
            _record(uses, image, ctm, number)
    return uses


def _drawn(stream: pikepdf.Object, resources: pikepdf.Object | None, ctm: Matrix, depth: int,
           seen: set[tuple[int, int]]) -> Iterator[tuple[pikepdf.Object, Matrix]]:
    """(image, CTM at its `Do`) for each image `stream`'s content draws (a page, or a form XObject)."""
    try:
        instructions = pikepdf.parse_content_stream(stream, "q Q cm Do")
    except (pikepdf.PdfError, ValueError, TypeError):
        return  # a content stream qpdf cannot parse: its images stay as they are
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    stack: list[Matrix] = []
    for instruction in instructions:
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm" and len(operands) == 6:
            try:
                ctm = _times(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
        elif op == "Do" and operands and xobjects is not None:
            xobject = xobjects.get(str(operands[0]))
            if not isinstance(xobject, pikepdf.Stream):
                continue
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                yield xobject, ctm
            elif subtype == "/Form" and depth < MAX_DEPTH and xobject.objgen not in seen:
                matrix = xobject.get("/Matrix")
                try:
                    inner = _times(tuple(float(v) for v in matrix), ctm) if matrix is not None else ctm  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    continue
                own = xobject.get("/Resources", resources)  # a form without resources uses its page's (PDF 1.1)
                yield from _drawn(xobject, own, inner, depth + 1, seen | {xobject.objgen})


def _record(uses: dict[tuple[int, int], _Use], image: pikepdf.Object, ctm: Matrix, page: int) -> None:
    try:
        width_px, height_px = int(image.get("/Width", 0)), int(image.get("/Height", 0))
    except (TypeError, ValueError):
        return
    across = math.hypot(ctm[0], ctm[1]) / 72  # inches the image's width covers on the filing's page
    down = math.hypot(ctm[2], ctm[3]) / 72
    if image.objgen == (0, 0) or not width_px or not height_px or across < 1e-6 or down < 1e-6:
        return  # a direct object, or drawn in no space: nothing to gain
    dpi_x, dpi_y = width_px / across, height_px / down
    use = uses.get(image.objgen)
    if use is None:
        uses[image.objgen] = _Use(dpi_x, dpi_y, page)
    else:  # drawn bigger elsewhere: that drawing needs the pixels
        use.dpi_x, use.dpi_y = min(use.dpi_x, dpi_x), min(use.dpi_y, dpi_y)


def _soft_masks(pdf: pikepdf.Pdf, uses: dict[tuple[int, int], _Use]) -> dict[tuple[int, int], int]:
    """How many of the drawn images share each soft mask (one shared is left as it is)."""
    counts: dict[tuple[int, int], int] = {}
    for objgen in uses:
        smask = _soft_mask(pdf.get_object(objgen))
        if smask is not None:
            counts[smask.objgen] = counts.get(smask.objgen, 0) + 1
    return counts


# --- one image ----------------------------------------------------------------------------------------

def _downsample(image: pikepdf.Object, use: _Use, dpi: int, quality: int,
                masks: dict[tuple[int, int], int]) -> bool:
    """Bring `image` down to `dpi` in place; False when it is left as it was (within the setting, a kind
    left alone, or no smaller)."""
    # One factor for both axes (square pixels stay square), the one that keeps the coarser axis at the
    # setting; rounded up: never below it.
    factor = max(dpi / use.dpi_x, dpi / use.dpi_y)
    if factor * ENOUGH >= 1:
        return False
    mode = _mode(image)
    if mode is None:
        return False
    width, height = int(image.Width), int(image.Height)
    size = (math.ceil(width * factor), math.ceil(height * factor))
    smask = _soft_mask(image)
    mask_too = smask is not None and (int(smask.get("/Width", 0)), int(smask.get("/Height", 0))) == (width, height)
    if smask is not None and mask_too and (masks.get(smask.objgen, 0) > 1 or _mode(smask) != "L"):
        return False  # a mask shared with another image, or of a kind left alone: resampling one would part them
    if smask is not None and "/Matte" in smask and not mask_too:
        return False  # a matte needs the image and its mask the same size
    pixels = _pixels(image, mode, size)
    smaller = pixels if pixels.size == size else pixels.resize(size, Image.Resampling.LANCZOS)
    data, filter_, parms = _encode(smaller, quality, lossless=not set(_filters(image)) & LOSSY)
    if len(data) >= len(image.read_raw_bytes()):
        return False
    mask = None
    if smask is not None and mask_too:  # made before anything is replaced: a mask that fails leaves both as they were
        mask = _flate(_pixels(smask, "L", size).resize(size, Image.Resampling.LANCZOS))
    _replace(image, data, filter_, parms, size)
    if smask is not None and mask is not None:
        _replace(smask, mask[0], pikepdf.Name.FlateDecode, mask[1], size)
    return True


def _soft_mask(image: pikepdf.Object) -> pikepdf.Object | None:
    smask = image.get("/SMask")
    return smask if isinstance(smask, pikepdf.Stream) else None


def _filters(image: pikepdf.Object) -> list[str]:
    found = image.get("/Filter")
    if found is None:
        return []
    return [str(f) for f in found] if isinstance(found, pikepdf.Array) else [str(found)]


def _mode(image: pikepdf.Object) -> str | None:
    """The Pillow mode of an image this module downsamples ("L" or "RGB"), or None to leave it alone."""
    if image.get("/ImageMask", False) or isinstance(image.get("/Mask"), pikepdf.Array) or image.get("/SMaskInData", False):
        return None  # a stencil, a colour key or a JPEG 2000's own alpha: resampling would change them
    if int(image.get("/BitsPerComponent", 8)) != 8 or set(_filters(image)) & BILEVEL:
        return None
    space = image.get("/ColorSpace")
    mode = None
    if isinstance(space, pikepdf.Name):
        mode = MODES.get(str(space))
    elif isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == "/ICCBased":
        mode = {1: "L", 3: "RGB"}.get(int(space[1].get("/N", 0)))
    # (No colour space: a JPEG 2000 holding its own, left alone.) A /Decode other than the default
    # inverts or remaps the samples: left alone too.
    decode = image.get("/Decode")
    if mode is None or (decode is not None and [float(v) for v in decode] != [0.0, 1.0] * len(mode)):
        return None
    return mode


def _pixels(image: pikepdf.Object, mode: str, size: tuple[int, int]) -> Image.Image:
    """The image's samples in `mode`, at least `size` (a JPEG is decoded at a half, a quarter... of its
    size where that is still enough: faster, and less memory); raises for a stream that cannot be decoded."""
    filters = _filters(image)
    width, height = int(image.Width), int(image.Height)
    if filters and filters[-1] in LOSSY:
        with Image.open(io.BytesIO(_undo_leading(image, filters))) as coded:
            if coded.size != (width, height):
                raise ValueError(f"the image holds {coded.size[0]}x{coded.size[1]} pixels, its PDF says {width}x{height}")
            if filters[-1] == "/DCTDecode" and coded.mode in ("L", "RGB"):
                coded.draft(coded.mode, size)
            coded.load()
            pixels = coded.convert(mode) if coded.mode != mode else coded.copy()
    else:
        pixels = Image.frombytes(mode, (width, height), image.read_bytes())  # qpdf undoes Flate, LZW, predictors
    pixels.info.clear()  # no ICC profile or EXIF carried into the new stream: the PDF says the colour space
    return pixels


def _undo_leading(image: pikepdf.Object, filters: list[str]) -> bytes:
    """The JPEG (or JPEG 2000) bytes of a stream, with any filters applied over it undone."""
    if len(filters) == 1:
        return image.read_raw_bytes()
    return image.read_bytes(pikepdf.StreamDecodeLevel.generalized)  # e.g. [/FlateDecode /DCTDecode]


def _encode(pixels: Image.Image, quality: int, lossless: bool) -> tuple[bytes, pikepdf.Name, pikepdf.Dictionary | None]:
    """JPEG at `quality`, or Flate where that is smaller; a `lossless` image also stays Flate where that is
    small already (a clean scan of text: under SMALL_BITS a pixel). A noisy colour scan kept lossless would
    stay several MB a page: JPEG. Flate is tried on a sample of rows first: on a noisy page it costs
    seconds, and loses."""
    jpeg = io.BytesIO()
    pixels.save(jpeg, format="JPEG", quality=quality, optimize=True)
    limit = max(pixels.width * pixels.height * SMALL_BITS / 8, jpeg.tell()) if lossless else jpeg.tell()
    if _flate_guess(pixels) <= limit * GUESS_MARGIN:
        data, parms = _flate(pixels)
        if len(data) <= limit:
            return data, pikepdf.Name.FlateDecode, parms
    return jpeg.getvalue(), pikepdf.Name.DCTDecode, None


def _flate_guess(pixels: Image.Image) -> float:
    """Flate's size for the whole image, from SAMPLES bands of rows spread over it."""
    band = max(1, pixels.height // (SAMPLES * 8))
    total = 0
    for n in range(SAMPLES):
        top = (pixels.height - band) * n // max(1, SAMPLES - 1)
        total += len(_flate(pixels.crop((0, top, pixels.width, top + band)))[0])
    return total * pixels.height / (band * SAMPLES)


def _flate(pixels: Image.Image) -> tuple[bytes, pikepdf.Dictionary]:
    """Flate with PNG's row filters (PDF's /Predictor 15): Pillow's PNG writer makes the stream, its
    IDAT chunks joined are exactly what PDF reads (as img2pdf embeds PNGs)."""
    png = io.BytesIO()
    pixels.save(png, format="PNG", compress_level=6)
    data = png.getvalue()
    idat = []
    at = 8  # after the signature: chunks of length, type, data, CRC
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            idat.append(data[at + 8:at + 8 + length])
        at += 12 + length
    colours = 1 if pixels.mode == "L" else 3
    parms = pikepdf.Dictionary(Predictor=15, Colors=colours, BitsPerComponent=8, Columns=pixels.width)
    return b"".join(idat), parms


def _replace(image: pikepdf.Object, data: bytes, filter_: pikepdf.Name, parms: pikepdf.Dictionary | None,
             size: tuple[int, int]) -> None:
    image.write(data, filter=filter_, decode_parms=parms)
    if parms is None and "/DecodeParms" in image:
        del image.DecodeParms
    image.Width, image.Height = size
    image.BitsPerComponent = 8


@functools.lru_cache(maxsize=1)
def tools_identity() -> str:
    """What tells one result from another in a cache key: the libraries that decode, resample and encode."""
    from PIL import features

    return (f"pikepdf {pikepdf.__version__} qpdf {pikepdf.__libqpdf_version__} Pillow {Image.__version__} "
            f"jpeg {features.version('jpg')} zlib {zlib.ZLIB_RUNTIME_VERSION}")
