"""PDF exhibits holding oversized scans are brought down to the settings' resolution before the filing is
put together (issue 24 point 2): a 600-dpi colour scan or a 12-megapixel photo wrapped as a PDF is 300 dpi
on its Letter page, smaller, reads the same words, and no longer splits a filing that need not be split.
Text, vector content, bilevel images and masks stay as they were; a damaged image is a warning, never a crash.

Inputs are made here: a text page drawn at 600 dpi in colour with a scanner's noise, JPEG or lossless,
wrapped as a PDF with img2pdf; a phone photo wrapped without a page size (img2pdf's 96 dpi page, 31 x 42
inches, which the filing scales onto Letter)."""
from __future__ import annotations

import hashlib
import io
import json
import random
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from assembler.convert import compress
from assembler.convert.cache import Cache

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
TEXT = ("The civil registry of the municipality of San Pedro Sula certifies that the birth of the child was "
        "recorded on the fourteenth of March in the book of births, folio two hundred and six, entry number "
        "four hundred and twelve, at the request of the mother, who presented the hospital record.")
LETTER_IN = (8.5, 11)
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
                                     reason="Tesseract or poppler-utils is not installed")


def page_image(size: tuple[int, int], noise: int = 8, colour: bool = True) -> Image.Image:
    """A page of TEXT at `size` pixels on off-white paper, with a scanner's noise (deterministic)."""
    img = Image.new("RGB" if colour else "L", size, (250, 247, 238) if colour else 250)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, size[0] // 55)
    y, line = size[1] // 12, ""
    for word in (TEXT + " " + TEXT).split():
        if draw.textlength(line + word, font=font) > size[0] * 0.8:
            draw.text((size[0] // 10, y), line, font=font, fill=(25, 30, 60) if colour else 20)
            y, line = y + size[0] // 30, ""
        line += word + " "
    draw.text((size[0] // 10, y), line, font=font, fill=(25, 30, 60) if colour else 20)
    if noise:
        grain = Image.frombytes("L", size, random.Random(24).randbytes(size[0] * size[1]))
        grain = grain.point(lambda v: 128 - noise + v * 2 * noise // 256)
        img = ImageChops.add(img, Image.merge("RGB", (grain,) * 3) if colour else grain, 1, -128)
    return img


def scan_pdf(path: Path, dpi: int = 600, fmt: str = "JPEG", noise: int = 8, colour: bool = True,
             inches: tuple[float, float] = LETTER_IN, quality: int = 90) -> Path:
    """A page of `inches` scanned at `dpi`, as a scanner's PDF: the image fills the page (smaller than
    Letter: the filing centres it, never enlarged, so its dpi stays; the tests that need no full page
    use a small one, for speed)."""
    buf = io.BytesIO()
    size = (round(inches[0] * dpi), round(inches[1] * dpi))
    page_image(size, noise, colour).save(buf, format=fmt, quality=quality, dpi=(dpi, dpi))
    page = img2pdf.get_layout_fun((inches[0] * 72, inches[1] * 72))
    path.write_bytes(img2pdf.convert(buf.getvalue(), layout_fun=page, nodate=True))
    return path


def photo_pdf(path: Path) -> Path:
    """A 12-megapixel phone photo of a page wrapped as a PDF as it comes (no page size: img2pdf's default)."""
    buf = io.BytesIO()
    page_image((3000, 4000), noise=10).save(buf, format="JPEG", quality=92)
    path.write_bytes(img2pdf.convert(buf.getvalue(), nodate=True))
    return path


def images_of(pdf: Path) -> list[dict]:
    """Each image drawn on each page: its pixels, filter, and dpi on the Letter page the filing makes."""
    found = []
    with pikepdf.open(pdf) as doc:
        uses = compress.image_uses(doc)
        for objgen, use in sorted(uses.items(), key=lambda u: u[1].page):
            image = doc.get_object(objgen)
            found.append({"page": use.page, "size": (int(image.Width), int(image.Height)),
                          "filter": " ".join(compress._filters(image)), "dpi": (use.dpi_x, use.dpi_y),
                          "smask": image.get("/SMask")})
    return found


def words(text: str) -> Counter:
    return Counter(re.findall(r"[a-z]{2,}", text.lower()))


def ocr_words(pdf: Path, work: Path) -> Counter:
    """What Tesseract reads on the page as a viewer shows it (rendered by poppler at 300 dpi on Letter)."""
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-scale-to", "3300", "-gray", "-png", "-singlefile", str(pdf), str(work / "page")],
                   check=True, timeout=120)
    read = subprocess.run(["tesseract", str(work / "page.png"), "-", "-l", "eng"], capture_output=True, text=True,
                          check=True, timeout=300, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"})
    return words(read.stdout)


@pytest.fixture(scope="module")
def scans(tmp_path_factory):
    """What a client brings, full size: a Letter page scanned at 600 dpi and a 12-megapixel photo (the tests
    that read them with Tesseract or put them in a filing near its size limit)."""
    folder = tmp_path_factory.mktemp("scans")
    return {"jpeg600": scan_pdf(folder / "jpeg600.pdf"), "photo": photo_pdf(folder / "photo.pdf")}


@pytest.fixture(scope="module")
def scan600(tmp_path_factory):
    """A 600-dpi colour scan of a 2.5 x 3 inch slip (a sixteenth of a Letter page's pixels): the checks
    of what compression does to a scan need its dpi, not its size."""
    return scan_pdf(tmp_path_factory.mktemp("scan600") / "jpeg600.pdf", inches=(2.5, 3))


@pytest.fixture
def plain_images(monkeypatch):
    """reportlab writes the test's images without ASCII85 (its pure-Python encoder, without the C
    accelerator, took most of these tests' time); the streams compression reads are the same."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "useA85", 0)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- what a user relies on ----------------------------------------------------------------------------

def test_a_600_dpi_colour_scan_comes_down_to_the_setting_and_is_smaller(scan600, tmp_path):
    source = scan600
    before = sha(source)
    [original] = images_of(source)
    assert original["dpi"] == pytest.approx((600, 600), abs=1)
    done = compress.compress_pdf(source, tmp_path / "out.pdf", "exhibit birth (acta.pdf)", dpi=300, quality=85)
    assert done.pdf == tmp_path / "out.pdf" and done.images == 1 and done.notices == ()
    [image] = images_of(done.pdf)
    assert image["dpi"] == pytest.approx((300, 300), abs=1)
    assert image["size"] == (750, 900)
    assert done.bytes_saved == source.stat().st_size - done.pdf.stat().st_size > source.stat().st_size // 2
    assert sha(source) == before  # the user's file is never changed


def test_a_photo_wrapped_as_a_pdf_without_a_page_size_is_measured_on_its_letter_page(tmp_path):
    # img2pdf's default page (96 dpi: 15.6 x 20.8 inches for 1500 x 2000 pixels) is scaled onto Letter by
    # the filing: 11 inches high, 182 dpi there, brought to a setting of 150. The phone's 12 megapixels at
    # 300 dpi: test_compression_loses_no_word_tesseract_reads (slow).
    buf = io.BytesIO()
    page_image((1500, 2000), noise=10).save(buf, format="JPEG", quality=92)
    source = tmp_path / "photo.pdf"
    source.write_bytes(img2pdf.convert(buf.getvalue(), nodate=True))
    [original] = images_of(source)
    assert original["dpi"] == pytest.approx((2000 / 11, 2000 / 11), abs=1)
    done = compress.compress_pdf(source, tmp_path / "out.pdf", "exhibit photo", dpi=150, quality=85)
    [image] = images_of(done.pdf)
    assert min(image["dpi"]) == pytest.approx(150, abs=1) and min(image["dpi"]) >= 150  # never below the setting
    assert image["size"][0] / image["size"][1] == pytest.approx(0.75, abs=0.001)  # square pixels stay square
    assert done.images == 1 and done.pdf.stat().st_size < source.stat().st_size


def _drawn_twice(path: Path, noise: int) -> Path:
    img = page_image((800, 1000), noise=noise)  # 400 dpi drawn 2 x 2.5 in, 1600 dpi as a half-inch thumbnail
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.drawImage(ImageReader(img), 72, 72, width=144, height=180)
    c.drawImage(ImageReader(img), 500, 700, width=36, height=45)
    c.showPage()
    c.save()
    return path


def test_an_image_drawn_twice_is_held_to_its_larger_drawing(tmp_path, plain_images):
    done = compress.compress_pdf(_drawn_twice(tmp_path / "twice.pdf", noise=6), tmp_path / "out.pdf", "exhibit",
                                 dpi=300, quality=85)
    [image] = images_of(done.pdf)
    assert image["size"] == (600, 750) and image["dpi"] == pytest.approx((300, 300), abs=1)


def test_an_image_whose_new_stream_would_be_bigger_is_left_alone(tmp_path):
    # A JPEG compressed far harder than the setting's quality: at 85 it would weigh more, even at 300 dpi.
    path = scan_pdf(tmp_path / "hard.pdf", dpi=400, inches=(3, 4), quality=5)
    assert compress.compress_pdf(path, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85) == \
        compress.Compressed(path)


def test_a_clean_lossless_scan_stays_lossless(tmp_path):
    source = scan_pdf(tmp_path / "clean.pdf", fmt="PNG", noise=0, colour=False, inches=(4, 5))
    done = compress.compress_pdf(source, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85)
    [image] = images_of(done.pdf)
    assert image["filter"] == "/FlateDecode" and image["size"] == (1200, 1500)
    assert done.pdf.stat().st_size < source.stat().st_size


def test_a_noisy_lossless_colour_scan_becomes_jpeg(tmp_path):
    # Kept lossless at 300 dpi it would still weigh megabytes a page: what splits filings.
    source = scan_pdf(tmp_path / "noisy.pdf", dpi=400, fmt="PNG", noise=10, inches=(1.5, 2))
    done = compress.compress_pdf(source, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85)
    [image] = images_of(done.pdf)
    assert image["filter"] == "/DCTDecode" and image["dpi"] == pytest.approx((300, 300), abs=1)
    assert done.pdf.stat().st_size < source.stat().st_size / 4


def test_text_and_vector_content_are_left_exactly_as_they_were(tmp_path, plain_images):
    path = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.drawImage(ImageReader(page_image((1360, 880), noise=8)), 36, 300, width=216, height=140)  # 453 dpi
    c.setFont("Helvetica", 11)
    c.drawString(72, 120, "Certified true copy, Clerk of the Court, Harris County")
    c.setLineWidth(2)
    c.line(72, 110, 400, 110)
    c.showPage()
    c.save()
    done = compress.compress_pdf(path, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85)
    assert done.images == 1
    with pikepdf.open(path) as a, pikepdf.open(done.pdf) as b:
        assert a.pages[0].Contents.read_bytes() == b.pages[0].Contents.read_bytes()
        assert a.pages[0].Resources.Font.F1.BaseFont == b.pages[0].Resources.Font.F1.BaseFont
    from pypdf import PdfReader

    assert PdfReader(done.pdf).pages[0].extract_text() == PdfReader(path).pages[0].extract_text()


def test_a_soft_mask_is_kept_and_downsampled_with_its_image(tmp_path, plain_images):
    img = page_image((600, 600), noise=8).convert("RGBA")
    ImageDraw.Draw(img).ellipse((0, 0, 300, 300), fill=(0, 0, 0, 0))  # a transparent hole
    path = tmp_path / "masked.pdf"
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.drawImage(ImageReader(img), 72, 72, width=72, height=72, mask="auto")  # 600 dpi
    c.showPage()
    c.save()
    [before] = images_of(path)
    assert before["smask"] is not None
    done = compress.compress_pdf(path, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85)
    assert done.notices == ()
    [image] = images_of(done.pdf)
    assert image["size"] == (300, 300)
    with pikepdf.open(done.pdf) as doc:
        [xobject] = doc.pages[0].Resources.XObject.values()
        mask = xobject.SMask
        assert (int(mask.Width), int(mask.Height)) == (300, 300)
        alpha = pikepdf.PdfImage(mask).as_pil_image()
    assert alpha.getpixel((25, 25)) < 20 and alpha.getpixel((275, 275)) > 235  # the hole, still there


def test_bilevel_images_are_left_as_they_are(tmp_path):
    tiff = io.BytesIO()
    page_image((2400, 3000), noise=0, colour=False).point(lambda v: 255 if v > 128 else 0).convert("1").save(
        tiff, format="TIFF", compression="group4", dpi=(600, 600))
    path = tmp_path / "fax.pdf"
    path.write_bytes(img2pdf.convert(tiff.getvalue(), nodate=True))  # 4 x 5 in at 600 dpi
    [image] = images_of(path)
    assert image["filter"] == "/CCITTFaxDecode"
    assert compress.compress_pdf(path, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85) == \
        compress.Compressed(path)
    assert not (tmp_path / "out.pdf").exists()


def test_images_within_the_setting_or_a_setting_of_0_leave_the_file_alone(scan600, tmp_path):
    within = scan_pdf(tmp_path / "300.pdf", dpi=300)
    assert compress.compress_pdf(within, tmp_path / "a.pdf", "exhibit", dpi=300, quality=85) == \
        compress.Compressed(within)
    assert compress.compress_pdf(scan600, tmp_path / "b.pdf", "exhibit", dpi=0, quality=85) == \
        compress.Compressed(scan600)
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "b.pdf").exists()


def test_a_result_that_is_not_smaller_keeps_the_original(scan600, tmp_path, monkeypatch):
    real = compress._compress

    def bloated(data, dpi, quality):
        result, made, pages = real(data, dpi, quality)
        return result, made + b"%" * len(data), pages  # a copy bigger than the exhibit

    monkeypatch.setattr(compress, "_compress", bloated)
    assert compress.compress_pdf(scan600, tmp_path / "out.pdf", "exhibit", dpi=300, quality=85) == \
        compress.Compressed(scan600)


def test_a_damaged_image_is_left_as_it_was_with_a_warning_naming_exhibit_and_page(scan600, tmp_path):
    path = tmp_path / "damaged.pdf"
    with pikepdf.open(scan600) as good, pikepdf.new() as doc:
        doc.pages.append(good.pages[0])
        doc.pages.append(good.pages[0])
        [(name, image)] = doc.pages[1].Resources.XObject.items()
        raw = image.read_raw_bytes()
        cut = pikepdf.Stream(doc, raw[:2000] + b"\x00" * 5000)  # a scan cut short, page 2's own
        for key, value in image.items():
            if key != "/Length":
                cut[key] = value
        doc.pages[1].Resources.XObject = pikepdf.Dictionary({name: cut})
        doc.save(path, deterministic_id=True)
    done = compress.compress_pdf(path, tmp_path / "out.pdf", "exhibit birth (acta.pdf)", dpi=300, quality=85)
    assert done.images == 1  # page 1's image, downsampled
    [notice] = done.notices
    assert notice.startswith("exhibit birth (acta.pdf), page 2: an image could not be read (")
    sizes = [i["size"] for i in images_of(done.pdf)]
    assert sizes == [(750, 900), (1500, 1800)]  # page 2's as it was


def test_the_same_input_gives_the_same_bytes(tmp_path):
    source = scan_pdf(tmp_path / "small.pdf", inches=(3, 4))
    a = compress.compress_pdf(source, tmp_path / "a.pdf", "exhibit", dpi=300, quality=85)
    b = compress.compress_pdf(source, tmp_path / "b.pdf", "exhibit", dpi=300, quality=85)
    assert a.images == 1
    assert a.pdf.read_bytes() == b.pdf.read_bytes()


def test_results_come_from_the_cache_of_converted_pdfs(scan600, tmp_path, monkeypatch):
    cache = Cache(tmp_path / "cache", 100 * 1024 * 1024)
    within = scan_pdf(tmp_path / "300.pdf", dpi=300)
    first = compress.compress_pdf(scan600, tmp_path / "a.pdf", "exhibit", 300, 85, cache)
    kept = compress.compress_pdf(within, tmp_path / "c.pdf", "exhibit", 300, 85, cache)
    assert len(list((tmp_path / "cache").glob("*.pdf"))) == 2  # "nothing gained" is remembered too

    def not_again(*args):
        raise AssertionError("compressed again instead of taken from the cache")

    monkeypatch.setattr(compress, "_compress", not_again)
    second = compress.compress_pdf(scan600, tmp_path / "b.pdf", "exhibit", 300, 85, cache)
    assert second.pdf.read_bytes() == first.pdf.read_bytes()
    assert (second.images, second.bytes_saved) == (first.images, first.bytes_saved)
    assert compress.compress_pdf(within, tmp_path / "d.pdf", "exhibit", 300, 85, cache) == kept == \
        compress.Compressed(within)
    # Another setting is another entry
    with pytest.raises(AssertionError, match="compressed again"):
        compress.compress_pdf(scan600, tmp_path / "e.pdf", "exhibit", 200, 85, cache)


@pytest.mark.slow
@needs_tesseract
@pytest.mark.parametrize("kind", ["jpeg600", "photo"])
def test_compression_loses_no_word_tesseract_reads(scans, tmp_path, kind):
    done = compress.compress_pdf(scans[kind], tmp_path / "out.pdf", "exhibit", dpi=300, quality=85)
    assert done.images == 1
    before = ocr_words(scans[kind], tmp_path / "before")
    after = ocr_words(done.pdf, tmp_path / "after")
    assert sum(before.values()) >= 0.9 * sum(words(TEXT + " " + TEXT).values())  # the reference reads well
    assert before - after == Counter(), "words lost to compression"


# --- in a build ----------------------------------------------------------------------------------------

def _case_with_scans(folder: Path, scans: list[Path], settings: str) -> Path:
    from helpers import minimal, write_case

    data = minimal()
    data["exhibits"] = [{"id": f"scan{n}", "file": f"ex/{scan.name}", "title": f"Record {n} (scanned)"}
                        for n, scan in enumerate(scans, start=1)]
    write_case(folder, data)
    (folder / "ex").mkdir()
    for scan in scans:
        shutil.copyfile(scan, folder / "ex" / scan.name)
    settings_file = folder.parent / "pdpacket.yaml"
    settings_file.write_text(settings)
    return settings_file


@pytest.mark.libreoffice
def test_a_filing_that_split_before_no_longer_splits_and_check_reports_the_bytes_saved(run, scans, tmp_path):
    both = [scans["jpeg600"], scans["photo"]]
    sizes = [s.stat().st_size for s in both]
    limit = 1.1 * max(sizes) / 1024 / 1024  # the two as they came do not fit together; compressed, they do
    folder = tmp_path / "cases" / "c"
    settings = _case_with_scans(folder, both, f"filing: {{size_limit_mb: {limit:.2f}}}\nimages: {{dpi: 0}}\n")
    as_they_came = run("build", "--settings", settings, folder, "-o", tmp_path / "raw", "--split")
    assert as_they_came.code == 0, as_they_came.err
    assert len(json.loads((tmp_path / "raw" / "manifest.json").read_text()).get("parts", [])) == 2

    settings.write_text(f"filing: {{size_limit_mb: {limit:.2f}}}\n")
    filings = []
    for out in ("a", "b"):
        built = run("build", "--settings", settings, folder, "-o", tmp_path / out, "--split")
        assert built.code == 0, built.err
        manifest = json.loads((tmp_path / out / "manifest.json").read_text())
        assert manifest.get("parts", []) == []
        [filing] = (tmp_path / out).glob("*.pdf")
        filings.append(filing)
    assert filings[0].read_bytes() == filings[1].read_bytes()  # deterministic
    assert filings[0].stat().st_size < sum(sizes) / 3
    saved = manifest["filing"]["image_bytes_saved"]
    assert manifest["filing"]["images_downsampled"] == 2 and saved > sum(sizes) / 2
    assert [sha(folder / "ex" / s.name) for s in both] == [sha(s) for s in both]  # inputs never modified
    check = run("check", filings[0])
    assert f"(images: 2 downsampled, {saved / 1024 / 1024:.1f} MB saved)" in check.out
