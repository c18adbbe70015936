"""Build edge cases: hostile values, long indexes, page geometry, faults."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from assembler.errors import ExitCode
from helpers import TODAY, fake_soffice, index_ranges, make_docx, make_pdf, minimal, page_texts, tab_pages, write_case


def _case_with_exhibits(folder: Path, count: int, **changes) -> Path:
    data = minimal(**changes)
    data["exhibits"] = [{"id": f"e{i}", "file": f"ex/e{i}.pdf", "title": f"Exhibit number {i}"}
                        for i in range(count)]
    write_case(folder, data)
    for i in range(count):
        make_pdf(folder / "ex" / f"e{i}.pdf", pages=1 + i % 3, text=f"Exhibit {i}")
    return folder


def _check_index(pdf_path: Path, count: int):
    texts = page_texts(pdf_path)
    printed = index_ranges(texts)
    real = tab_pages(texts)
    service = next(i for i, t in enumerate(texts, 1) if t.startswith("CERTIFICATE OF SERVICE"))
    letters = sorted(real, key=real.get)
    assert len(letters) == count and set(printed) == set(letters)
    for letter, nxt in zip(letters, letters[1:] + [None]):
        assert printed[letter] == (real[letter], (real[nxt] if nxt else service) - 1), letter
    for number, text in enumerate(texts, 1):
        assert f"Page {number} of {len(texts)}" in text
    return texts, letters


@pytest.mark.libreoffice
def test_index_with_one_exhibit(run, tmp_path):
    folder = _case_with_exhibits(tmp_path / "c", 1)
    assert run("build", folder, "-o", tmp_path / "out").code == 0
    _check_index(next((tmp_path / "out").glob("*.pdf")), 1)


@pytest.mark.libreoffice
def test_index_with_sixty_exhibits_settles_over_several_pages(run, tmp_path):
    folder = _case_with_exhibits(tmp_path / "c", 60)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    texts, letters = _check_index(next((tmp_path / "out").glob("*.pdf")), 60)
    assert letters[25:28] == ["Z", "AA", "AB"] and letters[-1] == "BH"
    index_pages = [i for i, t in enumerate(texts) if "Exhibit number" in t and "TAB" not in t[:5]
                   and re.search(r"^[A-Z]{1,2} Exhibit number", t, re.M)]
    assert len(index_pages) >= 2  # the index itself runs over more than one page


@pytest.mark.libreoffice
def test_special_characters_print_as_typed(run, tmp_path):
    data = minimal(**{
        "respondent.given_names": "Олександр",
        "respondent.family_names": "Nguyễn-Smith & <Sons>",
        "request.summary": "He said \"<unknown>\" & left; {{ 7 * 7 }} {% if x %}",
        "attorney.firm": "Smith & Sons <Ltd>",
        "request.facts": "Zoë's café, naïve façade: 王小明 and محمد.",
    })
    result = run("build", write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    filing = next((tmp_path / "out").glob("*.pdf"))
    assert filing.name == "NGUYEN-SMITH-SONS_A087654321_PD-request.pdf"
    text = re.sub(r"\s+", " ", " ".join(page_texts(filing)))
    assert "Smith & Sons <Ltd>" in text
    assert "Олександр Nguyễn-Smith & <Sons>" in text
    assert 'He said "<unknown>" & left; {{ 7 * 7 }} {% if x %}' in text
    assert "Zoë's café, naïve façade" in text
    assert "王小明" in text or "王" in text  # a CJK font may be absent; the text must not vanish
    assert "49" not in text.split("He said")[1][:40]


@pytest.mark.libreoffice
def test_control_characters_in_values_are_refused_with_the_field_and_the_character(run, tmp_path):
    # A bell or a NUL copied out of another program cannot go into a Word document or an
    # e-mail header; the user is told where it is rather than having text silently changed.
    data = minimal(**{"request.summary": "Bell\x07 and form\x0cfeed and nul\x00 gone."})
    result = run("build", write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == ExitCode.invalid_case, result.err
    assert "request.summary" in result.err and "U+0007" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


def _geometry_pdf(path: Path) -> Path:
    """Pages as they come: Letter, A4, landscape, rotated 90 and 270, cropped."""
    w = PdfWriter()
    sizes = [(612, 792), (595, 842), (792, 612), (612, 792), (612, 792), (612, 792)]
    for size in sizes:
        w.add_blank_page(*size)
    w.pages[3].rotate(90)
    w.pages[4].rotate(270)
    w.pages[5].cropbox = RectangleObject([50, 60, 500, 700])
    with open(path, "wb") as fh:
        w.write(fh)
    return path


def _stamp_positions(page):
    found = []

    def visitor(text, cm, tm, font, size):
        if "Page" in text:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y))
    page.extract_text(visitor_text=visitor)
    return found


def test_stamps_land_bottom_right_as_the_reader_sees_the_page(tmp_path):
    from assembler.pdf.stamp import stamp
    src = _geometry_pdf(tmp_path / "g.pdf")
    writer = PdfWriter(clone_from=src)
    stamp(writer, {"style": "page_of"})
    out = tmp_path / "stamped.pdf"
    with open(out, "wb") as fh:
        writer.write(fh)
    reader = PdfReader(out)
    for number, page in enumerate(reader.pages, 1):
        assert page.rotation % 360 == 0
        box = page.cropbox
        (x, y), = _stamp_positions(page)
        # bottom right of the visible page: right half, within an inch of the bottom
        assert float(box.left) + float(box.width) / 2 < x <= float(box.right), number
        assert float(box.bottom) <= y <= float(box.bottom) + 72, number
        assert f"Page {number} of 6" in page.extract_text()
    # rotated pages are now displayed landscape as before
    assert reader.pages[3].mediabox.width > reader.pages[3].mediabox.height


def test_bates_numbering(tmp_path):
    from assembler.pdf.stamp import stamp
    writer = PdfWriter(clone_from=_geometry_pdf(tmp_path / "g.pdf"))
    labels = stamp(writer, {"style": "bates", "bates_prefix": "GARCIA", "bates_start": 100, "bates_digits": 6})
    assert labels[0] == "GARCIA-000100" and labels[-1] == "GARCIA-000105"


@pytest.mark.libreoffice
def test_bates_style_from_settings_in_a_build(run, tmp_path):
    settings = tmp_path / "s.yaml"
    settings.write_text(yaml.safe_dump({"page_numbers": {"style": "bates", "bates_prefix": "PD"}}))
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == 0, result.err
    texts = page_texts(next((tmp_path / "out").glob("*.pdf")))
    assert [re.search(r"PD-\d{6}", t).group() for t in texts] == [f"PD-{n:06d}" for n in range(1, len(texts) + 1)]


# --- faults --------------------------------------------------------------------

def _good_build(run, tmp_path) -> tuple[Path, Path, bytes]:
    folder = write_case(tmp_path / "c")
    out = tmp_path / "out"
    assert run("build", folder, "-o", out).code == 0
    filing = next(out.glob("*.pdf"))
    return folder, out, filing.read_bytes()


def _only_the_earlier_output(out: Path, earlier: bytes):
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["docx", "manifest.json", "TENZIN_A087654321_PD-request.pdf"]), names
    assert (out / "TENZIN_A087654321_PD-request.pdf").read_bytes() == earlier


@pytest.mark.libreoffice
def test_soffice_writing_nothing_fails_cleanly_and_keeps_the_earlier_filing(run, tmp_path, monkeypatch):
    folder, out, earlier = _good_build(run, tmp_path)
    monkeypatch.setenv("PDPACKET_SOFFICE", str(fake_soffice(tmp_path, "exit 0")))
    result = run("build", folder, "-o", out)
    assert result.code == ExitCode.conversion_failed
    assert "LibreOffice did not convert" in result.err and "Traceback" not in result.err
    _only_the_earlier_output(out, earlier)


def test_soffice_crashing_fails_cleanly(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_SOFFICE", str(fake_soffice(tmp_path, "echo 'segfault' >&2; kill -SEGV $$")))
    out = tmp_path / "out"
    result = run("build", write_case(tmp_path / "c"), "-o", out)
    assert result.code == ExitCode.conversion_failed
    assert list(out.iterdir()) == []


@pytest.mark.slow  # waits out its 5 s conversion timeout, and the kill: 10 s the fast tier does not spend
def test_a_hanging_soffice_is_killed_with_its_children(run, tmp_path, monkeypatch):
    marker = tmp_path / "child.pid"
    fake = fake_soffice(tmp_path, f"sleep 300 & echo $! > {marker}\nwait")
    monkeypatch.setenv("PDPACKET_SOFFICE", str(fake))
    settings = tmp_path / "s.yaml"
    settings.write_text("soffice:\n  timeout: 5\n")
    out = tmp_path / "out"
    started = time.monotonic()
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", out)
    assert result.code == ExitCode.conversion_failed
    assert "did not finish" in result.err and "within 5 s" in result.err
    assert time.monotonic() - started < 60
    child = int(marker.read_text())
    time.sleep(0.2)
    assert not _running(child)
    assert list(out.iterdir()) == []


def _running(pid: int) -> bool:
    """True if the process exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_soffice_missing_says_how_to_install(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PDPACKET_SOFFICE", str(tmp_path / "no-such-soffice"))
    result = run("build", write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == ExitCode.missing_dependency
    assert "apt-get install libreoffice-writer-nogui" in result.err


def test_soffice_not_on_path(run, tmp_path, monkeypatch):
    from assembler.convert import soffice
    monkeypatch.delenv("PDPACKET_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(soffice, "KNOWN_PLACES", [])
    result = run("build", write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == ExitCode.missing_dependency
    assert "not installed or not on PATH" in result.err


def test_output_path_that_is_a_file(run, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    result = run("build", write_case(tmp_path / "c"), "-o", blocker / "out")
    assert result.code == ExitCode.output_not_writable
    assert "cannot write to the output folder" in result.err
    assert blocker.read_text() == "x"


def test_an_invalid_case_does_not_build(run, tmp_path):
    out = tmp_path / "out"
    result = run("build", write_case(tmp_path / "c", minimal(office="nowhere")), "-o", out)
    assert result.code == ExitCode.invalid_case
    assert "office: 'nowhere' is not a known office" in result.err
    assert not out.exists()


def test_a_password_protected_exhibit_names_the_file_and_the_fix(run, tmp_path):
    folder = _case_with_exhibits(tmp_path / "c", 1)
    w = PdfWriter(clone_from=folder / "ex" / "e0.pdf")
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with open(folder / "ex" / "e0.pdf", "wb") as fh:
        w.write(fh)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == ExitCode.input_file
    assert "exhibit e0 (ex/e0.pdf) is protected by a password" in result.err and "qpdf --decrypt" in result.err


@pytest.mark.libreoffice
def test_an_owner_password_only_exhibit_is_used(run, tmp_path):
    folder = _case_with_exhibits(tmp_path / "c", 1)
    w = PdfWriter(clone_from=folder / "ex" / "e0.pdf")
    w.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    with open(folder / "ex" / "e0.pdf", "wb") as fh:
        w.write(fh)
    result = run("build", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "Exhibit 0 page 1" in " ".join(page_texts(next((tmp_path / "out").glob("*.pdf"))))


def test_a_template_cannot_reach_python_internals(run, tmp_path):
    firm = tmp_path / "firm"
    make_docx(firm / "letter.docx", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    settings = tmp_path / "s.yaml"
    settings.write_text(f"templates: {firm}\n")
    result = run("build", "--settings", settings, write_case(tmp_path / "c"), "-o", tmp_path / "out")
    assert result.code == ExitCode.template_error
    assert "template letter.docx" in result.err


@pytest.mark.libreoffice
def test_progress_lines_go_to_stderr_for_a_terminal(capsys, tmp_path):
    from assembler.api import build
    from assembler.progress import Progress
    result = build(write_case(tmp_path / "c"), tmp_path / "out", progress=Progress(True))
    err = capsys.readouterr().err
    for step in ("validate", "check templates", "render templates", "convert", "settle the index", "assemble",
                 "check the filing", "write"):
        assert f"] {step}" in err, step
    assert result.timings["total"] >= result.timings["libreoffice"] > 0


@pytest.mark.libreoffice
def test_no_progress_lines_when_not_a_terminal(run, tmp_path):
    # An office the firm has verified, and a signed G-28: nothing else to warn about.
    settings = tmp_path / "s.yaml"
    # ... and the law entry its letter cites, checked recently.
    settings.write_text("offices: {chicago: {verified_on: 2026-11-01}}\n"
                        "law: {entries: {citation.administrative_closure.immigration_judge: {checked_on: 2026-11-01}}}\n",
                        encoding="utf-8")
    data = minimal(**{"proceedings.judge": "Hon. A. Judge", "service.date": TODAY,  # a date ahead warns
                      "proceedings.next_hearing": {"date": "2027-03-01", "type": "master"}})
    data["forms"] = [{"kind": "g28", "file": "g28.pdf"}]  # without one, validate warns
    make_pdf(tmp_path / "c" / "g28.pdf", text="Form G-28, signed")
    result = run("build", "--settings", settings, write_case(tmp_path / "c", data), "-o", tmp_path / "out")
    assert result.code == 0 and result.err == ""
