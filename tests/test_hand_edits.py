"""Hand edits as part of a case: CASE/edits/<name>.docx replaces that document's render (issue 12)."""
from __future__ import annotations

import json
import shutil

import pytest
from docx import Document

from assembler.documents import edits
from assembler.errors import ExitCode
from helpers import index_ranges, make_pdf, minimal, page_texts, tab_pages, write_case


def _case(tmp_path, **changes):
    data = minimal(**changes)
    data["exhibits"] = [{"id": "lease", "file": "ex/lease.pdf", "title": "Lease"}]
    folder = write_case(tmp_path / "c", data)
    make_pdf(folder / "ex" / "lease.pdf", pages=2, text="Lease")
    return folder, data


def _add_paragraphs(docx, text: str, n: int) -> None:
    doc = Document(str(docx))
    for i in range(n):
        doc.add_paragraph(f"{text} {i}")
    doc.save(str(docx))


# --- the record inside a rendered copy (no LibreOffice) -------------------------------------

def test_the_record_of_the_input_reads_back_and_is_deterministic(tmp_path):
    from assembler.resources import templates_dir
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    record = edits.Record(used={"request.facts": "1234", "respondent.a_number": "abcd"},
                          also={"service.method": "ef01"}, shown={"respondent.a_number": "A087-654-321"})
    for target in (a, b):
        shutil.copyfile(templates_dir() / "letter.docx", target)
        edits.record_input(target, record)
    assert a.read_bytes() == b.read_bytes()
    assert edits.read_input(a) == record
    Document(str(a))  # still a Word document
    # Word (here python-docx) keeps it when it saves the file
    _add_paragraphs(a, "edited", 1)
    assert edits.read_input(a) == record


# --- pdpacket edit ----------------------------------------------------------------------------

def test_edit_without_a_document_lists_the_ones_that_can_be_edited(run, tmp_path):
    folder, _ = _case(tmp_path)
    result = run("edit", folder)
    assert result.code == 0, result.err
    assert result.out.split() == ["01-request-letter.docx", "99-certificate-of-service.docx"]


def test_edit_of_an_unknown_document_names_the_ones_there_are(run, tmp_path):
    folder, _ = _case(tmp_path)
    result = run("edit", folder, "02-index-of-exhibits")
    assert result.code == ExitCode.input_file
    assert ("no document of this case is named '02-index-of-exhibits': choose one of 01-request-letter.docx, "
            "99-certificate-of-service.docx") in result.err


