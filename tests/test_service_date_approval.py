"""The attorney's approval survives a change of the service date alone (issue 23 point 6): the text is what
was approved, the date is a fact of the sending. Any other change still makes it stale, and says what
changed. No LibreOffice: the approval is checked against the case's inputs, not a build."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembler.casefile.case import case_settings, validate_case
from assembler.options import CommandOptions
from assembler.pdf import approval
from helpers import approve_case, load_yaml, minimal, write_case

OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example"}


@pytest.fixture
def case(tmp_path, pinned_today):
    (tmp_path / "pdpacket.yaml").write_text(yaml.safe_dump({"offices": {"chicago": OFFICE}}), encoding="utf-8")
    folder = write_case(tmp_path / "tenzin", minimal(**{"service.method": "email"}))
    approve_case(folder)
    return folder


def _state(folder) -> approval.State:
    options = CommandOptions()
    settings = case_settings(folder, options)
    return approval.state(validate_case(folder, options, False, settings), settings)


def _edit(folder, change) -> None:
    path = folder / "case.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


DAYS = st.integers(min_value=-400, max_value=400).map(lambda n: (date(2026, 11, 28) + timedelta(days=n)).isoformat())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=DAYS)
def test_the_approval_holds_when_only_the_service_date_changes(case, day):
    _edit(case, lambda d: d["service"].update(date=day))
    found = _state(case)
    assert found.current, found.line()
    assert found.line() == "approved by Daniel Okafor on 2026-12-01"


@pytest.mark.parametrize("day", ["2026-11-20", "2026-12-02", "2027-02-01"])
def test_any_other_change_with_it_still_makes_the_approval_stale_and_says_only_that(case, day):
    _edit(case, lambda d: (d["service"].update(date=day), d["request"].update(summary="Another summary.")))
    found = _state(case)
    assert not found.current
    assert "summary: S. -> Another summary." in found.line(), found.line()
    assert "service date:" not in found.line().lower() and "letter date:" not in found.line().lower(), found.line()


def test_a_change_of_the_server_or_of_the_method_of_service_still_makes_it_stale(case):
    _edit(case, lambda d: d["service"].update(served_by="Ana Reyes"))
    assert not _state(case).current
    _edit(case, lambda d: d["service"].update(served_by="Daniel Okafor", method="mail"))
    assert not _state(case).current
    _edit(case, lambda d: d["service"].update(method="email", date="2027-01-04"))
    assert _state(case).current
