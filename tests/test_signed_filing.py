"""The filing uses the signed pages (issue 23, point 4): after `pdpacket signed`, the next build lays each
signed scan over its generated page, keeps the generated text under it, and changes nothing else.

Real pixels: sample 1's signing packet rendered at 150 dpi, each signature page signed with a drawn
stroke (tools/simulate_signing.py), read back with `pdpacket signed`, then built."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, RectangleObject
from reportlab.pdfgen import canvas

from assembler.pdf.stamp import number_box
from helpers import REPO, SAMPLES, copy_firm_settings, isolated_env

sys.path.insert(0, str(REPO / "tools"))
from simulate_signing import packet_pages, sign_all  # the simulated signing, as make_samples uses it

SAMPLE = "1-garcia-lopez"


def _filing(case: Path) -> Path:
    manifest = json.loads((case / "out" / "manifest.json").read_text(encoding="utf-8"))
    return case / "out" / manifest["filing"]["file"]


def _manifest(case: Path) -> dict:
    return json.loads((case / "out" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def signed_case(tmp_path_factory):
    """Sample 1 (without its shipped signed pages) built unsigned, every signature page signed and read back,
    then built again: the unsigned filing's bytes and manifest kept for comparison."""
    from assembler.api import build, case_status, read_signed, sign_packet

    root = tmp_path_factory.mktemp("signed-filing")
    with pytest.MonkeyPatch.context() as mp:
        isolated_env(mp, root)
        copy_firm_settings(root)
        case = root / SAMPLE
        shutil.copytree(SAMPLES / SAMPLE, case, ignore=shutil.ignore_patterns("out", "signed"))
        build(case)
        unsigned = root / "unsigned.pdf"
        shutil.copyfile(_filing(case), unsigned)
        before = _manifest(case)
        packet = sign_packet(case, target=root / "packet.pdf")
        pages = packet_pages(packet.file, root / "png")
        scans = sign_all(pages, before["signatures"]["required"], root / "scans")
        reading = read_signed(case, scans)
        assert reading.ok and reading.accepted
        stale = case_status(case).changed
        build(case)
    return {"root": root, "case": case, "unsigned": unsigned, "before": before, "after": _manifest(case),
            "scans": scans, "stale_status": stale}


def _ink_pages(manifest: dict) -> set[int]:
    return {s["filing_page"] for s in manifest["signatures"]["required"] if s["kind"] == "ink"}


def _images(page) -> list[str]:
    xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
    return [str(name) for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"]


def _scanned(reader: PdfReader) -> set[int]:
    """The filing pages (from 1) that hold a signed scan."""
    return {n for n, page in enumerate(reader.pages, start=1) if "/PdpSignedScan" in _images(page)}


def _text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def _render(pdf: Path, page: int, folder: Path, dpi: int = 60) -> Image.Image:
    stem = folder / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(pdf), str(stem)], check=True)
    with Image.open(f"{stem}.png") as im:
        return im.convert("L")


def _outline(reader: PdfReader) -> list[tuple[str, int]]:
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((item.title, reader.get_destination_page_number(item)))
    walk(reader.outline)
    return out


@pytest.mark.libreoffice
@pytest.mark.slow
def test_each_signed_page_is_the_scan_over_the_generated_text(signed_case, tmp_path):
    filing, unsigned = _filing(signed_case["case"]), signed_case["unsigned"]
    after = PdfReader(filing)
    ink = _ink_pages(signed_case["before"])
    assert len(ink) >= 5
    assert _scanned(after) == ink
    for number in sorted(ink):
        # The generated page's words are still found (the text layer under the scan) ...
        assert _text(filing, number) == _text(unsigned, number)
        # ... but what shows is the scan: the signature stroke is ink the generated page does not have.
        signed, plain = _render(filing, number, tmp_path), _render(unsigned, number, tmp_path)
        assert signed.size == plain.size
        darker = ImageChops.subtract(plain, signed).point(lambda v: 255 if v > 100 else 0).histogram()[255]
        assert darker > 60, (number, darker)
        # The page number sits where it sits on every page, on white: the same pixels as the unsigned page's.
        x0, y0, x1, y1 = number_box(f"Page {number} of {len(after.pages)}", RectangleObject((0, 0, 612, 792)))
        k = 60 / 72
        box = (int(x0 * k) + 1, int((792 - y1) * k) + 1, int(x1 * k) - 1, int((792 - y0) * k) - 1)
        assert signed.crop(box).tobytes() == plain.crop(box).tobytes(), number
        assert plain.crop(box).getextrema()[0] < 100  # the box holds the number


