"""Turn each exhibit file into a PDF the assembler can merge.

PDFs are used as they are (after checking they open); photos and scans go
through img2pdf, which embeds JPEGs without re-encoding and honours EXIF
orientation, fitted to a Letter page; Word and OpenDocument files are left for
the one LibreOffice run of the build.
"""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from assembler import kept
from assembler.errors import InputFileError
from assembler.vocab import LETTER

OFFICE_SUFFIXES = {".docx", ".odt"}
# A 600-dpi scan of a legal page is about 40 megapixels; Pillow refuses more than
# 179 by default as a "decompression bomb". Exhibits are the user's own files:
# allow big scans deliberately (JPEGs are embedded without being decoded).
Image.MAX_IMAGE_PIXELS = 1_000_000_000
HEIC_MAX = (2550, 3300)  # 300 dpi on Letter: phone photos are bigger than a page needs
HEIC_QUALITY = 90


def heic_to_jpeg(path: Path, out: Path, label: str) -> Path:
    """HEIC/HEIF phone photos: decoded with pillow-heif, turned upright, saved as JPEG.

    JPEG is lossy, but so is HEIC, and a lossless copy of a 12-megapixel photo
    would be about 30 MB, more than a whole filing may weigh."""
    try:
        import pillow_heif
        pillow_heif.register_heif_opener()
        with Image.open(path) as photo:
            img = ImageOps.exif_transpose(photo).convert("RGB")
            img.thumbnail(HEIC_MAX)
            img.save(out, format="JPEG", quality=HEIC_QUALITY, optimize=True)
    except ImportError:  # pragma: no cover - pillow-heif is a dependency
        raise InputFileError(f"{label} is a HEIC photo and HEIC support is not installed: convert it to JPEG "
                             "(on a Mac: open it in Preview, File > Export, JPEG)") from None
    except Exception as exc:
        raise InputFileError(f"{label} is not a readable HEIC photo ({exc}): export it again as JPEG") from exc
    return out


ENOUGH = 1.05  # an image up to 5% above the setting is left as it is: resampling would gain nothing
LOSSLESS = {".png", ".tif", ".tiff"}
ORIENTATION = 0x0112  # the EXIF tag; 5 to 8 turn the picture a quarter (width and height swap)


def fit_image(path: Path, work: Path, dpi: int, quality: int) -> tuple[Path, int]:
    """The photo or scan at `path` brought down to `dpi` on the Letter page it will fill (a 12-megapixel
    phone photo is 360 dpi there; courts ask for 200 to 300), and the bytes that saved; (path, 0) when
    it is within `dpi`, when `dpi` is 0, or when the smaller copy would not be smaller. Photos are
    re-encoded as JPEG at `quality`, scans saved as PNG or TIFF as PNG (lossless); the copy is upright
    (its EXIF orientation applied). The user's file is never changed."""
    if not dpi or path.suffix.lower() in (".heic", ".heif"):  # HEIC: heic_to_jpeg brings it to 300 dpi
        return path, 0
    try:
        with Image.open(path) as img:
            if getattr(img, "n_frames", 1) > 1:
                return path, 0  # a multi-page TIFF: each frame a page, left to img2pdf
            width, height = _upright_size(img)
            fit = min(LETTER[0] / 72 / width, LETTER[1] / 72 / height)  # inches a pixel on the page
            if 1 / fit <= dpi * ENOUGH:
                return path, 0
            upright = ImageOps.exif_transpose(img)
            size = (max(1, round(width * fit * dpi)), max(1, round(height * fit * dpi)))
            smaller = upright.convert("RGB" if upright.mode not in ("L", "1", "RGB") else upright.mode)
            smaller = smaller.convert("L") if smaller.mode == "1" else smaller  # resampled in grey, not dithered
            smaller = smaller.resize(size, Image.Resampling.LANCZOS)
            work.mkdir(parents=True, exist_ok=True)
            if path.suffix.lower() in LOSSLESS:
                out = work / f"{path.stem}-{dpi}dpi.png"
                smaller.save(out, format="PNG", optimize=True, dpi=(dpi, dpi))
            else:
                out = work / f"{path.stem}-{dpi}dpi.jpg"
                smaller.save(out, format="JPEG", quality=quality, optimize=True, dpi=(dpi, dpi))
    except (UnidentifiedImageError, OSError, ValueError):
        return path, 0  # image_to_pdf says what is wrong with it
    saved = path.stat().st_size - out.stat().st_size
    return (out, saved) if saved > 0 else (path, 0)


def _upright_size(img: Image.Image) -> tuple[int, int]:
    """The image's size once its EXIF orientation is applied, read from its header: exif_transpose decodes
    every pixel (40 ms for a phone photo, each build), and a photo within the dpi needs only its size."""
    width, height = img.size
    return (height, width) if img.getexif().get(ORIENTATION) in (5, 6, 7, 8) else (width, height)


def image_to_pdf(path: Path, out: Path, label: str) -> Path:
    """The image at `path` as a one-page PDF at `out`. Kept between builds (kept.py) under the image's bytes
    and img2pdf's and Pillow's identity: a rebuild neither converts an unchanged photo nor imports img2pdf."""
    if path.suffix.lower() in (".heic", ".heif"):
        out.write_bytes(_image_pdf(heic_to_jpeg(path, out.with_suffix(".jpg"), label), label))
        return out
    if not kept.active():
        out.write_bytes(_image_pdf(path, label))
        return out
    image = path.read_bytes()
    out.write_bytes(kept.remember("image pdf", [image, kept.library("img2pdf"), kept.library("PIL")],
                                  lambda: _image_pdf(path, label)))
    return out


def _image_pdf(path: Path, label: str) -> bytes:
    import img2pdf

    # Portrait Letter whatever the photo: the filing keeps one orientation; a landscape
    # photo is scaled to the page width instead.
    layout = img2pdf.get_layout_fun(LETTER, fit=img2pdf.FitMode.into, auto_orient=False)
    try:
        data = img2pdf.convert(str(path), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid,
                               nodate=True, engine=img2pdf.Engine.internal)
    except Exception as first:  # noqa: BLE001 - img2pdf raises many kinds for what it cannot embed
        # Alpha channels, 16-bit or palette quirks: re-encode losslessly as PNG and retry.
        try:
            data = img2pdf.convert(_lossless_png(path), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid,
                                   nodate=True, engine=img2pdf.Engine.internal)
        except Exception as exc:  # any failure here means an unusable image
            raise InputFileError(f"{label} is not an image pdpacket can read ({first}): "
                                 "open it and save it again as JPEG or PNG") from exc
    return data


def _lossless_png(path: Path) -> bytes:
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
                rgba = img.convert("RGBA")
                flat = Image.new("RGB", img.size, (255, 255, 255))  # transparency on white paper
                flat.paste(rgba, mask=rgba.split()[-1])
            elif img.mode in ("I;16", "I"):
                flat = img.point(lambda v: v / 256).convert("L")
            else:
                flat = img.convert("RGB" if img.mode in ("P", "CMYK") else img.mode)
            buf = io.BytesIO()
            flat.save(buf, format="PNG")
            return buf.getvalue()
    except (UnidentifiedImageError, OSError) as exc:
        raise InputFileError(f"{path.name} is not a readable image: {exc}") from exc
