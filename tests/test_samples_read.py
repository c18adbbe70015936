"""The four samples read as the receiving Office of the Chief Counsel's attorney reads them: every
generated page of every filing and court paper (`pdftotext -layout`) is free of invented facts and
stray punctuation, and the documents agree with one another (the letter, the declarations, the
exhibits tools/make_samples.py makes)."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from assembler.documents.typography import NBHY, keep_together
from helpers import SAMPLES, TODAY, copy_firm_settings

NAMES = ("1-garcia-lopez", "2-pierre-louis-detained", "3-minimal", "4-quispe-board")


def test_form_numbers_typed_in_the_case_never_break_at_their_hyphen():
    text = keep_together("a waiver (Form I-601A), Forms I-130 and EOIR-26, and a G-28; a well-known name")
    assert f"I{NBHY}601A" in text and f"I{NBHY}130" in text and f"EOIR{NBHY}26" in text and f"G{NBHY}28" in text
    assert "well-known" in text  # ordinary hyphenated words keep their breakable hyphen


def _text(pdf) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


@pytest.fixture(scope="module")
def read(tmp_path_factory):
    """Each sample's filing and court papers, built once: {name: Read}."""
    from assembler.api import build
    from assembler.court import court_papers

    mp = pytest.MonkeyPatch()
    mp.setenv("PDPACKET_TODAY", TODAY)
    mp.delenv("PDPACKET_SETTINGS", raising=False)
    root = tmp_path_factory.mktemp("read")
    mp.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
    copy_firm_settings(root)
    done = {}
    try:
        for name in NAMES:
            case = root / name
            shutil.copytree(SAMPLES / name, case, ignore=shutil.ignore_patterns("out"))
            done[name] = Read(build(case, root / f"{name}-out"), court_papers(case, root / f"{name}-court"))
    finally:
        mp.undo()
    return done


class Read:
    """A built sample as text: the filing's pages, its manifest's sections, and each court paper."""

    def __init__(self, filing, court):
        import json
        self.pages = _text(filing.filing)
        self.sections = json.loads(filing.manifest.read_text(encoding="utf-8"))["sections"]
        self.court = {p.name: _text(p) for p in court.files}

    def generated_pages(self) -> list[tuple[str, str]]:
        """(where, text) of every page pdpacket wrote itself: the filing's parts made from a template,
        and every page of the court papers (exhibits are the client's documents, read elsewhere)."""
        found = []
        for s in self.sections:
            for part in s.get("parts") or [{"first_page": s["first_page"], "last_page": s["last_page"],
                                            "template": s["key"] in ("letter", "index", "service") or None}]:
                if part.get("template"):
                    found += [(f"{s['key']} page {n}", self.pages[n - 1])
                              for n in range(part["first_page"], part["last_page"] + 1)]
        for name, pages in self.court.items():
            found += [(f"{name} page {n}", page) for n, page in enumerate(pages, start=1)]
        return found

    def section(self, key: str) -> str:
        s = next(s for s in self.sections if s["key"] == key)
        return _flat("\n".join(self.pages[s["first_page"] - 1:s["last_page"]]))

    def everything(self) -> str:
        return _flat("\n".join(self.pages + [p for pages in self.court.values() for p in pages]))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# A label alone at the end of its line ("Immigration judge:", "Address:"): the value it announces is
# missing. The lead-ins that a line of their own by convention (salutation, "declare as follows:",
# the caption's "In the Matter of:") are not labels.
EMPTY_LABEL = re.compile(r"(?:^|\s{2,})([A-Z][A-Za-z.-]*(?: [A-Za-z.-]+){0,3}):\s*$")
LEAD_INS = {"Dear Chief Counsel", "In the Matter of", "Re"}


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", NAMES)
def test_no_generated_page_invents_a_fact_or_leaves_a_label_empty(read, name):
    pages = read[name].generated_pages()
    assert len(pages) > 3
    for where, page in pages:
        for bad in ("Not assigned", "Not yet scheduled", ", ,", " ,", "..", "None known.None"):
            assert bad not in _flat(page), f"{name}, {where}: {bad!r}"
        for line in page.splitlines():
            found = EMPTY_LABEL.search(line.rstrip())
            assert not found or found[1] in LEAD_INS, f"{name}, {where}: empty label {line.strip()!r}"


