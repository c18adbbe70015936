"""The samples' filings read as an attorney would sign them: checked in the filing's own text
(`pdftotext -layout`), not in the templates."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from assembler.pdf.draft_mark import TEXT as DRAFT_TEXT
from helpers import SAMPLES, TODAY, copy_firm_settings

pytestmark = pytest.mark.libreoffice

NAMES = ("1-garcia-lopez", "2-pierre-louis-detained", "3-minimal", "4-quispe-board")
BARE = "3-bare"  # sample 3 without exhibits and with no immigration history: what a filing leaves out then
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


@pytest.fixture(scope="module")
def filings(tmp_path_factory):
    """Each sample built once: {name: (pages of text, manifest, warnings)}."""
    from assembler.api import build

    mp = pytest.MonkeyPatch()
    mp.setenv("PDPACKET_TODAY", TODAY)
    mp.delenv("PDPACKET_SETTINGS", raising=False)
    root = tmp_path_factory.mktemp("signable")
    mp.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
    copy_firm_settings(root)
    built = {}
    try:
        for name in NAMES + (BARE,):
            case = root / name
            shutil.copytree(SAMPLES / name.replace(BARE, "3-minimal"), case, ignore=shutil.ignore_patterns("out"))
            if name == BARE:
                _strip_evidence(case / "case.yaml")
            result = build(case, root / f"{name}-out")
            text = subprocess.run(["pdftotext", "-layout", str(result.filing), "-"], capture_output=True,
                                  text=True, check=True).stdout
            manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
            built[name] = (text.split("\f"), manifest, [w.render() for w in result.warnings])
    finally:
        mp.undo()
    return built


def _strip_evidence(file) -> None:
    import yaml
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data.pop("exhibits")
    for factor in data["request"]["favorable_factors"]:
        factor.pop("exhibits", None)
    data["immigration_history"] = []
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _section(built, key: str) -> str:
    pages, manifest, _ = built
    s = next(s for s in manifest["sections"] if s["key"] == key)
    return "\n".join(pages[s["first_page"] - 1:s["last_page"]])


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_certificate_prints_the_address_its_method_uses(filings):
    email = _flat(_section(filings["1-garcia-lopez"], "service"))
    assert "by e-mail to pd-requests@occ-nyc.example." in email
    assert "26 Federal Plaza" not in email
    mail = _flat(_section(filings["3-minimal"], "service"))
    assert ("by first-class mail, addressed to: Office of the Chief Counsel, Chicago U.S. Immigration and Customs "
            "Enforcement 55 E Monroe St, Suite 1400 Chicago, IL 60603") in mail
    hand = _flat(_section(filings["4-quispe-board"], "service"))
    assert "by hand delivery at: Office of the Chief Counsel, Houston" in hand and "126 Northpoint Dr" in hand


def test_the_letters_via_line_matches_the_method(filings):
    assert "VIA E-MAIL TO krome-pd@occ-miami.example" in _section(filings["2-pierre-louis-detained"], "letter")
    assert "VIA FIRST-CLASS MAIL" in _section(filings["3-minimal"], "letter")
    assert "VIA HAND DELIVERY" in _section(filings["4-quispe-board"], "letter")


def test_with_all_its_exhibits_only_when_there_are_exhibits(filings):
    assert "with all its exhibits" in _flat(_section(filings["1-garcia-lopez"], "service"))
    assert "with all its exhibits" in _flat(_section(filings["3-minimal"], "service"))
    assert "with all its exhibits" not in _flat(_section(filings[BARE], "service"))


def test_the_certificate_names_who_served_and_their_address(filings):
    text = _section(filings["2-pierre-louis-detained"], "service")
    # The sample is not approved: no "/s/" yet, its place kept above the name (test_approval.py).
    assert re.search(r"\(unsigned draft\)\s*Camille Reyes", text) and "/s/" not in text
    assert "1200 Brickell Ave, Suite 1950" in text


def test_detained_appears_on_the_letter_index_and_certificate_of_a_detained_case(filings):
    detained = filings["2-pierre-louis-detained"]
    for key in ("letter", "index", "service"):
        lines = [line for line in _section(detained, key).splitlines() if line.strip() not in ("", DRAFT_TEXT)]
        assert lines[0].strip() == "DETAINED", key  # the first line of the document, under a draft's mark
    letter = _flat(_section(detained, "letter"))
    assert "Detained at: Krome North Service Processing Center, Miami, FL" in letter
    assert "Detained since: October 8, 2026" in letter
    # Counted from sending (the service date, December 2, 2026) plus the settings' 7 days, not back
    # from a hearing months away, which would leave the client detained until then.
    assert "decision by December 9, 2026." in letter
    assert "release on bond in the amount of $3,000, under 8 C.F.R. §§ 1003.19 and 1236.1(d)" in letter
    for name in ("1-garcia-lopez", "3-minimal", "4-quispe-board"):
        assert "DETAINED" not in "\n".join(filings[name][0])


def test_citations_follow_the_stage(filings):
    judge = _flat(_section(filings["2-pierre-louis-detained"], "letter"))
    assert "Stage: Before the immigration judge, individual calendar" in judge
    assert "Administrative closure of the proceedings, under 8 C.F.R. § 1003.18(c)." in judge
    board = _flat(_section(filings["4-quispe-board"], "letter"))
    assert "Stage: On appeal before the Board of Immigration Appeals" in board
    assert "Termination of the proceedings, under 8 C.F.R. § 1003.1(m)." in board
    assert "Administrative closure of the proceedings, under 8 C.F.R. § 1003.1(l)." in board
    assert "1003.18" not in board
    assert "Dismissal of the proceedings, under 8 C.F.R. § 1239.2(c)" in _flat(
        _section(filings["1-garcia-lopez"], "letter"))


def test_criminal_history_is_stated_and_a_withheld_adjudication_is_not_called_no_conviction(filings):
    assert "María José García López has no criminal history." in _flat(_section(filings["1-garcia-lopez"], "letter"))
    minimal = _flat(_section(filings["3-minimal"], "letter"))
    assert "Tenzin has no criminal history." in minimal and "Negative factors None known." in minimal
    detained = _flat(_section(filings["2-pierre-louis-detained"], "letter"))
    assert "without conviction" not in detained
    assert "case no. 2016-012345-TT-20" in detained and "Statute: Fla. Stat. § 316.193." in detained
    assert "counts as a conviction for immigration purposes under INA § 101(a)(48)(A)" in detained
    assert re.search(r"Certified disposition: Tab [A-Z]\.", detained)


def _nested(text: str) -> list[str]:
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
            start = i if depth == 1 else start
            if depth == 2:
                found.append(text[max(start - 30, 0):i + 30])
        elif ch == ")":
            depth = max(depth - 1, 0)
    return found


def test_no_nested_parentheses_anywhere(filings):
    for name, (pages, _, _) in filings.items():
        for number, page in enumerate(pages, start=1):
            assert not _nested(_flat(page)), f"{name} page {number}: {_nested(_flat(page))}"


def test_no_a_number_date_or_tab_is_split_across_lines(filings):
    split = [re.compile(r"A\d{3}-?\s*\n\s*-?\d{3}|A\d{3}-\d{3}-?\s*\n"),
             re.compile(rf"\b(?:{MONTHS})\s*\n\s*\d{{1,2}},|\b(?:{MONTHS}) \d{{1,2}},\s*\n\s*\d{{4}}"),
             re.compile(r"\bTabs?\s*\n\s*[A-Z]{1,2}\b")]
    for name, (pages, _, _) in filings.items():
        for number, page in enumerate(pages, start=1):
            for pattern in split:
                assert not pattern.search(page), f"{name} page {number}: {pattern.search(page)}"


def test_a_translated_exhibit_says_what_it_includes_in_the_index(filings):
    lines = _section(filings["1-garcia-lopez"], "index").splitlines()
    row = next(i for i, line in enumerate(lines) if "Birth certificate of María José García López" in line)
    assert "dated April 2, 1985." in lines[row]
    assert lines[row + 1].strip() == "Includes the English translation and the translator's certificate."
    untranslated = next(line for line in lines if "Birth certificate of Sofía García" in line)
    assert "Includes" not in untranslated


def test_declaration_titles_and_signature_blocks(filings):
    pages, manifest, _ = filings["1-garcia-lopez"]
    titles = [s["title"] for s in manifest["sections"] if s["key"].startswith("declaration:")]
    assert "Declaration of Sofía García, daughter (U.S. citizen)" in titles
    letter = _section(filings["1-garcia-lopez"], "letter")
    last_page = letter.split("Respectfully submitted,")[0].rsplit("Page ", 1)
    assert "Conclusion" in last_page[-1], "the signature block starts a page without the conclusion"
    decl = _section(filings["4-quispe-board"], "declaration:decl_respondent")
    assert "Executed on November 16, 2026, at Houston, Texas, U.S.A.\n" in decl  # one final period
    assert ".." not in _flat(decl)


def test_the_manifest_and_every_build_record_the_office_and_its_source(filings):
    _, manifest, warnings = filings["3-minimal"]
    office = manifest["office"]
    assert office["key"] == "chicago" and office["address"] == ["55 E Monroe St, Suite 1400", "Chicago, IL 60603"]
    assert office["address_source"] == {"source": "public transcription, undated, as collected by the pdpacket project",
                                        "source_date": "2026-11-28"}
    assert office["verified_on"] is None and office["service"]["method"] == "mail"
    assert any("the address of the Office of the Chief Counsel, Chicago printed in the filing (55 E Monroe St" in w
               and "under offices.chicago.verified_on" in w for w in warnings)
    krome = filings["2-pierre-louis-detained"][1]["office"]
    assert krome["key"] == "miami_krome" and krome["service"]["email"] == "krome-pd@occ-miami.example"
    assert krome["email_source"]["source"] == "fictional sample value"


def test_the_letter_states_the_prior_immigration_history(filings):
    letter = _flat(_section(filings["1-garcia-lopez"], "letter"))
    assert "Prior immigration history" in letter
    assert ("April 12, 2025. Stopped by the police in Queens for a broken taillight and given a traffic ticket, "
            "which she paid; no criminal charge was filed.") in letter
    assert "Source: Notice to Appear; the respondent's declaration (Tab A)" in letter
    assert "Prior immigration history" not in _flat(_section(filings[BARE], "letter"))  # [] says none


def test_the_confidentiality_legend_is_on_every_page_where_the_case_needs_it(filings):
    minor = "CONFIDENTIAL: contains the school or medical records of a minor."
    asylum = "CONFIDENTIAL: contains information about an asylum application, protected from disclosure by " \
             "8 C.F.R. § 208.6."
    for name, wanted in (("1-garcia-lopez", minor), ("3-minimal", asylum)):
        pages, manifest, _ = filings[name]
        pages = [p for p in pages if p.strip()]
        assert manifest["legend"] == wanted
        assert all(wanted in _flat(p) for p in pages), name
        assert all(re.search(r"Page \d+ of \d+", p) for p in pages)  # beside the page number
    pages, manifest, _ = filings["2-pierre-louis-detained"]
    assert "legend" not in manifest and "CONFIDENTIAL" not in "".join(pages)

