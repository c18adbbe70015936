"""Exhibit files from the browser, and pictures of their first pages.

An upload is written to a private folder inside exhibits/, checked the way
`validate` checks every file a case names (kind by content, not empty), and
only then linked under its final name; a link never replaces a file that is
already there (two people uploading `lease.pdf` at once: one of them is told).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from assembler import api
from assembler.casefile.rules import EXHIBIT_KINDS, FORM_KINDS
from assembler.vocab import MB

UPLOAD_LIMIT_MB = 100  # per request; the court's 25 MB is for the whole filing, which pdpacket checks
EXHIBITS_DIR = "exhibits"
FORM_SLOT = "form"  # an upload to a form's file: store(slot=...)
THUMB_WIDTH = 240


class UploadRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_name(name: str) -> str:
    """A file name that works everywhere: accents dropped, unusual characters replaced, no folders."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base)
    base = "".join(c for c in base if not unicodedata.combining(c))
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = re.sub(r"[^A-Za-z0-9_()-]+", "-", stem).strip("-.")[:100]
    ext = re.sub(r"[^A-Za-z0-9]", "", ext).lower()
    return f"{stem or 'exhibit'}.{ext}" if ext else (stem or "exhibit")


@dataclass
class Stored:
    name: str  # as the case file names it: exhibits/<file>
    size: int


def store(case_dir: Path, filename: str, chunks, limit_mb: int | None = None, slot: str = "") -> Stored:
    """Write an uploaded file into CASE/exhibits/, or raise UploadRefused saying why (nothing is left behind).
    `slot` "form": uploaded to a form's file (the Forms section), which takes a PDF or a picture of the signed
    form, not a Word file: refused here rather than left behind for validate to refuse (the web walk's JPEG)."""
    limit_mb = limit_mb or UPLOAD_LIMIT_MB
    name = clean_name(filename)
    ext = Path(name).suffix.lower()
    if slot == FORM_SLOT and ext not in FORM_KINDS:
        raise UploadRefused(f"'{filename}' is not a kind of file a form can be: use a PDF, or a scan or photo of "
                            "the signed form (JPEG, PNG, TIFF or HEIC)")
    if ext not in EXHIBIT_KINDS:
        raise UploadRefused(f"'{filename}' is not a kind of file a filing can hold: use "
                            f"{', '.join(sorted(set(EXHIBIT_KINDS)))}")
    folder = case_dir / EXHIBITS_DIR
    if folder.is_symlink():
        raise UploadRefused(f"{folder} is a link: make it a plain folder")
    folder.mkdir(exist_ok=True)
    relative = f"{EXHIBITS_DIR}/{name}"
    final = folder / name
    if final.exists() or final.is_symlink():
        raise UploadRefused(f"the file {name} is already among the case's files: to use it, add an exhibit and choose it in its "
                            "File field; for a newer copy, rename or delete the old one under \"Rename or delete "
                            "exhibit files\", or rename your file")
    private = Path(tempfile.mkdtemp(prefix=".upload-", dir=folder))
    try:
        staged = private / name
        size = 0
        with open(staged, "wb") as fh:
            for chunk in chunks:
                size += len(chunk)
                if size > limit_mb * MB:
                    raise UploadRefused(f"'{filename}' is over {limit_mb} MB: scan it at a lower resolution or "
                                        "split it into parts")
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        problem = api.check_exhibit_file(case_dir, f"{EXHIBITS_DIR}/{private.name}/{name}")
        if problem:
            raise UploadRefused(problem.replace(f"{EXHIBITS_DIR}/{private.name}/{name}", filename))
        try:
            os.link(staged, final)  # fails if the name was taken meanwhile: never overwrites
        except FileExistsError:
            raise UploadRefused(f"the file {name} was just added by someone else: rename your file") from None
        return Stored(relative, size)
    finally:
        shutil.rmtree(private, ignore_errors=True)


async def receive(item, target: Path, limit_mb: int) -> int:
    """A form's uploaded file (Starlette's UploadFile) written to `target`, read a megabyte at a time; its
    size, or UploadRefused when it grows over `limit_mb` (the caller's folder is removed with what is there)."""
    size = 0
    with open(target, "wb") as fh:
        while chunk := await item.read(1024 * 1024):
            size += len(chunk)
            if size > limit_mb * MB:
                raise UploadRefused(f"the file is over {limit_mb} MB")
            fh.write(chunk)
    return size


def case_files(case_dir: Path) -> list[str]:
    """The files in exhibits/ that a case can name, as it names them."""
    folder = case_dir / EXHIBITS_DIR
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(f"{EXHIBITS_DIR}/{p.name}" for p in folder.iterdir()
                  if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
                  and p.suffix.lower() in EXHIBIT_KINDS)


# --- thumbnails -----------------------------------------------------------------------------------

_cache: OrderedDict[tuple, bytes | None] = OrderedDict()
_cache_lock = threading.Lock()


def thumbnail(path: Path) -> bytes | None:
    """A PNG of the first page (PDF) or of the picture; None for Word files and what cannot be read."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    png = _render(path)
    with _cache_lock:
        _cache[key] = png
        while len(_cache) > 300:
            _cache.popitem(last=False)
    return png


def _render(path: Path) -> bytes | None:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        pdftoppm = shutil.which("pdftoppm")
        if not pdftoppm:
            return None
        try:
            done = subprocess.run([pdftoppm, "-png", "-f", "1", "-l", "1", "-scale-to", str(THUMB_WIDTH),
                                   "-singlefile", str(path)], capture_output=True, timeout=30, check=False)
        except subprocess.TimeoutExpired:
            return None
        return done.stdout if done.returncode == 0 and done.stdout.startswith(b"\x89PNG") else None
    if suffix in (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".heif"):
        from PIL import Image, ImageOps, UnidentifiedImageError
        if suffix in (".heic", ".heif"):
            from pillow_heif import register_heif_opener
            register_heif_opener()
        try:
            with Image.open(path) as opened:
                im = ImageOps.exif_transpose(opened) or opened
                im.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
                out = io.BytesIO()
                im.convert("RGB").save(out, "PNG")
                return out.getvalue()
        except (OSError, UnidentifiedImageError, ValueError):
            return None
    return None