@pytest.mark.libreoffice
@pytest.mark.slow
def test_pages_bookmarks_index_and_other_pages_are_unchanged(signed_case):
    filing, unsigned = _filing(signed_case["case"]), signed_case["unsigned"]
    after, before = PdfReader(filing), PdfReader(unsigned)
    assert _scanned(after) == _ink_pages(signed_case["before"])  # the signed pages are in ...
    assert len(after.pages) == len(before.pages)  # ... and nothing else moved
    assert _outline(after) == _outline(before)
    index = next(s for s in signed_case["after"]["sections"] if s["key"] == "index")
    for number in range(index["first_page"], index["last_page"] + 1):
        assert _text(filing, number) == _text(unsigned, number)
    assert signed_case["after"]["sections"] == signed_case["before"]["sections"]
    size = filing.stat().st_size
    assert size <= 1.3 * unsigned.stat().st_size, (size, unsigned.stat().st_size)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_the_manifest_says_which_signatures_are_in_the_filing_from_a_scan(signed_case, run):
    required = signed_case["after"]["signatures"]["required"]
    ink = [s for s in required if s["kind"] == "ink"]
    assert ink and all(s["in_filing"] == "signed" for s in ink)
    for s in ink:
        assert (signed_case["case"] / s["signed_file"]).is_file()
        assert Path(s["scan"]).name in {f.name for f in signed_case["scans"]} and s["scan_page"] == 1
    assert all("in_filing" not in s for s in required if s["kind"] == "electronic")
    assert signed_case["stale_status"] is True  # reading the scans made the built filing stale
    status = run("status", signed_case["case"])
    line = next(x.strip() for x in status.out.splitlines() if "awaiting signatures" in x)
    assert line.startswith(f"awaiting signatures: 0 of {len(required)}; {len(ink)} signed in ink"), line
    assert "inputs changed" not in status.out


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_rebuild_with_no_change_is_byte_identical(signed_case, monkeypatch):
    from assembler.api import build

    isolated_env(monkeypatch, signed_case["root"])
    first = _filing(signed_case["case"]).read_bytes()
    assert _scanned(PdfReader(io.BytesIO(first)))  # built with its signed pages
    build(signed_case["case"])
    assert _filing(signed_case["case"]).read_bytes() == first


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_page_signed_on_an_outdated_text_is_not_used(signed_case, monkeypatch):
    from assembler.api import build

    isolated_env(monkeypatch, signed_case["root"])
    case = signed_case["root"] / "outdated"
    shutil.copytree(signed_case["case"], case)
    yaml_file = case / "case.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    changed = text.replace("and in ninth grade.", "and in the ninth grade.")  # Sofía's declaration
    assert changed != text
    yaml_file.write_text(changed, encoding="utf-8")
    build(case)
    manifest = _manifest(case)
    states = {s["document"]: s for s in manifest["signatures"]["required"] if s["kind"] == "ink"}
    assert states["declaration:decl_sofia"]["in_filing"] == "unsigned"
    assert states["declaration:decl_employer"]["in_filing"] == "signed"  # its text did not change
    reader = PdfReader(_filing(case))
    assert "/PdpSignedScan" not in _images(reader.pages[states["declaration:decl_sofia"]["filing_page"] - 1])
    assert "/PdpSignedScan" in _images(reader.pages[states["declaration:decl_employer"]["filing_page"] - 1])
    assert "the ninth grade" in _text(_filing(case), states["declaration:decl_sofia"]["filing_page"])


