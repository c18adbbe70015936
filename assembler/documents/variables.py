"""What a template may use: every variable with its type and an example.

Generated from the case schema (so it never drifts from it); the fields
pdpacket derives and the variables of each role's template are described
beside the code that computes them (context.py). `pdpacket templates vars` prints it; `templates check` uses it to
catch `respondent.adress.city` before a filing goes out.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assembler import resources

ANY = "any"


@dataclass
class Var:
    type: str  # text, yes/no, number, date, list, mapping, image, any
    example: object = None
    fields: dict[str, Var] = field(default_factory=dict)  # for mappings
    item: Var | None = None  # for lists
    doc: str = ""
    open: bool = False  # a mapping that accepts any key (custom, tabs)

    @property
    def each(self) -> Var:
        """An item of this list."""
        assert self.item is not None, "not a list"
        return self.item


def _from_rules(rules: dict) -> Var:
    meta = rules.get("meta") or {}
    kind = rules.get("type")
    if isinstance(kind, list):  # [list, string]: a list, or the word none
        kind = kind[0]
    example = meta.get("example")
    if kind == "dict":
        sub = rules.get("schema") or {}
        return Var("mapping", example, {k: _from_rules(v) for k, v in sub.items()},
                   open=bool(rules.get("allow_unknown")) or not sub, doc=meta.get("hint", ""))
    if kind == "list":
        item_rules = rules.get("schema") or {}
        return Var("list", example, item=_from_rules(item_rules) if item_rules else Var(ANY), doc=meta.get("hint", ""))
    coerce = rules.get("coerce")
    word = {"boolean": "yes/no", "integer": "number", "number": "number"}.get(kind or "", "text")
    if coerce == "date":
        word = "date"
    return Var(word, example, doc=meta.get("hint", ""))


def text(example: Any, doc: str = "") -> Var:
    return Var("text", example, doc=doc)


def schema_tree() -> Var:
    """The case data's variables, as the case schema describes them."""
    return _from_rules({"type": "dict", "schema": resources.load_schema("case")})


FILTERS = {
    "longdate": "a date as 'March 14, 1985'",
    "words": "a number in words and figures, 'twenty-three (23)'; empty when the number is unknown",
    "a_number": "an A-number as 'A201-234-567'",
    "lines": "a list (or text) as separate lines of one paragraph",
    "paragraphs": "text split at blank lines, for {%p for p in text|paragraphs %}",
    "cite": "exhibit ids as ' (Tabs A, C)'",
    "tab": "an exhibit id as its tab letter",
    "sentence": "text ending in exactly one period ('U.S.A.' stays as it is, 'Lease' becomes 'Lease.')",
}


def walk(var: Var, path: str = "") -> Iterator[tuple[str, Var]]:
    """(path, Var) for every variable, depth first."""
    yield path, var
    for name, sub in var.fields.items():
        yield from walk(sub, f"{path}.{name}" if path else name)
    if var.item is not None:
        yield from walk(var.item, f"{path}[]")
