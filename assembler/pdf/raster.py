"""Poppler's command-line tools: a page as pixels (pdftoppm), a page's words with their boxes (pdftotext).

Used to place a page code where the page is blank, checked on the page as a
viewer draws it (vector lines and images count, not only text).
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from assembler.errors import MissingDependencyError

TIMEOUT = 120  # seconds: a few pages at low resolution take well under one
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise MissingDependencyError(f"{name} (poppler-utils) is not installed: install it "
                                     "(`apt-get install poppler-utils`, or `make system-deps`)")
    return found


def render_gray(pdf: Path, dpi: int) -> list[Image.Image]:
    """Every page of `pdf` as an 8-bit gray image at `dpi`."""
    with tempfile.TemporaryDirectory(prefix="pdpacket-raster-") as tmp:
        subprocess.run([_tool("pdftoppm"), "-gray", "-r", str(dpi), "-png", str(pdf), f"{tmp}/p"],
                       check=True, capture_output=True, timeout=TIMEOUT)
        images = []
        for path in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            with Image.open(path) as im:
                images.append(im.convert("L"))
        return images


def render_pages(pdf: Path, dpi: int, folder: Path, first: int | None = None, last: int | None = None) -> list[Path]:
    """Pages of `pdf` (all, or `first` to `last`, from 1) as 8-bit gray PNG files in `folder`, in order: a long
    scan is opened one page at a time, not held in memory whole."""
    pages = ["-f", str(first)] if first else []
    pages += ["-l", str(last)] if last else []
    subprocess.run([_tool("pdftoppm"), "-gray", "-r", str(dpi), *pages, "-png", str(pdf), f"{folder}/p"],
                   check=True, capture_output=True, timeout=TIMEOUT)
    return sorted(folder.glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


@dataclass(frozen=True)
class Word:
    """A word of a page, in points from the page's top left corner (as pdftotext gives them)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def words(pdf: Path) -> list[list[Word]]:
    """The words of every page of `pdf`, in reading order."""
    done = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          timeout=TIMEOUT)
    pages = []
    for chunk in done.stdout.decode("utf-8", "replace").split("<page ")[1:]:
        pages.append([Word(float(a), float(b), float(c), float(d), html.unescape(t))
                      for a, b, c, d, t in _WORD.findall(chunk)])
    return pages
