"""The court papers' own forms (`court: forms:`): counsel's EOIR-28 goes on top of each motion, never in the
PD request filing, whose approval and sent bytes stay as they were (issue 26: the CLI walk-through's EOIR-28,
put under `forms:` as `pdpacket court` asked after a grant, turned the sent filing into a stale draft)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from assembler.errors import ExitCode
from helpers import approve_case, isolated_env, make_pdf, minimal, page_texts, write_case

OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example"}
FILING = "TENZIN_A087654321_PD-request.pdf"
CLOSE = "TENZIN_A087654321_joint-motion-to-administratively-close.pdf"
STAND_IN = "EOIR-28 STAND-IN"  # the text of each page of the stand-in form (no official form is shipped)
EOIR28 = {"kind": "eoir28", "file": "forms/eoir28.pdf"}


@pytest.fixture(scope="module")
def granted(tmp_path_factory):
    """A cases folder with one case approved, built (the final filing), sent by mail and granted; the
    stand-in EOIR-28 (two pages) lies in its folder, named by no list yet."""
    from assembler.api import build
    from assembler.cli.main import main
    root = tmp_path_factory.mktemp("court-forms") / "cases"
    root.mkdir()
    (root / "pdpacket.yaml").write_text(yaml.safe_dump({"offices": {"chicago": OFFICE}}), encoding="utf-8")
    case = write_case(root / "c", minimal(**{"service.date": "2026-11-28"},
                                                forms=[{"kind": "g28", "file": "forms/g28.pdf"}]))
    make_pdf(case / "forms" / "g28.pdf", text="G-28 SIGNED")
    make_pdf(case / "forms" / "eoir28.pdf", pages=2, text=STAND_IN)
    with pytest.MonkeyPatch.context() as mp:
        isolated_env(mp, root.parent)
        approve_case(case)
        build(case)
        for args in (["--sent", "--method", "mail", "--date", "2026-11-28"],
                     ["--response", "granted", "--date", "2026-11-28"]):
            with pytest.raises(SystemExit) as done:
                main(["log", str(case), *args])
            assert done.value.code == 0
    return root.parent


@pytest.fixture
def cases(granted, tmp_path, monkeypatch):
    """A copy of the granted case's folder, with its ledger."""
    shutil.copytree(granted, tmp_path / "w")
    isolated_env(monkeypatch, tmp_path / "w")
    return tmp_path / "w" / "cases"


