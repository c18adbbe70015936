"""The typed views of a case's sections (assembler/casefile/views.py) against the case schema: every
field of the five sections is reachable through its view with the schema's type, and a view changes
nothing of the dict it reads (unknown fields stay where they are)."""
from __future__ import annotations

import copy
import types
import typing
from dataclasses import FrozenInstanceError, fields

import pytest
from hypothesis import HealthCheck, assume, given, settings

from assembler import resources
from assembler.casefile.schema import SchemaCheck
from assembler.casefile.views import VIEWS, Attorney, Proceedings, Request, Respondent, Service
from case_strategies import valid_cases
from helpers import examples, minimal

SCHEMA = resources.load_schema("case")
# What Cerberus's type names hold once normalize.py has coerced a value (dates stay ISO text).
TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "number": (int, float),
                                      "integer": (int,), "list": (list,), "dict": (dict,)}


def _schema_types(rules: dict) -> set[type]:
    kinds = rules["type"] if isinstance(rules["type"], list) else [rules["type"]]
    allowed = {t for k in kinds for t in TYPES[k]}
    if rules.get("nullable") or not rules.get("required") and "default" not in rules:
        allowed.add(type(None))  # absent, or null
    return allowed


def _hint_types(hint: object) -> set[type]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return {t for arg in typing.get_args(hint) for t in _hint_types(arg)}
    origin = typing.get_origin(hint)
    if hint is float:
        return {int, float}  # a number the case file wrote as a whole number stays an int
    return {origin or hint}  # type: ignore[arg-type]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.NAME)
def test_every_schema_field_has_the_schema_type(view):
    schema = SCHEMA[view.NAME]["schema"]
    hints = typing.get_type_hints(view)
    named = {f.name for f in fields(view)} - {"section"}
    assert named == set(schema), f"{view.NAME}: the view and the schema name different fields"
    for name, rules in schema.items():
        assert _hint_types(hints[name]) == _schema_types(rules), f"{view.NAME}.{name}"


def test_a_view_reads_the_dict_and_keeps_it_whole():
    doc = minimal()
    doc["respondent"]["nickname"] = "Pepa"  # a field the schema does not know
    before = copy.deepcopy(doc)
    r = Respondent.of(doc)
    assert (r.family_names, r.a_number, r.date_of_birth) == (
        doc["respondent"]["family_names"], doc["respondent"]["a_number"], doc["respondent"]["date_of_birth"])
    assert r.section is doc["respondent"] and r.section["nickname"] == "Pepa"
    with pytest.raises(FrozenInstanceError):
        r.detained = True  # type: ignore[misc]
    assert doc == before


def test_absent_optional_fields_read_as_their_defaults():
    doc = minimal()
    doc["respondent"].pop("given_names", None)
    doc["respondent"].pop("language", None)
    r = Respondent.of(doc)
    assert r.given_names is None and r.language == "English" and r.detained is False
    assert r.full_name == doc["respondent"]["family_names"]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=valid_cases())
def test_generated_cases_read_the_same_through_the_views(data):
    document, problems = SchemaCheck(SCHEMA).run(data, "case.yaml", {})
    assume(not problems)
    before = copy.deepcopy(document)
    for view in (Respondent, Proceedings, Request, Service, Attorney):
        seen = view.of(document)
        hints = typing.get_type_hints(view)
        section = document[view.NAME]
        for f in fields(view):
            if f.name == "section":
                continue
            value = getattr(seen, f.name)
            assert value == section.get(f.name, f.default), f"{view.NAME}.{f.name}"
            assert type(value) in _hint_types(hints[f.name]), f"{view.NAME}.{f.name}: {value!r}"
    assert document == before
