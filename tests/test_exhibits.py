"""Exhibits of every supported kind end up right in the filing."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from helpers import SAMPLES, minimal, outline_titles, write_case

pytestmark = pytest.mark.libreoffice


def _build_with(run, tmp_path, files: dict[str, str]) -> tuple[Path, dict]:
    """Build a case whose exhibits are the given {file name: title}; return the filing and manifest."""
    import json
    folder = tmp_path / "c"
    data = minimal()
    data["exhibits"] = [{"id": f"x{i}", "file": name, "title": title} for i, (name, title) in enumerate(files.items())]
    write_case(folder, data)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    return next((tmp_path / "out").glob("*.pdf")), json.loads((tmp_path / "out" / "manifest.json").read_text())


def _exhibit_pages(filing: Path, manifest: dict, index: int):
    section = [s for s in manifest["sections"] if s["tab"]][index]
    part = next(p for p in section["parts"] if p["kind"] == "exhibit")
    pages = PdfReader(filing).pages
    return [pages[n - 1] for n in range(part["first_page"], part["last_page"] + 1)]


def _landscape(page) -> bool:
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    if page.rotation % 180:
        width, height = height, width
    return width > height


def _drawn_box(filing: Path, page_number: int, color) -> tuple[int, int]:
    """Width and height, in pixels, of the area of `color` on a rendered page."""
    import subprocess

    from PIL import Image
    prefix = filing.parent / f"page{page_number}"
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", str(page_number), "-l", str(page_number),
                    "-singlefile", str(filing), str(prefix)], check=True)
    img = Image.open(f"{prefix}.png").convert("RGB")
    pixels = img.load()
    mask = Image.new("L", img.size)
    marks = mask.load()
    for x in range(img.width):
        for y in range(img.height):
            if all(abs(a - b) < 40 for a, b in zip(pixels[x, y], color)):
                marks[x, y] = 255
    left, top, right, bottom = mask.getbbox()
    return right - left, bottom - top


def test_exif_rotation_is_honoured(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    # Pixels stored portrait (as a phone held sideways saves them), EXIF says: turn 90 degrees.
    img = Image.new("RGB", (600, 1000), (200, 50, 50))
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(folder / "sideways.jpg", exif=exif, quality=80)
    Image.new("RGB", (600, 1000), (200, 50, 50)).save(folder / "upright.jpg", quality=80)
    filing, manifest = _build_with(run, tmp_path, {"sideways.jpg": "Sideways", "upright.jpg": "Upright"})
    sections = [s for s in manifest["sections"] if s["tab"]]
    pages = [next(p for p in s["parts"] if p["kind"] == "exhibit")["first_page"] for s in sections]
    for page in _exhibit_pages(filing, manifest, 0) + _exhibit_pages(filing, manifest, 1):
        assert not _landscape(page) and round(float(page.cropbox.width)) == 612  # one orientation
    width, height = _drawn_box(filing, pages[0], (200, 50, 50))
    assert width > height  # shown as the phone's owner saw it
    width, height = _drawn_box(filing, pages[1], (200, 50, 50))
    assert height > width


def test_png_with_transparency_tiff_and_16_bit_png(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    Image.new("RGBA", (400, 300), (0, 128, 0, 100)).save(folder / "alpha.png")
    Image.new("RGB", (400, 300), (10, 20, 30)).save(folder / "scan.tif", compression="tiff_lzw")
    Image.new("I;16", (300, 400), 30000).save(folder / "deep.png")
    filing, manifest = _build_with(run, tmp_path, {"alpha.png": "Alpha", "scan.tif": "Scan", "deep.png": "Deep"})
    for i in range(3):
        pages = _exhibit_pages(filing, manifest, i)
        assert len(pages) == 1 and pages[0].images, i


def test_docx_and_odt_exhibits_go_through_libreoffice(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(SAMPLES / "1-garcia-lopez" / "exhibits" / "church-letter.docx", folder / "letter.docx")
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
                    "--convert-to", "odt", "--outdir", str(folder), str(folder / "letter.docx")],
                   check=True, capture_output=True, timeout=120)
    (folder / "letter.odt").rename(folder / "same-name.odt")
    shutil.copy(folder / "letter.docx", folder / "same-name.docx")  # same base name: must not collide
    filing, manifest = _build_with(run, tmp_path, {"letter.docx": "Word letter", "same-name.odt": "ODT letter",
                                                   "same-name.docx": "Word again"})
    for i in range(3):
        text = " ".join(p.extract_text() for p in _exhibit_pages(filing, manifest, i))
        assert "St. Brendan Community Church" in text and "food pantry" in text


def test_an_exhibits_own_bookmarks_and_form_fields_are_dropped_and_filled_values_stay_visible(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    c = canvas.Canvas(str(folder / "form.pdf"), invariant=1)
    c.drawString(72, 700, "Form I-000 (synthetic)")
    c.bookmarkPage("p1")
    c.addOutlineEntry("Inner bookmark of the exhibit", "p1")
    c.acroForm.textfield(name="applicant", x=72, y=600, width=250, height=20, value="Typed Applicant Name")
    c.showPage()
    c.save()
    assert PdfReader(folder / "form.pdf").get_fields()
    filing, manifest = _build_with(run, tmp_path, {"form.pdf": "Form"})
    reader = PdfReader(filing)
    assert "/AcroForm" not in reader.trailer["/Root"]
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/Widget"
    assert "Inner bookmark" not in str(outline_titles(filing))
    (page,) = _exhibit_pages(filing, manifest, 0)
    text = page.extract_text()
    assert "Form I-000 (synthetic)" in text and "Typed Applicant Name" in text  # the value, flattened


def test_pages_of_every_shape_become_upright_letter_pages_without_losing_content(run, tmp_path):
    from pypdf import PdfWriter
    from pypdf.generic import RectangleObject
    from reportlab.lib.pagesizes import A4, landscape, legal, letter
    folder = tmp_path / "c"
    folder.mkdir()
    shapes = {"a4": A4, "legal": legal, "landscape": landscape(letter), "rot90": letter, "rot270": A4,
              "cropped": letter}
    c = canvas.Canvas(str(folder / "mixed.pdf"), invariant=1)
    for name, size in shapes.items():
        c.setPageSize(size)
        c.setFont("Helvetica", 10)
        c.drawString(80, 90, f"corner text of {name}")  # near the bottom left corner
        c.drawString(size[0] - 200, size[1] - 60, f"top right of {name}")
        c.showPage()
    c.save()
    w = PdfWriter(clone_from=folder / "mixed.pdf")
    w.pages[3].rotate(90)
    w.pages[4].rotate(270)
    w.pages[5].cropbox = RectangleObject([60, 70, 560, 760])
    with open(folder / "mixed.pdf", "wb") as fh:
        w.write(fh)
    filing, manifest = _build_with(run, tmp_path, {"mixed.pdf": "Mixed shapes"})
    pages = _exhibit_pages(filing, manifest, 0)
    assert len(pages) == 6
    for page, name in zip(pages, shapes):
        assert (round(float(page.cropbox.width)), round(float(page.cropbox.height))) == (612, 792), name
        assert page.rotation % 360 == 0
        text = page.extract_text()
        assert f"corner text of {name}" in text and f"top right of {name}" in text, name