def test_edit_never_overwrites_an_edited_copy(run, tmp_path):
    folder, _ = _case(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    copy = folder / "edits" / "01-request-letter.docx"
    _add_paragraphs(copy, "MY EDIT", 1)
    before = copy.read_bytes()
    again = run("edit", folder, "letter")
    assert again.code == ExitCode.usage
    assert f"{copy} is already the hand-edited copy of 01-request-letter" in again.err
    assert copy.read_bytes() == before
    assert run("edit", folder, "letter", "--force").code == 0
    assert copy.read_bytes() != before


# --- a build with edits/ --------------------------------------------------------------------

@pytest.mark.libreoffice
def test_a_build_uses_the_edited_letter_and_settles_the_pages_around_it(run, tmp_path):
    folder, _ = _case(tmp_path)
    result = run("edit", folder, "01-request-letter")
    assert result.code == 0, result.err
    copy = folder / "edits" / "01-request-letter.docx"
    assert result.out.strip() == str(copy)
    _add_paragraphs(copy, "EDITED BY HAND, paragraph", 60)  # a page or two longer
    built = run("build", folder)
    assert built.code == 0, built.err
    assert "from edits/01-request-letter.docx (edited by hand, used instead of a render)" in built.err
    assert "stale" not in built.err
    out = folder / "out"
    filing = next(out.glob("*.pdf"))
    texts = page_texts(filing)
    assert "EDITED BY HAND, paragraph 59" in "".join(texts)
    # the index still gives the pages the tabs really have
    assert index_ranges(texts)["A"][0] == tab_pages(texts)["A"]
    manifest = json.loads((out / "manifest.json").read_text())
    letter = manifest["sections"][0]["parts"][0]
    assert letter["edited"] == "edits/01-request-letter.docx" and "template" not in letter
    assert manifest["edits"][0]["file"] == "edits/01-request-letter.docx"
    assert manifest["edits"][0]["changed_since"] == [] and manifest["edits"][0]["current"] is True
    assert letter["edited_current"] is True
    assert "edited" not in manifest["sections"][-1]["parts"][0]  # the certificate of service was rendered
    # docx/ holds the documents the filing was made of: the edited letter among them
    assert "EDITED BY HAND" in "".join(p.text for p in Document(str(out / "docx" / "01-request-letter.docx")).paragraphs)


@pytest.mark.libreoffice
def test_a_changed_case_warns_that_the_edited_copy_is_stale_naming_the_fields(run, tmp_path):
    folder, data = _case(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    data["request"]["facts"] = "New facts."
    data["respondent"]["a_number"] = "A087654329"
    data["respondent"]["language"] = "Tibetan"  # the letter does not print it: not a change of the letter
    write_case(folder, data)
    (folder / "edits" / "02-index-of-exhibits.docx").write_bytes(b"")
    (folder / "edits" / "tab-Z-declaration-x.docx").write_bytes(b"")
    built = run("build", folder, "-q")
    assert built.code == 0, built.err
    assert ("warning: edits/01-request-letter.docx is out of date: the case changed since it was made "
            "(statement of facts: F. -> New facts.; A-number: A087654321 -> A087654329): run `pdpacket edit "
            f"{folder} 01-request-letter --refresh`") in built.err
    assert "edits/02-index-of-exhibits.docx is not used: the index is made again by every build" in built.err
    assert "edits/tab-Z-declaration-x.docx is not used: no document of this filing has that name" in built.err
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert manifest["edits"][0]["changed_since"] == ["statement of facts: F. -> New facts.",
                                                     "A-number: A087654321 -> A087654329"]
    assert manifest["edits"][0]["current"] is False


@pytest.mark.libreoffice
def test_an_edited_copy_without_a_record_is_used_with_a_warning(run, tmp_path):
    folder, _ = _case(tmp_path)
    (folder / "edits").mkdir()
    doc = Document()
    doc.add_paragraph("A LETTER WRITTEN FROM SCRATCH")
    doc.save(str(folder / "edits" / "01-request-letter.docx"))
    built = run("build", folder, "-q")
    assert built.code == 0, built.err
    assert "edits/01-request-letter.docx carries no record of the case data it was made from" in built.err
    assert "A LETTER WRITTEN FROM SCRATCH" in page_texts(next((folder / "out").glob("*.pdf")))[0]


@pytest.mark.libreoffice
def test_a_batch_rerun_rebuilds_a_case_whose_edits_changed(run, tmp_path):
    folder, _ = _case(tmp_path / "src")
    out = tmp_path / "out"
    assert run("batch", folder.parent, "-o", out, "-q").code == 0
    assert run("batch", folder.parent, "-o", out, "-q").code == 0
    assert json.loads((out / "batch-report.json").read_text())["cases"][0]["status"] == "skipped"
    assert run("edit", folder, "01-request-letter").code == 0
    _add_paragraphs(folder / "edits" / "01-request-letter.docx", "EDITED FOR THE BATCH", 1)
    assert run("batch", folder.parent, "-o", out, "-q").code == 0
    assert json.loads((out / "batch-report.json").read_text())["cases"][0]["status"] == "built"
    assert "EDITED FOR THE BATCH" in "".join(page_texts(next((out / "c").glob("*.pdf"))))
    # and, unchanged since, the next run skips it again
    assert run("batch", folder.parent, "-o", out, "-q").code == 0
    assert json.loads((out / "batch-report.json").read_text())["cases"][0]["status"] == "skipped"


@pytest.mark.libreoffice
def test_the_court_papers_do_not_complain_about_the_filings_edited_copies(run, tmp_path):
    folder, _ = _case(tmp_path, **{"request.relief": ["dismissal"], "court": {"dismissal_ground": "a6"}})
    assert run("edit", folder, "01-request-letter").code == 0
    result = run("court", folder, "-q")
    assert result.code == 0, result.err
    assert "edits/" not in result.err
