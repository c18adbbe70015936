"""Exhibits as they really come: damaged, huge, CMYK, HEIC, odd names."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from assembler.errors import ExitCode
from helpers import make_pdf, minimal, page_texts, write_case


def _case(tmp_path: Path, files: dict[str, str]) -> Path:
    data = minimal()
    data["exhibits"] = [{"id": f"x{i}", "file": name, "title": title} for i, (name, title) in enumerate(files.items())]
    return write_case(tmp_path / "c", data)


def _broken_xref(path: Path) -> Path:
    """A PDF whose cross-reference offsets are all wrong: readers rebuild it."""
    data = make_pdf(path, pages=2, text="Repairable exhibit").read_bytes()
    start = data.rindex(b"startxref")
    data = data[:start] + b"startxref\n99999\n%%EOF\n"
    path.write_bytes(data)
    return path


@pytest.mark.libreoffice
def test_a_repairable_pdf_is_repaired_with_a_warning(run, tmp_path):
    folder = _case(tmp_path, {"broken.pdf": "Broken"})
    _broken_xref(folder / "broken.pdf")
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "exhibit x0 (broken.pdf) was damaged and has been repaired" in result.err
    text = " ".join(page_texts(next((tmp_path / "out").glob("*.pdf"))))
    assert "Repairable exhibit page 2" in text


def test_a_hopeless_pdf_is_a_clear_error(run, tmp_path):
    folder = _case(tmp_path, {"hopeless.pdf": "Hopeless"})
    (folder / "hopeless.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == ExitCode.input_file
    assert "exhibit x0 (hopeless.pdf) is damaged and cannot be read" in result.err
    assert "export or scan it again" in result.err and "Traceback" not in result.err


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["jpeg", "tiff"])
def test_cmyk_images(run, tmp_path, kind):
    folder = tmp_path / "c"
    folder.mkdir()
    name = f"cmyk.{'jpg' if kind == 'jpeg' else 'tif'}"
    Image.new("CMYK", (300, 400), (0, 200, 200, 0)).save(folder / name)
    write_case(folder, {**minimal(), "exhibits": [{"id": "x", "file": name, "title": "CMYK"}]})
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err


@pytest.mark.libreoffice
def test_a_heic_photo_is_converted(run, tmp_path):
    import pillow_heif
    folder = tmp_path / "c"
    folder.mkdir()
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), (30, 160, 60))).save(folder / "phone.heic", quality=80)
    write_case(folder, {**minimal(), "exhibits": [{"id": "x", "file": "phone.heic", "title": "Phone photo"}]})
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    reader = PdfReader(next((tmp_path / "out").glob("*.pdf")))
    assert any(p.images for p in reader.pages)


@pytest.mark.libreoffice
def test_a_huge_scan_is_accepted(run, tmp_path):
    """About 190 megapixels: more than Pillow's decompression-bomb limit; accepted, and brought down to
    images.dpi (300) on its Letter page before it is embedded (issue 24 point 2)."""
    folder = tmp_path / "c"
    folder.mkdir()
    Image.new("L", (11000, 17300), 255).save(folder / "scan.jpg", quality=30)
    write_case(folder, {**minimal(), "exhibits": [{"id": "x", "file": "scan.jpg", "title": "Big scan"}]})
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    reader = PdfReader(next((tmp_path / "out").glob("*.pdf")))
    sizes = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject") or {}

        def walk(objs):
            for ref in objs.values():
                obj = ref.get_object()
                if obj.get("/Subtype") == "/Image":
                    sizes.append((obj["/Width"], obj["/Height"]))
                elif "/Resources" in obj and "/XObject" in obj["/Resources"]:
                    walk(obj["/Resources"]["/XObject"])
        walk(xobjects)
    assert sizes == [(2098, 3300)]  # 11 in tall at 300 dpi, the width in proportion


@pytest.mark.libreoffice
def test_embedded_attachments_are_reported(run, tmp_path):
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject
    folder = _case(tmp_path, {"with-attachment.pdf": "Has an attachment"})
    make_pdf(tmp_path / "base.pdf")
    w = PdfWriter(clone_from=tmp_path / "base.pdf")
    annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                              NameObject("/Subtype"): NameObject("/FileAttachment"),
                              NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 72, 90, 90)]),
                              NameObject("/Contents"): TextStringObject("receipt.txt")})
    w.add_annotation(0, annot)
    with open(folder / "with-attachment.pdf", "wb") as fh:
        w.write(fh)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "1 file attachment(s) were not included" in result.err


def test_a_repair_is_still_said_when_the_root_logger_was_raised_or_a_check_ran_before(tmp_path):
    """A CI run lost the "was damaged and has been repaired" notice of a build that came after other tests in
    the same process: pypdf's records were dropped (a logger level raised, or a logger disabled, by someone
    else). The repairs are now taken from pypdf's own hook, whatever the logging module's state."""
    import logging

    from assembler.pdf.check import check_filing
    from assembler.pdf.read import open_pdf

    broken = _broken_xref(tmp_path / "broken.pdf")
    root, pypdf_log, reader_log = logging.getLogger(), logging.getLogger("pypdf"), logging.getLogger("pypdf._reader")
    before = (root.level, pypdf_log.level, reader_log.disabled)
    try:
        root.setLevel(logging.ERROR)  # as a basicConfig(level=ERROR) leaves it
        pypdf_log.setLevel(logging.CRITICAL)
        reader_log.disabled = True  # as a dictConfig leaves a logger that existed before it
        logging.root.manager._clear_cache()
        check_filing(broken)  # `pdpacket check` used to raise pypdf's level around its run
        notices: list[str] = []
        open_pdf(broken, "exhibit x0 (broken.pdf)", notices)
    finally:
        root.setLevel(before[0])
        pypdf_log.setLevel(before[1])
        reader_log.disabled = before[2]
        logging.root.manager._clear_cache()
    assert notices and "was damaged and has been repaired (incorrect startxref pointer(2))" in notices[0]