def _years_in_letter(r: Read) -> str:
    found = re.search(r"has lived here for (\w+(?:-\w+)?) \((\d+)\) years?", r.section("letter"))
    assert found, "the letter states no years in the United States"
    return found[1]


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["1-garcia-lopez", "2-pierre-louis-detained", "4-quispe-board"])
def test_the_years_in_the_united_states_agree_between_letter_and_declaration(read, name):
    years = _years_in_letter(read[name])
    assert f"for {years} years" in read[name].section("declaration:decl_respondent")


@pytest.mark.libreoffice
def test_sample_1_employment_encounter_and_ages_agree(read):
    r = read["1-garcia-lopez"]
    everything = r.everything()
    assert "never arrested" not in everything and "never been arrested" not in everything
    assert "April 12, 2025" in r.section("letter") and "April 12, 2025" in r.section("declaration:decl_respondent")
    for key in ("letter", "declaration:decl_respondent", "declaration:decl_employer", "exhibit:employer_letter"):
        text = r.section(key)
        assert "2011" in text and re.search(r"produce manager since 2016", text), key
    assert not re.search(r"produce manager since 2011", everything)
    # Sofía's declared age is her age on the letter's date (born May 2, 2012; letter December 1, 2026).
    assert "I am fourteen years old" in r.section("declaration:decl_sofia")
    assert "May 2, 2012" in r.section("exhibit:birth_sofia")


@pytest.mark.libreoffice
def test_sample_2_has_no_children_distinct_signed_letters_and_bond_it_can_have(read):
    r = read["2-pierre-louis-detained"]
    everything = r.everything().replace("no children", "").replace("son-in-law", "")
    assert not re.search(r"\b(father|children|child|son|daughter)\b", everything, re.IGNORECASE)
    letters = [p for p in r.section("exhibit:letters").split("LETTER OF SUPPORT")[1:]]
    assert len(letters) == 3 and len({_flat(x) for x in letters}) == 3
    letter = r.section("letter")
    assert "release on bond in the amount of $3,000" in letter and "admitted" in letter
    assert "has not been arrested since" not in everything  # ICE arrested him in 2026
    assert "2016-012345-TT-20" in r.section("exhibit:disposition") and "2016-012345-TT-20" in letter
    assert "Temporary Protected Status" not in everything


@pytest.mark.libreoffice
def test_sample_3_offers_evidence_for_what_it_asks(read):
    r = read["3-minimal"]
    assert re.search(r"\(Tabs? [A-Z]", r.section("letter"))
    assert any(s["key"].startswith("exhibit:") for s in r.sections)
    assert "Immigration judge:" not in r.section("letter") and "Next hearing:" not in r.section("letter")


@pytest.mark.libreoffice
def test_sample_4_asks_for_what_an_entry_without_inspection_allows(read):
    r = read["4-quispe-board"]
    everything = r.everything()
    assert "may seek permanent residence" not in everything
    assert "without inspection" in r.section("letter") and "I-601A" in r.section("letter")
    assert sorted(r.court) == ["QUISPE-MAMANI_A209876543_joint-motion-to-administratively-close.pdf",
                               "QUISPE-MAMANI_A209876543_joint-motion-to-terminate.pdf"]
    for pages in r.court.values():
        text = _flat("\n".join(pages))
        assert "I-601A" in text and "ORDER OF THE" not in text
    for key in ("exhibit:i130", "exhibit:marriage", "exhibit:taxes"):
        assert "Tomas Huaman" in r.section(key), key
    assert "Tomás Huamán" in r.section("letter")


@pytest.mark.libreoffice
def test_the_court_papers_print_the_attorneys_e_mail_whole(read):
    for name in NAMES:
        for paper, pages in read[name].court.items():
            split = [line.strip() for page in pages for line in page.splitlines()
                     if re.search(r"\S+@\S*-$", line.rstrip())]
            assert not split, f"{name} {paper}: an e-mail address broken at its hyphen: {split}"


@pytest.mark.libreoffice
def test_the_signatures_of_a_motion_share_their_page_with_its_prayer(read):
    """A signature page with no line of the motion on it could be stapled to any motion."""
    for name in NAMES:
        for paper, pages in read[name].court.items():
            signed = next(p for p in pages if "Respectfully submitted," in p)
            assert "WHEREFORE" in signed, f"{name} {paper}"
