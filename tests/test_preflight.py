"""`pdpacket check` and the preflight of every build; --split into parts."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assembler.errors import ExitCode
from helpers import minimal, write_case


@pytest.fixture
def built(sample1_build):
    return sample1_build.result


@pytest.mark.libreoffice
def test_a_good_filing_passes_against_its_manifest(run, built):
    result = run("check", built.filing)
    assert result.code == 0, result.err
    assert f"{built.pages} pages" in result.out and "checked against its manifest: OK" in result.out


@pytest.mark.libreoffice
def test_photo_pages_are_flagged_unsearchable_by_the_build(built):
    """A photo is a page the reader cannot search (a JPEG exhibit was never flagged: issue 24)."""
    unsearchable = [w.render() for w in built.warnings if "has no searchable text" in w.render()]
    assert len(unsearchable) == 2, unsearchable
    assert "food-pantry.jpg), filing page 44," in unsearchable[0] and "family-photo.jpg), filing page 46," in unsearchable[1]
    assert json.loads(built.manifest.read_text())["filing"]["searchable_pages"] == built.pages - 2
    assert any("acta-de-nacimiento.pdf): 1 page(s) that were not upright Letter size" in w.render()
               for w in built.warnings)


@pytest.mark.libreoffice
def test_a_filing_that_disagrees_with_its_manifest(run, built, tmp_path):
    filing = tmp_path / built.filing.name
    shutil.copy(built.filing, filing)
    manifest = json.loads(built.manifest.read_text())
    manifest["filing"]["pages"] += 1
    manifest["sections"][3]["first_page"] += 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    result = run("check", filing)
    assert result.code == ExitCode.filing_check_failed
    assert f"the manifest says {built.pages + 1} pages, the file has {built.pages}" in result.err
    assert "the bookmarks do not match the manifest's sections" in result.err


def test_foreign_pdfs_report_size_text_javascript_forms_encryption(run, tmp_path):
    c = canvas.Canvas(str(tmp_path / "raw.pdf"), pagesize=A4, invariant=1)
    c.acroForm.textfield(name="f", x=72, y=600, width=100, height=20)
    c.showPage()  # an A4 page with no text at all
    c.save()
    w = PdfWriter(clone_from=tmp_path / "raw.pdf")
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject
    w._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")})
    w.add_attachment("note.txt", b"attached")
    with open(tmp_path / "foreign.pdf", "wb") as fh:
        w.write(fh)
    result = run("check", tmp_path / "foreign.pdf")
    assert result.code == ExitCode.filing_check_failed
    err = result.err
    assert "page(s) 1 are not upright Letter size" in err
    assert "carries JavaScript" in err
    assert "embedded (attached) files" in err
    assert "fillable form fields" in err
    assert "page(s) 1 have no searchable text" in err and "OCR" in err
    w = PdfWriter(clone_from=tmp_path / "raw.pdf")
    w.encrypt(user_password="pw", owner_password="o", algorithm="AES-128")
    with open(tmp_path / "locked.pdf", "wb") as fh:
        w.write(fh)
    assert "encrypted" in run("check", tmp_path / "locked.pdf").err


def test_a_file_that_is_not_a_pdf(run, tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"hello")
    result = run("check", tmp_path / "x.pdf")
    assert result.code == ExitCode.filing_check_failed
    assert "does not open as a PDF" in result.err
    assert run("check", tmp_path / "missing.pdf").code == ExitCode.input_file


@pytest.mark.libreoffice
def test_over_the_limit_fails_and_split_writes_parts_at_exhibit_boundaries(run, built, tmp_path):
    filing = tmp_path / built.filing.name
    shutil.copy(built.filing, filing)
    shutil.copy(built.manifest, tmp_path / "manifest.json")
    over = run("check", filing, "--limit", "0.3")
    assert over.code == ExitCode.filing_check_failed and "over the 0.3 MB limit" in over.err
    result = run("check", filing, "--limit", "0.3", "--split")
    assert result.code == 0, result.err
    # By number, not name: with ten parts or more "Part10" sorts before "Part2".
    parts = sorted(tmp_path.glob("*_Part*.pdf"), key=lambda p: int(re.search(r"_Part(\d+)", p.name).group(1)))
    assert len(parts) >= 2
    manifest = json.loads(built.manifest.read_text())
    starts = {s["first_page"]: s for s in manifest["sections"]}
    seen = []
    for part in parts:
        assert part.stat().st_size <= 0.3 * 1048576
        reader = PdfReader(part)
        assert "Part" in reader.pages[0].extract_text() and "contents" in reader.pages[0].extract_text()
        stamps = [int(re.search(rf"Page (\d+) of {built.pages}", p.extract_text()).group(1)) for p in reader.pages[1:]]
        assert stamps[0] in starts or stamps[0] == 1  # every part starts at a section
        seen += stamps
    assert seen == list(range(1, built.pages + 1))  # every page once, in order
    for part in parts:  # no link points into another part
        for page in PdfReader(part).pages:
            assert not any("/Dest" in a.get_object() for a in page.get("/Annots") or [])
    first = PdfReader(parts[0])
    assert "INDEX OF EXHIBITS" in " ".join(p.extract_text() for p in first.pages)


@pytest.mark.libreoffice
def test_build_split_writes_parts_and_records_them(run, tmp_path):
    data = minimal()
    data["exhibits"] = [{"id": f"e{i}", "file": f"e{i}.pdf", "title": f"Exhibit {i}"} for i in range(4)]
    folder = write_case(tmp_path / "c", data)
    import random

    from PIL import Image
    rng = random.Random(7)
    for i in range(4):  # photos of noise do not compress: about 0.1 MB each
        Image.frombytes("RGB", (200, 200), bytes(rng.getrandbits(8) for _ in range(120000))).save(
            folder / f"e{i}.jpg", quality=90)
        c = canvas.Canvas(str(folder / f"e{i}.pdf"), invariant=1)
        c.drawImage(str(folder / f"e{i}.jpg"), 72, 300, 400, 400)
        c.showPage()
        c.save()
    settings = tmp_path / "s.yaml"
    settings.write_text("filing:\n  size_limit_mb: 0.25\n")
    plain = run("build", "--settings", settings, folder, "-o", tmp_path / "out")
    assert plain.code == 0 and "over the 0.25 MB limit" in plain.err
    result = run("build", "--settings", settings, folder, "-o", tmp_path / "out", "--split")
    assert result.code == 0, result.err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    names = [p["file"] for p in manifest["parts"]]
    assert len(names) >= 2 and all((tmp_path / "out" / n).is_file() for n in names)
    assert "_Part1.pdf" in result.out
    # a later build without --split removes the stale parts
    run("build", "--settings", settings, folder, "-o", tmp_path / "out")
    assert not list((tmp_path / "out").glob("*_Part*.pdf"))
