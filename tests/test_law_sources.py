"""The law data's sources (issue 22 follow-up): an entry marked verified says where it was read,
when, and quotes the words that support it; `pdpacket law` shows the quote; a firm may record its own."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from assembler import resources
from assembler.casefile import law
from assembler.casefile.settings import load_settings

QUOTE_MAX = 300


def _settings(path: Path, **data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _block(out: str, key: str) -> list[str]:
    """The lines `pdpacket law` prints for one entry: its key, then its indented lines."""
    lines = out.splitlines()
    start = lines.index(key)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start + 1:end]


def test_every_verified_entry_names_the_page_read_the_day_and_the_words_that_support_it():
    entries = resources.data("law")["entries"]
    verified = {key: e for key, e in entries.items() if e.get("verified")}
    assert verified, "no shipped entry is verified"
    for key, entry in verified.items():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry.get("checked_on"))), key  # a day, not a year
        assert re.search(r"https?://", entry["source"]), key
        quote = entry.get("quote") or ""
        assert 0 < len(quote) <= QUOTE_MAX, (key, len(quote))
        assert "stored copy" in (entry.get("note") or ""), key  # read from a stored copy, not the live page


def test_an_unverified_entry_carries_no_quote_and_says_what_was_searched():
    for key, entry in resources.data("law")["entries"].items():
        if not entry.get("verified"):
            assert not entry.get("quote"), key  # a quote would pass for a check that was not made
            assert entry.get("note"), key


def test_pdpacket_law_prints_the_quote_of_a_verified_entry(run):
    entries = resources.data("law")["entries"]
    result = run("law")
    assert result.code == 0, result.err
    for key, entry in entries.items():
        block = _block(result.out, key)
        if entry.get("quote"):
            assert f'  quote: "{entry["quote"]}"' in block, key
        else:
            assert not [line for line in block if line.startswith("  quote:")], key


def test_a_firm_can_record_the_quote_it_read_and_the_listing_shows_it(run, tmp_path):
    s = _settings(tmp_path / "s.yaml", law={"entries": {"citation.termination.board": {
        "checked_on": "2026-12-01", "verified": True, "quote": "The Board may terminate a case",
        "source": "https://www.ecfr.gov/current/title-8/section-1003.1#p-1003.1(m)"}}})
    settings = load_settings(s, None)
    assert settings.law_changed["citation.termination.board"] == ["checked_on", "quote", "source", "verified"]
    out = run("law", "--settings", s).out
    block = _block(out, "citation.termination.board")
    assert '  quote: "The Board may terminate a case"' in block


def test_describe_keeps_the_quote_after_the_source():
    entry = {"text": "T", "authority": "A", "source": "https://example.org/x", "checked_on": "2026-12-07",
             "verified": True, "quote": "the words", "origin": law.SHIPPED}
    from datetime import date
    lines = law.describe("k", entry, None, date(2026, 12, 7), 6)
    assert lines.index('  quote: "the words"') == lines.index("  source: https://example.org/x") + 1


def test_no_source_a_user_reads_speaks_of_the_projects_domain_brief():
    # the CLI walk-through met "(pdpacket domain brief)" in the build's office warning: a paralegal
    # cannot know what it is; the data says who collected it instead (comments may keep the term)
    said = []
    for name in ("offices.yaml", "courts.yaml", "law.yaml", "confidentiality.yaml", "consent_risks.yaml"):
        doc = yaml.safe_load((Path(resources.__file__).parent / "data" / name).read_text(encoding="utf-8"))

        def walk(node, where):
            if isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{where}[{i}]")
            elif isinstance(node, str) and "domain brief" in node:
                said.append(where)
        walk(doc, name)
    assert said == []