@pytest.mark.libreoffice
@pytest.mark.slow
def test_sample_1_ships_signed_and_builds_with_its_signed_pages(tmp_path, monkeypatch):
    from assembler.api import build

    isolated_env(monkeypatch, tmp_path)
    copy_firm_settings(tmp_path)
    case = tmp_path / SAMPLE
    shutil.copytree(SAMPLES / SAMPLE, case, ignore=shutil.ignore_patterns("out"))
    build(case)
    manifest = _manifest(case)
    ink = [s for s in manifest["signatures"]["required"] if s["kind"] == "ink"]
    assert ink and [s for s in ink if s["in_filing"] != "signed"] == []
    text = subprocess.run(["pdftotext", str(_filing(case)), "-"], capture_output=True, text=True, check=True).stdout
    assert "I declare under penalty of perjury" in text and "María José García López" in text
    shipped = sum(f.stat().st_size for f in (SAMPLES / SAMPLE / "signed").iterdir())
    assert shipped < 1_200_000  # the repository stays small
    for other in ("2-", "3-", "4-"):
        [folder] = [f for f in SAMPLES.iterdir() if f.name.startswith(other)]
        assert not (folder / "signed").exists()  # the others stay unsigned


@pytest.mark.libreoffice
@pytest.mark.slow
def test_after_the_signed_build_the_packet_and_a_new_reading_see_the_generated_pages(signed_case, monkeypatch):
    """Printing the packet again, or reading the same scans again, works from the generated page: the packet
    shows no earlier signature, and a signed scan is not taken for a blank one because the filing's page
    already holds that signature."""
    from assembler.api import read_signed, sign_packet
    from assembler.sign.read import UNSIGNED

    isolated_env(monkeypatch, signed_case["root"])
    packet = sign_packet(signed_case["case"], target=signed_case["root"] / "again.pdf")
    assert all("/PdpSignedScan" not in _images(page) for page in PdfReader(packet.file).pages)
    again = read_signed(signed_case["case"], signed_case["scans"], dry_run=True)
    assert again.ok and len(again.accepted) == len(signed_case["scans"])
    assert [a.file for a in again.accepted if a.ink == UNSIGNED] == []


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_second_signers_scans_are_read_without_building_in_between(signed_case, monkeypatch):
    """Reading signed pages makes the filing stale, but not the text signed: the next signer's scans (the next
    day) are read against the same build; only the filing waits for a build."""
    from assembler.api import case_settings, read_signed, validate_case
    from assembler.send.built import load_built

    isolated_env(monkeypatch, signed_case["root"])
    case = signed_case["root"] / "two-readings"
    shutil.copytree(signed_case["case"], case, ignore=shutil.ignore_patterns("signed"))
    first = read_signed(case, signed_case["scans"][:1])
    second = read_signed(case, signed_case["scans"][1:2])
    assert first.ok and second.ok and len(first.accepted) == len(second.accepted) == 1
    record = json.loads((case / "signed" / "record.json").read_text(encoding="utf-8"))
    assert len(record["pages"]) == 2
    settings = case_settings(case)
    built = load_built(validate_case(case, settings=settings), settings, case / "out")
    assert built.changed  # the filing itself is built again before it goes out


# --- without LibreOffice ----------------------------------------------------------------------------------

def _two_pages_sharing_resources(path: Path) -> Path:
    """Two pages of one document whose /Resources are one object, as LibreOffice writes them."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(612, 792), invariant=1)
    for n in (1, 2):
        c.setFont("Helvetica", 12)
        c.drawString(72, 700, f"Page text {n}")
        c.showPage()
    c.save()
    reader = PdfReader(io.BytesIO(buffer.getvalue()))
    shared = reader.pages[0]["/Resources"]
    writer = PdfWriter()
    for page in reader.pages:
        page[NameObject("/Resources")] = shared
        writer.add_page(page)
    writer.write(path)
    return path


def _signed_page(path: Path, stroke_y: int, text_y: int | None = None) -> Path:
    from assembler.sign.read import page_pdf

    image = Image.new("L", (int(8.5 * 150), 11 * 150), 255)
    ImageDraw.Draw(image).rectangle((200, stroke_y, 900, stroke_y + 30), fill=0)
    if text_y is not None:  # a stand-in for printed text, where the other copy has none
        ImageDraw.Draw(image).rectangle((200, text_y, 900, text_y + 30), fill=0)
    path.write_bytes(page_pdf(image))
    return path


def test_two_pages_sharing_resources_each_show_their_own_scan(tmp_path):
    """LibreOffice's pages share one /Resources: each scanned page must still draw its own scan."""
    from assembler.pdf.scanned import lay_scan

    source = PdfReader(_two_pages_sharing_resources(tmp_path / "doc.pdf"))
    writer = PdfWriter()
    pages = [writer.add_page(p) for p in source.pages]
    lay_scan(writer, pages[0], [(_signed_page(tmp_path / "a.pdf", 300), None)])
    lay_scan(writer, pages[1], [(_signed_page(tmp_path / "b.pdf", 1200), None)])
    out = tmp_path / "out.pdf"
    writer.write(out)
    first, second = _render(out, 1, tmp_path, 150), _render(out, 2, tmp_path, 150)
    assert first.getpixel((500, 315)) < 100 and first.getpixel((500, 1215)) > 200
    assert second.getpixel((500, 1215)) < 100 and second.getpixel((500, 315)) > 200
    assert "Page text 1" in _text(out, 1) and "Page text 2" in _text(out, 2)  # the text layer under each scan


