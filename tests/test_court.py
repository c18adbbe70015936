"""`pdpacket court`: the joint motion and proposed order for when the office agrees."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml
from pypdf import PdfReader

from assembler.documents.court import court_variables, find_court
from assembler.errors import ExitCode
from helpers import SAMPLES, make_docx, minimal, outline_titles, page_texts, write_case


def _text(pdf) -> str:
    return "\n".join(page_texts(pdf))


@pytest.fixture(scope="module")
def sample_papers(tmp_path_factory):
    """Court papers of samples 1 (dismissal, New York) and 2 (detained, administrative closure), written
    beside a copy of sample 1's filing folder."""
    from assembler.court import court_papers
    out1 = tmp_path_factory.mktemp("s1-out")
    (out1 / "GARCIA-LOPEZ_A201234567_PD-request.pdf").write_bytes(b"%PDF-1.4 the filing, left alone\n")
    (out1 / "docx").mkdir()
    (out1 / "manifest.json").write_text("{}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPACKET_TODAY", "2026-11-28")
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
        first = court_papers(SAMPLES / "1-garcia-lopez", out1)
        second = court_papers(SAMPLES / "2-pierre-louis-detained", tmp_path_factory.mktemp("s2-out"))
    return first, second


@pytest.mark.libreoffice
def test_court_papers_have_the_caption_the_a_number_and_the_relief(sample_papers):
    result, _ = sample_papers
    assert result.filing.name == "GARCIA-LOPEZ_A201234567_court-papers.pdf"
    text = _text(result.filing)
    for expected in ("UNITED STATES DEPARTMENT OF JUSTICE", "EXECUTIVE OFFICE FOR IMMIGRATION REVIEW",
                     "IMMIGRATION COURT", "NEW YORK, NY", "In the Matter of", "MARÍA JOSÉ GARCÍA LÓPEZ",
                     "Respondent", "In Removal Proceedings", "File No.: A201-234-567",
                     "Immigration Judge: Hon. Ana Ruiz", "June 15, 2027",
                     "JOINT MOTION TO DISMISS PROCEEDINGS", "8 C.F.R. § 1239.2(c)", "Counsel for Respondent",
                     "Assistant Chief Counsel", "CERTIFICATE OF SERVICE", "Office of the Chief Counsel, New York City",
                     "ORDER OF THE IMMIGRATION JUDGE", "GRANTED", "DENIED",
                     "It is further ORDERED that the proceedings are dismissed"):
        assert expected in text, expected
    assert "\u2610" in text  # the judge's choices are check boxes
    assert "DETAINED" not in text


@pytest.mark.libreoffice
def test_court_papers_sit_beside_the_filing_with_their_word_copies(sample_papers):
    result, _ = sample_papers
    out = result.filing.parent
    assert (out / "GARCIA-LOPEZ_A201234567_PD-request.pdf").read_bytes().startswith(b"%PDF-1.4 the filing")
    assert (out / "docx").is_dir() and (out / "manifest.json").read_text() == "{}"
    assert sorted(p.name for p in (out / "court-docx").iterdir()) == [
        "dismissal-1-cover.docx", "dismissal-2-joint-motion.docx", "dismissal-3-proposed-order.docx"]
    manifest = json.loads((out / "court-manifest.json").read_text())
    assert [s["key"] for s in manifest["sections"]] == ["court:dismissal:motion", "court:dismissal:order"]
    assert manifest["filing"]["pages"] == len(PdfReader(result.filing).pages)
    assert outline_titles(result.filing) == ["Joint Motion to Dismiss Proceedings",
                                             "Proposed order (Joint Motion to Dismiss Proceedings)"]
    assert result.filing.stat().st_size < 25 * 1024 * 1024
    assert PdfReader(result.filing).pages[0].extract_text().count("Page 1 of") == 1


@pytest.mark.libreoffice
def test_pdpacket_check_reads_the_court_papers_against_their_manifest(run, sample_papers):
    result, _ = sample_papers
    checked = run("check", result.filing)
    assert checked.code == 0, checked.err
    assert "checked against its manifest: OK" in checked.out


