"""Exhibits of every supported kind end up right in the filing."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from conftest import SAMPLES, minimal, write_case
from pdfread import outline_titles, page_texts


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


def test_exif_rotation_is_honoured(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    # Pixels stored portrait (as a phone held sideways saves them), EXIF says: turn 90 degrees.
    img = Image.new("RGB", (600, 1000), (200, 50, 50))
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(folder / "sideways.jpg", exif=exif, quality=80)
    Image.new("RGB", (600, 1000), (50, 50, 200)).save(folder / "upright.jpg", quality=80)
    filing, manifest = _build_with(run, tmp_path, {"sideways.jpg": "Sideways", "upright.jpg": "Upright"})
    (sideways,) = _exhibit_pages(filing, manifest, 0)
    (upright,) = _exhibit_pages(filing, manifest, 1)
    assert _landscape(sideways)
    assert not _landscape(upright)


def test_a_sample_phone_photo_fits_a_letter_page(sample_copy, run, tmp_path):
    folder = sample_copy("1-garcia-lopez")
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    import json
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    filing = next((tmp_path / "out").glob("*.pdf"))
    photo_index = next(i for i, s in enumerate(s for s in manifest["sections"] if s["tab"])
                       if s["title"].startswith("Photograph, García family"))
    (page,) = _exhibit_pages(filing, manifest, photo_index)
    sizes = sorted((round(float(page.cropbox.width)), round(float(page.cropbox.height))))
    assert sizes == [612, 792]
    assert _landscape(page)


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


def test_inputs_own_bookmarks_and_form_fields_are_not_carried_over(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    c = canvas.Canvas(str(folder / "form.pdf"), invariant=1)
    c.drawString(72, 700, "A form with a field")
    c.bookmarkPage("p1")
    c.addOutlineEntry("Inner bookmark of the exhibit", "p1")
    c.acroForm.textfield(name="applicant", x=72, y=600, width=200, height=20, value="typed")
    c.showPage()
    c.save()
    assert PdfReader(folder / "form.pdf").get_fields()
    filing, manifest = _build_with(run, tmp_path, {"form.pdf": "Form"})
    reader = PdfReader(filing)
    assert "/AcroForm" not in reader.trailer["/Root"]
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/Widget"
    titles = str(outline_titles(filing))
    assert "Inner bookmark" not in titles
    assert "A form with a field" in " ".join(page_texts(filing))
