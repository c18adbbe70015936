"""Hypothesis strategies for case data made from the case schema (schemas/case.yaml): every field the
schema has, in each shape it allows (lists or "none" included), every scalar as the text a person types."""
from __future__ import annotations

import re
import string

from hypothesis import strategies as st

from assembler import resources

# Text a person types: letters with accents, digits, punctuation YAML cares about (: # - ' " & *).
WORDS = st.text(alphabet=string.ascii_letters + string.digits + "áéíñüçÀ -.,:;#'\"&*/()?!@%", min_size=1,
                max_size=30).map(str.strip).filter(bool)
SENTENCE = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)
PARAGRAPHS = st.lists(SENTENCE, min_size=1, max_size=3).map("\n\n".join)
IDENT = st.from_regex(r"[a-z][a-z0-9_-]{0,11}", fullmatch=True)
ISO_DATE = st.dates().map(lambda d: d.isoformat())


def scalar(key: str, rules: dict) -> st.SearchStrategy:
    meta = rules.get("meta") or {}
    if rules.get("allowed"):
        return st.sampled_from([str(a) for a in rules["allowed"]])
    if rules.get("type") == "boolean":
        return st.sampled_from(["true", "false", "yes", "no"])
    if rules.get("type") in ("number", "integer"):
        return st.integers(1, 100_000).map(str)
    coerce = rules.get("coerce")
    if coerce == "date":
        return ISO_DATE
    if coerce == "time":
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if coerce == "a_number":
        return st.from_regex(r"A?[1-9][0-9]{8}", fullmatch=True)
    if rules.get("regex"):
        return st.from_regex(re.compile(rules["regex"]), fullmatch=True,
                             alphabet=string.ascii_letters + string.digits + "._-@").filter(lambda s: s == s.strip())
    if key == "id":
        return IDENT
    example = meta.get("example")
    if isinstance(example, str) and example.rstrip().endswith((".", "...")):
        return st.one_of(SENTENCE, PARAGRAPHS)
    return SENTENCE


def value(key: str, rules: dict) -> st.SearchStrategy:
    kind = rules.get("type")
    item = rules.get("schema") or {}
    if isinstance(kind, list):  # "none", or a list of entries
        return st.one_of(st.sampled_from(["none", "None known"]), st.lists(mapping(item["schema"]), min_size=1,
                                                                           max_size=2))
    if kind == "dict":
        if isinstance(rules.get("schema"), dict):
            return mapping(rules["schema"])
        return st.dictionaries(IDENT, SENTENCE, max_size=3)
    if kind == "list":
        if item.get("type") == "dict":
            return st.lists(mapping(item["schema"]), min_size=rules.get("minlength", 0), max_size=2)
        if item.get("allowed"):
            return st.lists(st.sampled_from([str(a) for a in item["allowed"]]), min_size=1, max_size=3, unique=True)
        if key in ("exhibits",) or (rules.get("meta") or {}).get("hint", "").startswith("ids"):
            return st.lists(IDENT, max_size=3)
        return st.lists(SENTENCE, min_size=max(1, rules.get("minlength", 0)), max_size=3)
    return scalar(key, rules)


def mapping(schema: dict) -> st.SearchStrategy:
    required = {k: value(k, r) for k, r in schema.items() if r.get("required")}
    optional = {k: value(k, r) for k, r in schema.items() if not r.get("required")}
    return st.fixed_dictionaries(required, optional=optional).map(
        lambda d: {k: d[k] for k in schema if k in d})  # the schema's key order


def valid_cases() -> st.SearchStrategy:
    """Case data the schema accepts (the files it names need not exist)."""
    return mapping(resources.load_schema("case"))