@pytest.mark.libreoffice
def test_no_court_address_is_invented_a_blank_is_printed_and_warned(sample_papers):
    result, _ = sample_papers
    assert "Address: ____" in page_texts(result.filing)[0]
    assert any("no address for the New York Broadway Immigration Court" in w.render() and "courts:" in w.render()
               for w in result.warnings)


@pytest.mark.libreoffice
def test_a_detained_case_is_marked_detained_top_right_of_the_cover(sample_papers):
    _, result = sample_papers
    cover = PdfReader(result.filing).pages[0]
    found = []
    cover.extract_text(visitor_text=lambda text, cm, tm, font, size: found.append((text, tm[4], tm[5]))
                       if "DETAINED" in text else None)
    assert found and all(x > 300 and y > 650 for _, x, y in found)
    text = _text(result.filing)
    assert "JOINT MOTION TO ADMINISTRATIVELY CLOSE PROCEEDINGS" in text and "MIAMI, FL" in text
    assert "8 C.F.R. § 1003.18(c)" in text
    assert "STIPULAT" not in text.upper().replace("STIPULATE_TO_BOND", "")  # bond has no court motion here


@pytest.mark.libreoffice
def test_at_the_board_the_papers_are_addressed_to_the_board_and_a_firm_template_is_used(run, tmp_path):
    data = minimal(**{"proceedings.stage": "appeal_pending", "request.relief": ["termination",
                                                                               "administrative_closure"],
                      "proceedings.judge": "Hon. A. Judge"})
    folder = write_case(tmp_path / "c", data)
    firm = tmp_path / "firm"
    make_docx(firm / "proposed_order.docx", "FIRM ORDER FORM: {{ motion.title }} before the {{ court.body }}")
    result = run("court", folder, "--templates", firm, "-q")
    assert result.code == 0, result.err
    text = _text(folder / "out" / "TENZIN_A087654321_court-papers.pdf")
    assert "BOARD OF IMMIGRATION APPEALS" in text and "IMMIGRATION COURT" not in text
    assert "File No.: A087-654-321" in text
    assert "JOINT MOTION TO TERMINATE PROCEEDINGS" in text and "8 C.F.R. § 1003.1(m)" in text
    assert "JOINT MOTION TO ADMINISTRATIVELY CLOSE PROCEEDINGS" in text and "8 C.F.R. § 1003.1(l)" in text
    assert "Immigration Judge:" not in text  # no judge nor hearing at the Board
    assert "FIRM ORDER FORM: Joint Motion to Terminate Proceedings before the Board of Immigration Appeals" \
        in " ".join(text.split())
    assert "no address for the Board of Immigration Appeals" in result.err


@pytest.mark.libreoffice
def test_the_firm_court_directory_gives_the_address(run, tmp_path):
    data = minimal(**{"proceedings.court": "Springfield Immigration Court", "request.relief": ["dismissal"]})
    folder = write_case(tmp_path / "cases" / "c", data)
    (tmp_path / "cases" / "pdpacket.yaml").write_text(yaml.safe_dump({"courts": {"springfield": {
        "name": "Springfield Immigration Court", "city": "Springfield", "state": "IL",
        "address": ["1 Example Plaza, Room 2", "Springfield, IL 62701"]}}}))
    result = run("court", folder, "-q")
    assert result.code == 0, result.err
    assert "court directory" not in result.err and "blank" not in result.err  # nothing left blank
    text = _text(folder / "out" / "TENZIN_A087654321_court-papers.pdf")
    assert "SPRINGFIELD, IL" in text and "1 Example Plaza, Room 2" in text


def test_a_court_missing_from_the_directory_prints_blanks_and_is_warned():
    data = minimal(**{"proceedings.court": "Springfield Immigration Court"})
    court, warnings = court_variables(data, {})
    assert court["place"] is None and court["address"] == [] and not court["board"]
    assert warnings == [("proceedings.court", "'Springfield Immigration Court' is not in the court directory: the "
                         "court papers print blanks for its city, state and address; add it under courts: in the "
                         "settings (name, city, state, address)")]


