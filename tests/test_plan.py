"""The filing's table of contents, decided before anything is rendered: order, tab letters,
page numbers and what the index lists."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assembler.documents.plan import index_entries, number_pages, page_range, plan, total_pages

CASE = Path("/cases/tenzin")


def _declaration(i: int) -> dict:
    return {"id": f"d{i}", "declarant": f"Declarant {i}", "relationship": "friend",
            "signed": {"date": f"2026-11-{10 + i}"}}


def _exhibit(i: int, **extra) -> dict:
    return {"id": f"e{i}", "file": f"ex/e{i}.pdf", "title": f"Exhibit {i}", **extra}


def test_the_letter_and_index_come_first_and_the_certificate_of_service_last():
    sections, tabs = plan({}, CASE)
    assert [(s.key, s.tab) for s in sections] == [("letter", None), ("index", None), ("service", None)]
    assert [p.kind for s in sections for p in s.parts] == ["letter", "index", "service"]
    assert tabs == {}


def test_declarations_take_the_first_tabs_then_the_exhibits_in_their_order():
    # Exhibits written before declarations in the case file: declarations still come first.
    data = {"exhibits": [_exhibit(0), _exhibit(1)], "declarations": [_declaration(0), _declaration(1)]}
    sections, tabs = plan(data, CASE)
    assert [s.key for s in sections] == ["letter", "index", "declaration:d0", "declaration:d1", "exhibit:e0",
                                         "exhibit:e1", "service"]
    assert tabs == {"d0": "A", "d1": "B", "e0": "C", "e1": "D"}
    assert [s.tab for s in sections[2:-1]] == ["A", "B", "C", "D"]
    assert sections[2].title == "Declaration of Declarant 0, friend" and sections[2].date == "2026-11-10"
    assert [p.kind for p in sections[2].parts] == ["tab", "declaration"]
    assert sections[4].bookmark == "Tab C: Exhibit 0" and sections[0].bookmark == "Request for prosecutorial discretion"


def test_tab_letters_run_past_z_as_courts_letter_them():
    sections, tabs = plan({"exhibits": [_exhibit(i) for i in range(60)]}, CASE)
    letters = [s.tab for s in sections if s.tab]
    assert letters[:3] == ["A", "B", "C"]
    assert letters[24:29] == ["Y", "Z", "AA", "AB", "AC"]
    assert letters[51:54] == ["AZ", "BA", "BB"]
    assert letters[-1] == "BH"
    assert len(set(letters)) == 60 and tabs["e26"] == "AA"


def test_a_translation_and_its_certificate_follow_their_original():
    data = {"exhibits": [_exhibit(0, translation={"file": "ex/e0-en.pdf"}, date="2001-05-02"), _exhibit(1)]}
    sections, _ = plan(data, CASE)
    translated, plain = sections[2], sections[3]
    assert [p.kind for p in translated.parts] == ["tab", "exhibit", "translation", "translator_certificate"]
    assert [p.source for p in translated.parts] == [None, CASE / "ex/e0.pdf", CASE / "ex/e0-en.pdf", None]
    assert {p.ref for p in translated.parts} == {"e0"} and translated.date == "2001-05-02"
    assert [p.kind for p in plain.parts] == ["tab", "exhibit"]


def _planned_with_pages(pages: dict[str, list[int]]):
    """A plan with one declaration and two exhibits (the first translated), parts given page counts."""
    data = {"declarations": [_declaration(0)],
            "exhibits": [_exhibit(0, translation={"file": "ex/e0-en.pdf"}), _exhibit(1)]}
    sections, _ = plan(data, CASE)
    return [replace(s, parts=[replace(part, pages=count) for part, count in zip(s.parts, pages[s.key], strict=True)])
            for s in sections]


PAGES = {"letter": [3], "index": [1], "declaration:d0": [1, 2], "exhibit:e0": [1, 2, 2, 1], "exhibit:e1": [1, 1],
         "service": [1]}


def test_pages_are_numbered_straight_through_every_part():
    planned = _planned_with_pages(PAGES)
    sections = number_pages(planned)
    assert total_pages(sections) == 16 and sections[-1].last == 16
    assert all(s.first == s.last == 0 for s in planned)  # numbered anew: the plan is left as it was
    assert [(s.first, s.last) for s in sections] == [(1, 3), (4, 4), (5, 7), (8, 13), (14, 15), (16, 16)]
    translated = sections[3]
    assert [(p.first, p.last) for p in translated.parts] == [(8, 8), (9, 10), (11, 12), (13, 13)]


def test_page_ranges_use_an_en_dash():
    assert page_range(4, 4) == "4"
    assert page_range(4, 5) == "4\u20135"
    assert page_range(10, 123) == "10\u2013123"


def test_the_index_lists_the_tabs_and_the_certificate_of_service_but_not_the_letter_or_itself():
    sections = number_pages(_planned_with_pages(PAGES))
    entries = index_entries(sections)
    assert [(e["tab"], e["title"], e["pages"]) for e in entries] == [
        ("A", "Declaration of Declarant 0, friend", "5\u20137"),
        ("B", "Exhibit 0", "8\u201313"),
        ("C", "Exhibit 1", "14\u201315"),
        (None, "Certificate of service", "16")]
    assert entries[0]["date"] == "2026-11-10" and (entries[-1]["first"], entries[-1]["last"]) == (16, 16)
