"""OCR of scanned exhibits (issue 24 point 1): an invisible text layer on each page without text, in the
exhibit's language plus English, cached, deterministic, never changing how a page looks.

The suite runs with PDPACKET_OCR=off (conftest.py); these tests turn it on for their own builds. Tesseract
costs seconds a page: the tests that run it are marked slow, and use few pages."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

from assembler.convert import ocr as ocr_module
from assembler.convert.cache import Cache
from assembler.convert.ocr import Ocr
from assembler.pdf import preflight
from helpers import minimal, write_case
from test_pdf_validity import poppler_complaints

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
SOURCE = ("The respondent has lived in Queens since two thousand three and has raised two children who are "
          "citizens of the United States. Her employer writes that she is reliable and honest, and her church "
          "describes years of volunteer work at the food pantry on Junction Boulevard.")
PHOTO = "Saint Leo parish certifies that the family attends Sunday mass and helps at the shelter every winter."
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _page_image(size: tuple[int, int], text: str, font_size: int) -> Image.Image:
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, font_size)
    y, line = size[1] // 12, ""
    for word in text.split():
        if draw.textlength(line + word, font=font) > size[0] * 0.8:
            draw.text((size[0] // 10, y), line, font=font, fill=0)
            y, line = y + int(font_size * 1.6), ""
        line += word + " "
    draw.text((size[0] // 10, y), line, font=font, fill=0)
    return img


def scan_pdf(path: Path, text: str = SOURCE) -> Path:
    """A text page rendered to a 300 dpi image and wrapped as a PDF: what a scanner gives."""
    png = path.with_suffix(".png")
    _page_image((2550, 3300), text, 42).save(png, dpi=(300, 300))
    path.write_bytes(img2pdf.convert(str(png), layout_fun=img2pdf.get_layout_fun((612, 792)), nodate=True))
    return path


def phone_photo(path: Path, text: str = SOURCE) -> Path:
    """A 12-megapixel JPEG of a page, greyish and a little noisy, as a phone takes it."""
    img = _page_image((3000, 4000), text, 60).point(lambda v: 40 + v * 0.7).convert("RGB")
    img.save(path, format="JPEG", quality=85)
    return path


def _ocr(work: Path, cache: Cache | None = None) -> Ocr:
    return Ocr(work, cache, page_timeout=120)


# --- languages (no Tesseract run) ----------------------------------------------------------------------

def test_language_names_map_to_tesseract_codes():
    assert ocr_module.language_code("Spanish") == "spa"
    assert ocr_module.language_code("haitian-creole") == "hat"
    assert ocr_module.language_code("Portuguese") == "por"
    assert ocr_module.language_code("Mam", {"Mam": "spa"}) == "spa"
    assert ocr_module.language_code("Klingon") is None


def test_a_missing_language_pack_is_named_with_its_install_line(monkeypatch, tmp_path):
    monkeypatch.setattr(ocr_module, "tesseract_languages", lambda: frozenset({"eng", "spa", "osd"}))
    codes, notices = _ocr(tmp_path).languages("Korean", "exhibit letter (ex/letter.pdf)")
    assert codes == ("eng",)  # OCR goes on with what is installed
    assert len(notices) == 1
    assert notices[0].startswith("exhibit letter (ex/letter.pdf) is in Korean")
    assert "`apt-get install tesseract-ocr-kor`" in notices[0]
    codes, notices = _ocr(tmp_path).languages("Spanish", "exhibit acta")
    assert (codes, notices) == (("spa", "eng"), [])  # the exhibit's own language first, English too


def test_an_unknown_language_name_says_how_to_name_its_code(monkeypatch, tmp_path):
    monkeypatch.setattr(ocr_module, "tesseract_languages", lambda: frozenset({"eng"}))
    codes, notices = _ocr(tmp_path).languages("Klingon", "exhibit x")
    assert codes == ("eng",)
    assert "ocr.languages: {Klingon: CODE}" in notices[0]


def test_no_tesseract_is_one_warning_and_no_ocr(monkeypatch, tmp_path):
    monkeypatch.setattr(ocr_module, "tesseract_languages", lambda: frozenset())
    ocr = _ocr(tmp_path)
    first = ocr.submit("a", scan_pdf(tmp_path / "a.pdf"), "exhibit a", "English", 1)
    second = ocr.submit("b", tmp_path / "a.pdf", "exhibit b", "English", 1)
    assert len(first) == 1 and "apt-get install tesseract-ocr tesseract-ocr-eng" in first[0] and second == []
    assert ocr.take("a") is None  # nothing read: the exhibit goes in as it was


# --- reading (Tesseract runs: seconds a page) -------------------------------------------------------------

def _render(pdf: Path, out: Path) -> bytes:
    subprocess.run(["pdftoppm", "-r", "60", "-gray", "-f", "1", "-l", "1", str(pdf), str(out)], check=True)
    return next(out.parent.glob(out.name + "*")).read_bytes()


@pytest.mark.slow
@needs_tesseract
def test_ocr_adds_invisible_text_same_look_same_bytes_and_caches(tmp_path):
    scan = scan_pdf(tmp_path / "scan.pdf")
    cache = Cache(tmp_path / "cache", 50 * 1024 * 1024)
    with _ocr(tmp_path / "w1", cache) as ocr:
        assert ocr.submit("k", scan, "exhibit scan", "English", 1) == []
        ocr.start()
        read = ocr.take("k")
    assert read is not None and read.pdf != scan and read.notices == ()
    text = PdfReader(read.pdf).pages[0].extract_text()
    found = set(_words(text))
    assert len([w for w in _words(SOURCE) if w in found]) >= 0.95 * len(_words(SOURCE))
    assert preflight.has_text(PdfReader(read.pdf).pages[0]) and not preflight.has_text(PdfReader(scan).pages[0])
    assert _render(read.pdf, tmp_path / "after") == _render(scan, tmp_path / "before")  # invisible
    # Read again without the cache: the same bytes (no random names, no dates).
    with _ocr(tmp_path / "w2") as again:
        again.submit("k", scan, "exhibit scan", "English", 1)
        assert again.take("k").pdf.read_bytes() == read.pdf.read_bytes()
    # With the cache: no worker at all.
    with _ocr(tmp_path / "w3", cache) as cached:
        cached.submit("k", scan, "exhibit scan", "English", 1)
        assert cached._proc is None and cached.take("k").pdf.read_bytes() == read.pdf.read_bytes()


def _group_alive(pgid: int) -> bool:
    """Whether a live process (not a zombie: the machine's init reaps those when it will) is in the group."""
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


@pytest.mark.slow
@needs_tesseract
def test_closing_stops_the_worker_and_its_tesseracts(tmp_path):
    ocr = _ocr(tmp_path)
    ocr.submit("k", scan_pdf(tmp_path / "scan.pdf"), "exhibit scan", "English", 1)
    ocr.start()
    assert ocr._proc is not None
    pgid = ocr._proc.pid
    time.sleep(1.0)  # OCRmyPDF imported, Tesseract starting
    ocr.close()
    assert not _group_alive(pgid)


# --- a filing (LibreOffice) --------------------------------------------------------------------------------

@pytest.fixture
def ocr_on(monkeypatch):
    monkeypatch.setenv("PDPACKET_OCR", "on")


def _case_with_scans(folder: Path) -> Path:
    data = minimal()
    data["exhibits"] = [{"id": "scan", "file": "ex/scan.pdf", "title": "Letter of the employer (scan)"},
                        {"id": "photo", "file": "ex/photo.jpg", "title": "Letter of the church (phone photo)"}]
    write_case(folder, data)
    (folder / "ex").mkdir()
    scan_pdf(folder / "ex" / "scan.pdf")
    phone_photo(folder / "ex" / "photo.jpg", PHOTO)
    return folder


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_tesseract
def test_scans_and_phone_photos_become_searchable_in_the_filing(run, tmp_path, ocr_on):
    case = _case_with_scans(tmp_path / "c")
    first = run("build", case, "-o", tmp_path / "out1")
    assert first.code == 0, first.err
    filing = next((tmp_path / "out1").glob("*.pdf"))
    text = subprocess.run(["pdftotext", str(filing), "-"], capture_output=True, text=True, check=True).stdout
    found = set(_words(text))
    source = _words(SOURCE)
    assert len([w for w in source if w in found]) >= 0.95 * len(source)  # the clean scan
    assert len([w for w in _words(PHOTO) if w in found]) >= 0.8 * len(_words(PHOTO))  # the phone photo
    fonts = subprocess.run(["pdffonts", str(filing)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts  # every font embedded (emb column)
    assert "has no searchable text" not in first.err
    manifest = json.loads((tmp_path / "out1" / "manifest.json").read_text())
    assert manifest["filing"]["image_bytes_saved"] > 0  # the phone photo, downsampled to 300 dpi
    assert "not fully PDF/A" not in first.err  # the text layers' font is embedded: the filing stays PDF/A-2b
    assert poppler_complaints(filing) == []
    with pikepdf.open(filing) as pdf:
        assert pdf.check_pdf_syntax() == [] and pdf.open_metadata()["pdfaid:part"] == "2"
    # The same inputs, again: a byte-identical filing.
    second = run("build", case, "-o", tmp_path / "out2")
    assert second.code == 0, second.err
    assert filing.read_bytes() == next((tmp_path / "out2").glob("*.pdf")).read_bytes()
    # --no-ocr: the scans stay pictures, and the build says so by exhibit and page.
    plain = run("build", case, "-o", tmp_path / "out3", "--no-ocr")
    assert plain.code == 0, plain.err
    assert "exhibit scan (ex/scan.pdf), filing page" in plain.err and "has no searchable text" in plain.err


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_tesseract
def test_the_sample_with_a_scanned_spanish_letter_is_searchable_in_both_languages(run, tmp_path, ocr_on):
    from helpers import SAMPLES, copy_firm_settings

    copy_firm_settings(tmp_path)
    case = tmp_path / "4-quispe-board"
    shutil.copytree(SAMPLES / "4-quispe-board", case)
    assert not preflight.has_text(PdfReader(case / "exhibits" / "carta-de-la-iglesia.pdf").pages[0])  # a scan
    result = run("build", case, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    filing = next((tmp_path / "out").glob("*.pdf"))
    text = subprocess.run(["pdftotext", str(filing), "-"], capture_output=True, text=True, check=True).stdout
    assert "voluntaria de nuestra parroquia" in text and "párroco" in text  # the scan, read in Spanish
    assert "coordinates the food program" in text  # its translation
    check = run("check", filing)
    assert "searchable: 21 of 21 pages" in check.out, check.out


def _live_cmdlines(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if text in cmdline:
            found.append(cmdline[:200])
    return found


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_tesseract
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_during_ocr_stops_the_worker_and_tesseract_and_leaves_nothing(tmp_path, sig):
    import signal
    import sys

    from assembler import stopping

    folder = tmp_path / "c"
    data = minimal()
    data["exhibits"] = [{"id": f"s{i}", "file": f"ex/s{i}.pdf", "title": f"Scan {i}"} for i in range(4)]
    write_case(folder, data)
    (folder / "ex").mkdir()
    for i in range(4):
        scan_pdf(folder / "ex" / f"s{i}.pdf", f"Page {i}. " + SOURCE)
    private = tmp_path / "tmp"
    private.mkdir()
    env = {**os.environ, "PDPACKET_OCR": "on", "PDPACKET_CACHE": "off", "TMPDIR": str(private),
           "PDPACKET_LEDGER": str(tmp_path / "ledger.db")}
    proc = subprocess.Popen([sys.executable, "-m", "assembler", "build", str(folder), "-o", str(tmp_path / "out"),
                             "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _live_cmdlines(f"pdpacket-{proc.pid}-"):
        time.sleep(0.1)
    reading: list[str] = []
    while time.monotonic() < deadline and not reading:
        reading = [c for c in _live_cmdlines(f"pdpacket-{proc.pid}-") if "ocr_worker" in c or "tesseract" in c]
        time.sleep(0.05)
    assert reading and proc.poll() is None, "the build ended before its OCR could be stopped"
    signum = getattr(signal, sig)
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{sig} did not end the build during OCR")
    assert proc.returncode == stopping.SIGNAL_EXIT[signum], err
    assert "Traceback" not in err
    time.sleep(0.5)
    assert _live_cmdlines(f"pdpacket-{proc.pid}-") == []  # no worker, no Tesseract
    assert list(private.iterdir()) == []  # no run folder, no OCR temporary files
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.slow
@needs_tesseract
def test_downsampling_a_phone_photo_to_300_dpi_loses_no_word_ocr_reads(tmp_path):
    from assembler.convert import exhibits

    photo = phone_photo(tmp_path / "photo.jpg", PHOTO)
    fitted, saved = exhibits.fit_image(photo, tmp_path / "fit", dpi=300, quality=85)
    assert saved > 0
    found = {}
    with _ocr(tmp_path / "w") as ocr:
        for name, image in (("before", photo), ("after", fitted)):
            ocr.submit(name, exhibits.image_to_pdf(image, tmp_path / f"{name}.pdf", name), name, "English", 1)
        ocr.start()
        for name in ("before", "after"):
            read = ocr.take(name)
            found[name] = set(_words(PdfReader(read.pdf).pages[0].extract_text())) & set(_words(PHOTO))
    assert found["after"] >= found["before"], found["before"] - found["after"]