def test_the_court_is_found_by_name_or_alias_whatever_the_capitals():
    from assembler.casefile.settings import load_settings
    courts = load_settings(None, None).courts
    assert find_court("new york  broadway immigration court", courts)[0] == "new_york_broadway"
    assert find_court("Krome", courts)[0] == "krome"
    assert all(not entry.get("address") for entry in courts.values())  # none could be sourced


def test_a_case_without_a_relief_the_court_grants_has_no_court_papers(run, tmp_path):
    folder = write_case(tmp_path / "c", minimal(**{"request.relief": ["continuance", "deferred_action"]}))
    result = run("court", folder)
    assert result.code == ExitCode.invalid_case
    assert "request.relief: none of the relief asked is granted by the court on a joint motion" in result.err
    assert not (folder / "out").exists()


def test_templates_check_knows_the_court_variables(run, tmp_path):
    folder = tmp_path / "t"
    make_docx(folder / "joint_motion.docx", "{{ court.adress }} {{ motion.title }}")
    make_docx(folder / "letter.docx", "{{ motion.title }}")
    result = run("templates", "check", folder)
    assert result.code == ExitCode.template_error
    assert "joint_motion.docx: 'court.adress' does not exist: did you mean 'court.address'?" in result.err
    assert "letter.docx: 'motion' exists only in the court_cover, joint_motion and proposed_order templates" \
           in result.err


def test_the_court_templates_ship_and_export(run, tmp_path):
    result = run("templates", "export", tmp_path / "mine")
    assert result.code == 0, result.err
    for role in ("court_cover", "joint_motion", "proposed_order"):
        assert (tmp_path / "mine" / f"{role}.docx").is_file()
    assert run("templates", "check", tmp_path / "mine").code == 0
    shutil.rmtree(tmp_path / "mine")


def test_court_citations_come_from_the_one_table_and_follow_who_has_the_case():
    from assembler.documents import citations, court
    assert court.citation("administrative_closure", board=False) == citations.CITATIONS["administrative_closure"][
        citations.Stage.immigration_judge]
    assert court.citation("join_motion_to_reopen", board=True) == citations.REOPEN_CITATIONS["board"]
    assert court.citation("join_motion_to_reopen", board=False).endswith("1003.23(b)(4)(iv)")
    assert court.citation("dismissal", board=True) is None  # the brief's table has none: none is made up


@pytest.mark.libreoffice
def test_court_papers_over_the_size_limit_are_split_at_document_boundaries(run, tmp_path):
    # `pdpacket court --split`: each part under the limit, starting with its contents page, the motion
    # and its proposed order never cut, the parts listed in the manifest.
    from helpers import copy_firm_settings
    copy_firm_settings(tmp_path / "cases")
    settings = tmp_path / "cases" / "pdpacket.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\nfiling:\n  size_limit_mb: 0.08\n", encoding="utf-8")
    case = shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "cases" / "1-garcia-lopez")
    result = run("court", case, "-o", tmp_path / "out", "--split", "-q")
    assert result.code == 0, result.err
    whole = tmp_path / "out" / "GARCIA-LOPEZ_A201234567_court-papers.pdf"
    parts = sorted((tmp_path / "out").glob("*_court-papers_Part*.pdf"))
    assert [p.name for p in parts] == ["GARCIA-LOPEZ_A201234567_court-papers_Part1.pdf",
                                       "GARCIA-LOPEZ_A201234567_court-papers_Part2.pdf"]
    assert all(p.stat().st_size <= 0.08 * 1024 * 1024 for p in parts)
    texts = [page_texts(p) for p in parts]
    assert texts[0][0].startswith("Part 1 of 2: contents") and texts[1][0].startswith("Part 2 of 2: contents")
    assert "JOINT MOTION TO DISMISS PROCEEDINGS" in texts[0][1] and "ORDER OF THE IMMIGRATION JUDGE" in texts[1][1]
    assert [t for part in texts for t in part[1:]] == page_texts(whole)  # every page once, in order
    manifest = json.loads((tmp_path / "out" / "court-manifest.json").read_text())
    assert [p["file"] for p in manifest["parts"]] == [p.name for p in parts]
