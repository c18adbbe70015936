"""The smaller surprises of a clinic's first day (issue 12, point 9)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from assembler.errors import ExitCode
from helpers import REPO, make_pdf, minimal, write_case


def _check(path):
    """`pdpacket check` in a process of its own: the PDF library's log goes to a real stderr there."""
    return subprocess.run([sys.executable, "-m", "assembler", "check", str(path)], capture_output=True, text=True,
                           cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_check_on_an_image_says_it_is_not_a_pdf_without_the_pdf_librarys_log(tmp_path):
    from PIL import Image
    Image.new("RGB", (10, 10)).save(tmp_path / "scan.png")
    result = _check(tmp_path / "scan.png")
    assert result.returncode == ExitCode.filing_check_failed
    assert f"{tmp_path / 'scan.png'}: the file is not a PDF (it is a PNG image): check the PDF filing" in result.stderr
    assert "invalid pdf header" not in result.stderr and "EOF marker" not in result.stderr
    assert "0 pages" not in result.stderr


def test_check_on_a_broken_pdf_keeps_the_pdf_librarys_log_out(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage garbage\n")
    result = _check(tmp_path / "broken.pdf")
    assert result.returncode == ExitCode.filing_check_failed
    assert "the file does not open as a PDF" in result.stderr
    assert "EOF marker" not in result.stderr
    assert "0 pages" not in result.stderr


def test_check_says_1_page_not_1_pages(run, tmp_path):
    result = run("check", make_pdf(tmp_path / "one.pdf", pages=1))
    assert f"{tmp_path / 'one.pdf'}: 1 page, " in result.out + result.err


@pytest.mark.libreoffice
def test_the_scan_warning_names_the_exhibit(run, tmp_path):
    data = minimal()
    data["exhibits"] = [{"id": "lease", "file": "ex/lease.pdf", "title": "Lease"},
                        {"id": "photo_id", "file": "ex/id-scan.pdf", "title": "ID"}]
    folder = write_case(tmp_path / "c", data)
    make_pdf(folder / "ex" / "lease.pdf", pages=1)
    c = canvas.Canvas(str(folder / "ex" / "id-scan.pdf"), pagesize=letter, invariant=1)
    for _ in range(2):
        c.rect(72, 72, 300, 200, fill=1)  # a picture, no text: what a scan looks like to a reader
        c.showPage()
    c.save()
    result = run("build", folder, "-q")
    assert result.code == ExitCode.ok, result.err
    assert "Tab B, exhibit photo_id (ex/id-scan.pdf), filing pages 7\u20138, has no searchable text (a scan?)" \
        in result.err
    assert "lease" not in result.err
    # OCR off by the environment (the tests' PDPACKET_OCR=off): the warning names every switch, not --no-ocr alone
    assert "OCR was off for this build (--no-ocr, ocr: {enabled: false} in the settings, or PDPACKET_OCR=off)" \
        in result.err