def _edit(case: Path, change) -> None:
    data = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    change(data)
    (case / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _status(run, cases: Path) -> dict:
    result = run("status", cases, "--json")
    assert result.code == 0, result.err
    [row] = json.loads(result.out)["cases"]
    return row


def _is_sent_and_approved(row: dict) -> bool:
    return (row["sent"], row["response"], row["changed"]) == ("2026-11-28", "granted", False) \
        and row["approval"].startswith("approved by Daniel Okafor")


@pytest.mark.libreoffice
def test_the_eoir28_in_the_court_papers_forms_goes_on_top_of_the_motion_and_the_sent_filing_stays(run, cases):
    case = cases / "c"
    filing = (case / "out" / FILING).read_bytes()
    assert _is_sent_and_approved(_status(run, cases))
    _edit(case, lambda d: d.setdefault("court", {}).update(forms=[EOIR28]))
    assert _is_sent_and_approved(_status(run, cases))  # the filing's approval is untouched: not a draft
    result = run("court", case, "-q")
    assert result.code == 0, result.err
    assert "must be of record" not in result.err and "forms:" not in result.err
    pages = page_texts(case / "out" / CLOSE)
    # On top: the form's two pages, then the motion's cover page.
    assert [STAND_IN in t for t in pages[:3]] == [True, True, False]
    assert not any(STAND_IN in t for t in pages[2:])
    assert "JOINT MOTION TO ADMINISTRATIVELY CLOSE PROCEEDINGS" in pages[2]
    manifest = json.loads((case / "out" / "court-manifest.json").read_text(encoding="utf-8"))
    [paper] = manifest["files"]
    assert paper["sections"][0]["key"] == "court:administrative_closure:form:court.forms[0]"
    assert (paper["sections"][0]["first_page"], paper["sections"][0]["last_page"]) == (1, 2)
    assert (case / "out" / FILING).read_bytes() == filing  # the served filing, untouched
    assert _is_sent_and_approved(_status(run, cases))
    # A build makes the filing the office got, without the EOIR-28.
    assert run("build", case, "-q").code == 0
    assert not any(STAND_IN in t for t in page_texts(case / "out" / FILING))
    assert (case / "out" / FILING).read_bytes() == filing
    assert _is_sent_and_approved(_status(run, cases))


@pytest.mark.libreoffice
def test_an_eoir28_put_in_the_filings_forms_after_the_approval_is_said_to_be_moved_and_still_used(run, cases):
    # the CLI walk-through: the old message sent the EOIR-28 to `forms:`, and the sent filing became a draft
    case = cases / "c"
    filing = (case / "out" / FILING).read_bytes()
    _edit(case, lambda d: d["forms"].append(EOIR28))
    row = _status(run, cases)
    assert row["approval"].startswith("draft: the approval by Daniel Okafor on 2026-12-01 is out of date: the "
                                      'Form EOIR-28 under "forms:" in case.yaml puts it in the PD request filing')
    assert 'move its entry (the lines from "- kind: eoir28") from "forms:" to a list "forms:" under "court:"' \
        in row["approval"]
    result = run("court", case, "-q")
    assert result.code == 0, result.err
    assert 'forms: warning: the Form EOIR-28 under "forms:" in case.yaml' in result.err
    assert "must be of record" not in result.err
    pages = page_texts(case / "out" / CLOSE)  # old case files keep working: the form is on top of the motion
    assert [STAND_IN in t for t in pages[:3]] == [True, True, False]
    assert (case / "out" / FILING).read_bytes() == filing
    # Moved as the message says: the approval holds again.
    _edit(case, lambda d: (d["forms"].remove(EOIR28), d.setdefault("court", {}).update(forms=[EOIR28])))
    assert _is_sent_and_approved(_status(run, cases))


@pytest.mark.libreoffice
def test_without_an_eoir28_the_court_command_says_where_to_put_it(run, cases):
    result = run("court", cases / "c", "-q")
    assert result.code == 0, result.err
    said = " ".join(result.err.split())
    assert "court.forms: warning: counsel must be of record before the immigration court to file these motions " \
           "(Form EOIR-28): unless it is on file with the immigration court already, put the signed Form EOIR-28 " \
           'on top of the motions: in case.yaml, under "court:", add a list "forms:" with one entry ' \
           '"- kind: eoir28" and "file: forms/eoir28.pdf"' in said
    assert "never in the PD request filing" in said
    assert len(PdfReader(cases / "c" / "out" / CLOSE).pages) >= 1


# --- without LibreOffice -------------------------------------------------------------------------

def test_the_court_papers_plan_puts_each_courts_form_on_top_of_each_motion(tmp_path):
    from assembler.casefile.forms import court_forms
    from assembler.documents.court import plan_court
    data = minimal(**{"request.relief": ["dismissal", "administrative_closure"], "court.forms": [EOIR28]})
    forms = court_forms(data, tmp_path)
    keys = [s.key for s in plan_court(data, {"takes_order": False}, forms)]
    assert keys == ["court:dismissal:form:court.forms[0]", "court:dismissal:motion",
                    "court:administrative_closure:form:court.forms[0]", "court:administrative_closure:motion"]


def test_an_old_case_files_eoir28_in_forms_goes_in_both_filing_and_court_papers(tmp_path):
    # a case file written before court.forms, sent with its EOIR-28 in the filing: nothing to change
    from assembler.casefile.forms import court_forms, resolve_forms
    data = minimal(forms=[{"kind": "g28", "file": "g28.pdf"}, EOIR28])
    assert [(f.kind, f.path) for f in court_forms(data, tmp_path)] == [("eoir28", "forms[1]")]
    assert [f.kind for f in resolve_forms(data, tmp_path)] == ["g28", "eoir28"]
    # At the Board the EOIR-27 is counsel's: a top-level EOIR-28 is not taken for it.
    board = minimal(**{"proceedings.stage": "appeal_pending"}, forms=[EOIR28])
    assert court_forms(board, tmp_path) == []


def test_the_court_papers_forms_are_checked_and_stay_out_of_the_filings_inputs(run, tmp_path):
    from assembler.casefile.case import case_settings, validate_case
    from assembler.options import NO_OPTIONS
    from assembler.pdf.manifest import case_inputs
    data = minimal(**{"court.forms": [{"kind": "eoir28", "file": "forms/eoir-28.pdf"}, {"kind": "other",
                                                                                         "file": "forms/x.pdf"}]})
    folder = write_case(tmp_path / "c", data)
    result = run("validate", folder)
    assert result.code == ExitCode.invalid_case
    assert "court.forms[0].file: 'forms/eoir-28.pdf' does not exist in the case folder" in result.err
    assert "court.forms[1].title: name the form" in result.err
    wrong_kind = run("validate", write_case(tmp_path / "g", minimal(**{"court.forms": [{"kind": "g28"}]})))
    assert wrong_kind.code == ExitCode.invalid_case and "court.forms[0].kind" in wrong_kind.err
    make_pdf(folder / "forms" / "eoir-28.pdf")
    make_pdf(folder / "forms" / "x.pdf")
    _edit(folder, lambda d: d["court"]["forms"][1].update(title="Form EOIR-33"))
    assert run("validate", folder).code == 0
    case = validate_case(folder, NO_OPTIONS, False, case_settings(folder, NO_OPTIONS))
    assert not [p for p in case_inputs(case) if "forms/" in str(p)]
