"""Small things a paralegal would otherwise find on the filing (issue 12, point 9)."""
from __future__ import annotations

from assembler.documents.typography import sentence
from helpers import minimal, write_case


def _declaration(country: str) -> dict:
    return {"id": "decl", "declarant": "Ana Tenzin", "relationship": "sister", "paragraphs": ["I know him."],
            "signed": {"city": "Oslo", "country": country, "date": "2026-11-20"}}


def test_a_country_code_where_a_declaration_was_signed_is_warned_about(run, tmp_path):
    data = minimal()
    data["declarations"] = [_declaration("NO")]
    result = run("validate", write_case(tmp_path / "c", data))
    assert result.code == 0
    assert "declarations[0].signed.country: warning: 'NO' looks like a country code" in result.err
    data["declarations"] = [_declaration("USA")]  # understood as the United States: the 1746 form follows it
    assert "looks like a country code" not in run("validate", write_case(tmp_path / "d", data)).err


def test_a_place_that_ends_with_a_period_gets_no_second_one():
    assert sentence("Queens, New York, U.S.A.") == "Queens, New York, U.S.A."
    assert sentence("Oslo, Norway") == "Oslo, Norway."
