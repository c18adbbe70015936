"""`pdpacket court`: the joint motion and proposed order for when the office agrees."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml
from pypdf import PdfReader

from assembler.documents.court import court_variables, find_court
from assembler.errors import ExitCode
from helpers import REPO, SAMPLES, make_docx, minimal, outline_titles, page_texts, write_case


def _text(pdf) -> str:
    return "\n".join(page_texts(pdf))


DISMISS = "GARCIA-LOPEZ_A201234567_joint-motion-to-dismiss.pdf"


def pdftotext_pages(pdf) -> list[str]:
    """What a reader sees on each page (poppler's pdftotext, not pypdf's extraction)."""
    pages = len(PdfReader(pdf).pages)
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout for n in range(1, pages + 1)]


# A label left with nothing after it, as "Address:" or "Immigration Judge:" printed for a missing fact.
EMPTY_LABEL = re.compile(r"\b(Address|Immigration Judge|Next hearing|EOIR ID|Detained at|Judge|Hearing|Facility):[ \t]*$",
                         re.MULTILINE)


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
    assert result.filing.name == DISMISS and result.files == [result.filing]
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
def test_a_dismissal_names_its_ground_states_the_facts_and_the_waiver(sample_papers):
    result, _ = sample_papers
    text = " ".join(_text(result.filing).split())
    assert "DHS moves on the ground of 8 C.F.R. § 239.2(a)(7): circumstances of the case have changed after the " \
           "notice to appear was issued to such an extent that continuation is no longer in the best interest of " \
           "the government." in text
    assert "The respondent, María José García López, is a citizen of Mexico. These proceedings are pending before " \
           "the Immigration Court on the master calendar." in text
    assert "is the primary caregiver of her two U.S.-citizen children" in text  # court.facts, from the case
    assert "Both parties waive appeal of an order granting this motion." in text
    assert "Both parties waived appeal." in text  # the order's box


@pytest.mark.libreoffice
def test_the_order_is_paginated_apart_and_names_no_judge_and_ice_eservice_is_a_way_to_serve(sample_papers):
    result, _ = sample_papers
    pages = page_texts(result.filing)
    order = [i for i, t in enumerate(pages) if "ORDER OF THE IMMIGRATION JUDGE" in t]
    assert order and order[0] > 0
    motion_pages = order[0]
    assert all(f"Page {n} of {motion_pages}" in pages[n - 1] for n in range(1, motion_pages + 1))
    assert f"Page 1 of {len(pages) - motion_pages}" in pages[order[0]]  # not "Page 4 of 4"
    assert not any("Ruiz" in t for t in pages[order[0]:])  # the judge may be reassigned: a blank line
    assert "Immigration Judge" in pages[order[0]]
    assert "ICE eService" in " ".join(pages[:motion_pages])


@pytest.mark.libreoffice
def test_court_papers_sit_beside_the_filing_with_their_word_copies(sample_papers):
    result, _ = sample_papers
    out = result.filing.parent
    assert (out / "GARCIA-LOPEZ_A201234567_PD-request.pdf").read_bytes().startswith(b"%PDF-1.4 the filing")
    assert (out / "docx").is_dir() and (out / "manifest.json").read_text() == "{}"
    assert sorted(p.name for p in (out / "court-docx").iterdir()) == [
        "dismissal-1-cover.docx", "dismissal-2-joint-motion.docx", "dismissal-3-proposed-order.docx"]
    [manifest] = json.loads((out / "court-manifest.json").read_text())["files"]
    assert [s["key"] for s in manifest["sections"]] == ["court:dismissal:motion", "court:dismissal:order"]
    assert manifest["filing"]["file"] == DISMISS
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
def test_the_caption_gives_city_and_state_and_no_address_line(sample_papers):
    result, _ = sample_papers
    assert not any("Address" in t for t in page_texts(result.filing))
    assert not any("address" in w.render() for w in result.warnings)


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
    said = " ".join(text.split())
    assert "Under 8 C.F.R. § 1003.18(c)(3), a motion to administratively close that the parties file jointly is " \
           "to be granted unless there are unusual, clearly identified and supported reasons to deny it." in said
    assert result.filing.name == "PIERRE-LOUIS_A098765432_joint-motion-to-administratively-close.pdf"


@pytest.mark.libreoffice
def test_at_the_board_each_motion_is_a_file_of_its_own_without_an_order(run, tmp_path):
    data = minimal(**{"proceedings.stage": "appeal_pending", "request.relief": ["termination",
                                                                               "administrative_closure"],
                      "proceedings.judge": "Hon. A. Judge"})
    folder = write_case(tmp_path / "c", data)
    result = run("court", folder, "-q")
    assert result.code == 0, result.err
    terminate = folder / "out" / "TENZIN_A087654321_joint-motion-to-terminate.pdf"
    close = folder / "out" / "TENZIN_A087654321_joint-motion-to-administratively-close.pdf"
    assert result.out.split() == [str(terminate), str(close)]
    text = _text(terminate)
    assert "BOARD OF IMMIGRATION APPEALS" in text and "IMMIGRATION COURT" not in text
    assert "File No.: A087-654-321" in text
    assert "JOINT MOTION TO TERMINATE PROCEEDINGS" in text and "8 C.F.R. § 1003.1(m)" in text
    assert "ADMINISTRATIVELY CLOSE" not in text  # never two motions in one file
    assert "JOINT MOTION TO ADMINISTRATIVELY CLOSE PROCEEDINGS" in _text(close) and "8 C.F.R. § 1003.1(l)" in _text(close)
    for paper in (terminate, close):
        said = _text(paper)
        assert "ORDER OF THE BOARD" not in said and "PROPOSED ORDER" not in said  # the Board writes its own
        assert "proposed order" not in " ".join(said.split()).lower()
        assert "Immigration Judge:" not in said  # no judge nor hearing at the Board
    assert "counsel must be of record before the Board to file these motions (Form EOIR-27)" in result.err
    manifest = json.loads((folder / "out" / "court-manifest.json").read_text())
    assert [m["filing"]["file"] for m in manifest["files"]] == [terminate.name, close.name]
    assert [s["key"] for m in manifest["files"] for s in m["sections"]] == [
        "court:termination:motion", "court:administrative_closure:motion"]


@pytest.mark.libreoffice
def test_a_board_that_takes_a_proposed_order_gets_one_from_the_firm_template(run, tmp_path):
    data = minimal(**{"proceedings.stage": "appeal_pending", "request.relief": ["termination"],
                      "forms": [{"kind": "eoir27", "file": "eoir27.pdf"}]})
    folder = write_case(tmp_path / "cases" / "c", data)
    from helpers import make_pdf
    make_pdf(folder / "eoir27.pdf")
    (tmp_path / "cases" / "pdpacket.yaml").write_text(yaml.safe_dump({"courts": {"board_of_immigration_appeals": {
        "name": "Board of Immigration Appeals", "proposed_order": True, "source": "the firm's own source"}}}))
    firm = tmp_path / "firm"
    make_docx(firm / "proposed_order.docx", "FIRM ORDER FORM: {{ motion.title }} before the {{ court.body }}")
    result = run("court", folder, "--templates", firm, "-q")
    assert result.code == 0, result.err
    assert "EOIR-27" not in result.err
    text = " ".join(_text(folder / "out" / "TENZIN_A087654321_joint-motion-to-terminate.pdf").split())
    assert "FIRM ORDER FORM: Joint Motion to Terminate Proceedings before the Board of Immigration Appeals" in text


@pytest.mark.libreoffice
def test_sample_4_files_each_motion_apart_and_sends_the_board_no_order(run, tmp_path):
    from helpers import copy_firm_settings
    copy_firm_settings(tmp_path / "cases")
    case = shutil.copytree(SAMPLES / "4-quispe-board", tmp_path / "cases" / "4-quispe-board")
    result = run("court", case, "-o", tmp_path / "out", "-q")
    assert result.code == 0, result.err
    papers = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    assert papers == ["QUISPE-MAMANI_A209876543_joint-motion-to-administratively-close.pdf",
                      "QUISPE-MAMANI_A209876543_joint-motion-to-terminate.pdf"]
    for name in papers:
        text = _text(tmp_path / "out" / name)
        assert len(set(re.findall(r"JOINT MOTION TO [A-Z ]+?PROCEEDINGS", text))) == 1  # one motion only
        assert "ORDER OF THE" not in text
    manifest = json.loads((tmp_path / "out" / "court-manifest.json").read_text())
    assert sorted(m["filing"]["file"] for m in manifest["files"]) == papers
    assert sorted(manifest["outputs"]) == papers


def _optional_fields_absent(relief: list[str], stage: str) -> dict:
    """A detained case at Krome (whose office has no address on file) with every optional field left out:
    no judge, no hearing, no EOIR ID, no firm, no given names, no facts for the court."""
    return minimal(**{"proceedings.court": "Krome Immigration Court", "office": "miami_krome",
                      "proceedings.stage": stage, "respondent.detained": True, "request.relief": relief,
                      "respondent.detention_facility": "Krome North Service Processing Center",
                      "respondent.detained_since": "2026-10-08",
                      "service": {"method": "eservice", "system": "ICE eService", "date": "2026-12-03",
                                  "served_by": "Daniel Okafor"},
                      "court": {"dismissal_ground": "a6"}})


@pytest.mark.libreoffice
@pytest.mark.parametrize("stage, relief", [
    ("master_calendar", ["dismissal", "administrative_closure", "termination"]),
    ("appeal_pending", ["termination", "administrative_closure"])])
def test_no_court_paper_prints_a_stray_comma_or_an_empty_label(run, tmp_path, stage, relief):
    folder = write_case(tmp_path / "c", _optional_fields_absent(relief, stage))
    result = run("court", folder, "-q")
    assert result.code == 0, result.err
    papers = sorted((folder / "out").glob("*.pdf"))
    assert len(papers) == len(relief)
    for paper in papers:
        for number, page in enumerate(pdftotext_pages(paper), start=1):
            assert not re.search(r",\s*,", page), (paper.name, number, page)
            assert not EMPTY_LABEL.search(page), (paper.name, number, page)
            assert "Not assigned" not in page and "Not yet scheduled" not in page, (paper.name, number)


def test_a_dismissal_without_its_ground_is_refused_naming_the_field(run, tmp_path):
    folder = write_case(tmp_path / "c", minimal(**{"request.relief": ["dismissal"]}))
    result = run("court", folder)
    assert result.code == ExitCode.invalid_case
    assert "court.dismissal_ground: a motion to dismiss names its ground under 8 C.F.R. § 239.2(a)" in result.err
    assert "a6" in result.err and "a7" in result.err
    assert not (folder / "out").exists()


@pytest.mark.libreoffice
def test_the_firm_court_directory_gives_the_address(run, tmp_path):
    data = minimal(**{"proceedings.court": "Springfield Immigration Court", "request.relief": ["dismissal"],
                      "court": {"dismissal_ground": "a6", "facts": "F."}})
    folder = write_case(tmp_path / "cases" / "c", data)
    (tmp_path / "cases" / "pdpacket.yaml").write_text(yaml.safe_dump({"courts": {"springfield": {
        "name": "Springfield Immigration Court", "city": "Springfield", "state": "IL",
        "address": ["1 Example Plaza, Room 2", "Springfield, IL 62701"]}}}))
    result = run("court", folder, "-q")
    assert result.code == 0, result.err
    assert "court directory" not in result.err and "blank" not in result.err  # nothing left blank
    text = _text(folder / "out" / "TENZIN_A087654321_joint-motion-to-dismiss.pdf")
    assert "SPRINGFIELD, IL" in text and "1 Example Plaza" not in text  # a caption gives city and state only


def test_a_court_missing_from_the_directory_prints_blanks_and_is_warned():
    data = minimal(**{"proceedings.court": "Springfield Immigration Court"})
    court, warnings = court_variables(data, {})
    assert court["place"] is None and court["address"] == [] and not court["board"]
    assert warnings == [("proceedings.court", "'Springfield Immigration Court' is not in the court directory: the "
                         "court papers print a blank for its city and state; add it under courts: in the settings "
                         "(name, city, state)")]


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


def test_only_an_immigration_court_takes_a_proposed_order_unless_the_directory_says_so():
    from assembler.casefile.settings import load_settings
    from assembler.documents.court import plan_court
    courts = load_settings(None, None).courts
    before_judge, _ = court_variables(minimal(**{"request.relief": ["termination"]}), courts)
    board, _ = court_variables(minimal(**{"proceedings.stage": "appeal_pending"}), courts)
    assert before_judge["takes_order"] and not board["takes_order"]
    data = minimal(**{"request.relief": ["termination", "administrative_closure"]})
    assert [s.key for s in plan_court(data, board)] == ["court:termination:motion",
                                                        "court:administrative_closure:motion"]
    told = {**courts, "board_of_immigration_appeals": {**courts["board_of_immigration_appeals"],
                                                       "proposed_order": True}}
    assert court_variables(minimal(**{"proceedings.stage": "appeal_pending"}), told)[0]["takes_order"]


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
    # Between the whole file (0.108 MB: its fonts embedded, PDF/A) and the motion with its contents page.
    settings.write_text(settings.read_text(encoding="utf-8") + "\nfiling:\n  size_limit_mb: 0.105\n", encoding="utf-8")
    case = shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "cases" / "1-garcia-lopez")
    result = run("court", case, "-o", tmp_path / "out", "--split", "-q")
    assert result.code == 0, result.err
    whole = tmp_path / "out" / DISMISS
    parts = sorted((tmp_path / "out").glob("*_joint-motion-to-dismiss_Part*.pdf"))
    assert [p.name for p in parts] == ["GARCIA-LOPEZ_A201234567_joint-motion-to-dismiss_Part1.pdf",
                                       "GARCIA-LOPEZ_A201234567_joint-motion-to-dismiss_Part2.pdf"]
    assert all(p.stat().st_size <= 0.105 * 1024 * 1024 for p in parts)
    texts = [page_texts(p) for p in parts]
    assert texts[0][0].startswith("Part 1 of 2: contents") and texts[1][0].startswith("Part 2 of 2: contents")
    assert "JOINT MOTION TO DISMISS PROCEEDINGS" in texts[0][1] and "ORDER OF THE IMMIGRATION JUDGE" in texts[1][1]
    assert [t for part in texts for t in part[1:]] == page_texts(whole)  # every page once, in order
    [manifest] = json.loads((tmp_path / "out" / "court-manifest.json").read_text())["files"]
    assert [p["file"] for p in manifest["parts"]] == [p.name for p in parts]


def test_the_court_directory_names_the_city_and_state_of_the_offices_courts():
    """The last CLI walk: Newark's court papers printed "IMMIGRATION COURT ____ (city, state)"; the directory held
    four courts while the offices' table names a court for nearly every office."""
    from assembler.casefile.settings import load_settings
    from assembler.documents.court import find_court

    courts = load_settings(None).courts
    for name, (city, state) in {"Newark Immigration Court": ("Newark", "NJ"), "Houston": ("Houston", "TX"),
                                "Dallas Immigration Court": ("Dallas", "TX"), "Seattle": ("Seattle", "WA")}.items():
        found = find_court(name, courts)
        assert found is not None and (found[1]["city"], found[1]["state"]) == (city, state), name
    for entry in courts.values():  # each with where it comes from, and no street address nobody sourced
        assert entry["source"] and entry["source_date"] and entry["address"] == []


def test_the_motions_grounds_and_closure_standard_are_read_from_the_law_data():
    """Legal rules live in data with their source: the dismissal grounds and the closure standard were prose in
    documents/court.py beside law.yaml entries that said the same and were never read."""
    from assembler.casefile import law
    from assembler.documents import citations, court

    entries = law.shipped()
    a7 = entries["court.dismissal.ground_a7"]
    assert citations.DISMISSAL_GROUNDS["a7"][1].capitalize() in a7["quote"]
    assert set(citations.DISMISSAL_GROUNDS) == {"a6", "a7"}
    assert citations.CLOSURE_STANDARD == citations.printed(entries["court.administrative_closure.joint_standard"]["text"])
    source = (REPO / "assembler" / "documents" / "court.py").read_text(encoding="utf-8")
    assert "239.2(a)(" not in source and "1003.18(c)(3)" not in source and "clearly identified" not in source
    assert court.DISMISSAL_GROUNDS is citations.DISMISSAL_GROUNDS