def test_two_signers_of_one_page_both_show_and_the_page_stays_small(tmp_path):
    """A form signed by the client and the attorney on their own copies: the filing's page shows both."""
    from assembler.pdf.scanned import one_bit, signed_image

    client = _signed_page(tmp_path / "client.pdf", 300)
    attorney = _signed_page(tmp_path / "attorney.pdf", 1200, text_y=600)  # its printed text a little off
    both = signed_image([(client, (72, 120, 460, 160)), (attorney, (72, 552, 460, 595))])  # the boxes, in points
    assert both.getpixel((500, 315)) < 100 and both.getpixel((500, 1215)) < 100
    assert both.getpixel((500, 615)) > 200  # the attorney's copy shows only in the attorney's box
    data = one_bit(both)
    assert len(data) < 30_000
    assert one_bit(both) == data  # deterministic


def test_a_shrunk_packet_page_comes_back_as_the_filings_page():
    """A page the packet shrank for its code (no blank top margin) is drawn back at the filing's size."""
    from assembler.pdf import codes
    from assembler.sign import scans

    dpi = 150
    code = codes.PageCode("201234567", "declaration:d1", 1, 1, 1, "0" * 64, 7)
    crowded = Image.new("L", (612, 792), 0)  # no blank spot anywhere: the packet shrinks the page
    where = codes.place(crowded, code)
    assert where.scale < 1
    k = dpi / 72
    page = Image.new("L", (int(8.5 * dpi), 11 * dpi), 255)
    draw = ImageDraw.Draw(page)
    grid, m = codes.modules(code.payload()), codes.MODULE * k
    left, top = where.x * k, (792 - where.y - where.size) * k
    for r, row in enumerate(grid):
        for c, dark in enumerate(row):
            if dark:
                draw.rectangle([left + c * m, top + r * m, left + (c + 1) * m - 1, top + (r + 1) * m - 1], fill=0)
    # A line at 300 pt from the top of the filing's page, as the shrunk packet page prints it (the code's
    # corners give the scale to about 0.5%: farther down, a pixel or two more either way).
    s, dx = where.scale, 612 * (1 - where.scale) / 2
    y = (792 * (1 - s) + s * 300) * k
    draw.rectangle([(dx + s * 100) * k, y, (dx + s * 500) * k, y + 2], fill=0)
    [read], _ = scans.read_codes(page)
    back = scans.upright(page, scans.frame(read, where).unshrunk(where.scale), dpi)
    column = back.crop((int(300 * k), int(280 * k), int(300 * k) + 1, int(320 * k)))
    darkest = min(range(column.height), key=lambda i: column.getpixel((0, i)))
    assert abs(int(280 * k) + darkest - (300 * k + 1)) <= 4  # the packet page has it 44 pt lower


def test_a_signed_page_has_the_same_bytes_in_every_run():
    """No random /ID (img2pdf's pikepdf engine adds one): the sample's signed pages are made again unchanged."""
    from assembler.pdf.scanned import one_bit
    from assembler.sign.read import page_pdf

    image = Image.new("L", (int(8.5 * 150), 11 * 150), 255)
    ImageDraw.Draw(image).line((100, 100, 900, 900), fill=0, width=3)
    for data in (page_pdf(image), one_bit(image)):
        assert "/ID" not in PdfReader(io.BytesIO(data)).trailer
