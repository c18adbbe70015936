"""Turn each exhibit file into a PDF the assembler can merge.

PDFs are used as they are (after checking they open); photos and scans go
through img2pdf, which embeds JPEGs without re-encoding and honours EXIF
orientation, fitted to a Letter page; Word and OpenDocument files are left for
the one LibreOffice run of the build.
"""
from __future__ import annotations

import io
from pathlib import Path

import img2pdf
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from assembler.errors import InputFileError

LETTER = (img2pdf.in_to_pt(8.5), img2pdf.in_to_pt(11))
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
OFFICE_SUFFIXES = {".docx", ".odt"}


def open_pdf(path: Path, label: str) -> PdfReader:
    """A reader for an exhibit PDF, or one clear error saying what is wrong and how to fix it."""
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise FileNotDecryptedError("password required")
            except FileNotDecryptedError:
                raise InputFileError(
                    f"{label} is protected by a password: save an unprotected copy, e.g. "
                    f"`qpdf --decrypt --password=PASSWORD '{path.name}' unlocked.pdf`, and name that file") from None
        if len(reader.pages) == 0:
            raise InputFileError(f"{label} has no pages: export the document again")
        return reader
    except InputFileError:
        raise
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as exc:
        raise InputFileError(f"{label} is damaged and cannot be read ({exc}): export or scan it again") from exc


def image_to_pdf(path: Path, out: Path, label: str) -> Path:
    # Portrait Letter whatever the photo: the filing keeps one orientation; a landscape
    # photo is scaled to the page width instead.
    layout = img2pdf.get_layout_fun(LETTER, fit=img2pdf.FitMode.into, auto_orient=False)
    try:
        data = img2pdf.convert(str(path), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid,
                               nodate=True, engine=img2pdf.Engine.internal)
    except (img2pdf.ImageOpenError, img2pdf.AlphaChannelError, ValueError, Exception) as first:
        # Alpha channels, 16-bit or palette quirks: re-encode losslessly as PNG and retry.
        try:
            data = img2pdf.convert(_lossless_png(path), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid,
                                   nodate=True, engine=img2pdf.Engine.internal)
        except Exception as exc:  # noqa: BLE001 - any failure here means an unusable image
            raise InputFileError(f"{label} is not an image pdpacket can read ({first}): "
                                 "open it and save it again as JPEG or PNG") from exc
    out.write_bytes(data)
    return out


def _lossless_png(path: Path) -> bytes:
    try:
        with Image.open(path) as img:
            frames = []
            img.load()
            mode = "RGB" if img.mode in ("RGBA", "LA", "P", "I;16", "I", "CMYK") else img.mode
            if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
                base = Image.new("RGB", img.size, (255, 255, 255))
                base.paste(img.convert("RGBA"), mask=img.convert("RGBA").split()[-1])
                frames.append(base)
            elif img.mode in ("I;16", "I"):
                frames.append(img.point(lambda v: v / 256).convert("L"))
            else:
                frames.append(img.convert(mode))
            buf = io.BytesIO()
            frames[0].save(buf, format="PNG")
            return buf.getvalue()
    except (UnidentifiedImageError, OSError) as exc:
        raise InputFileError(f"{path.name} is not a readable image: {exc}") from exc
