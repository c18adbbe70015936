"""Values made from the case schema's `meta.example`s.

`example_value` gives the smallest value a field's rules accept; `stand_in`
puts one where the case has a broken field, so that the cross-field and file
checks can still run over the rest of the case (validate reports everything
in one run) and `pdpacket new` can show an example of every field.
"""
from __future__ import annotations

import copy
import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def types(rules: dict) -> set[str]:
    """The types a field's rules allow (`type: [list, string]` allows two)."""
    kind = rules.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def example_value(rules: dict, other: bool = False) -> Any:
    """A value the field's rules accept, built from its examples (required fields only);
    `other`: where the rules allow a choice (a keyword, yes/no), another choice."""
    meta = rules.get("meta") or {}
    kind = "list" if "list" in types(rules) else rules.get("type")
    item = rules.get("schema") if kind == "list" else None
    if other and rules.get("allowed"):
        return rules["allowed"][-1]
    if other and kind == "list" and isinstance(item, dict) and item.get("allowed"):
        return [item["allowed"][-1]]
    if other and kind == "boolean":
        return not meta.get("example", False)
    if "example" in meta and not (kind == "list" and isinstance(item, dict) and item.get("type") == "dict"):
        return copy.deepcopy(meta["example"])
    if kind == "dict":
        return {key: example_value(sub, other) if "default" not in sub else copy.deepcopy(sub["default"])
                for key, sub in (rules.get("schema") or {}).items() if sub.get("required") or "default" in sub}
    if kind == "list":
        return [example_value(item, other)] if isinstance(item, dict) and rules.get("minlength") else []
    if kind == "boolean":
        return False
    if rules.get("allowed"):
        return rules["allowed"][0]
    return "example"


def parse_path(path: str) -> list[str | int]:
    """'declarations[0].signed.date' -> ['declarations', 0, 'signed', 'date']."""
    return [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _TOKEN.finditer(path)]


def is_under(path: str, parent: str) -> bool:
    return path == parent or path.startswith((f"{parent}.", f"{parent}["))


def stand_in(document: dict, broken: list[str], schema: dict, other: bool = False) -> dict:
    """A copy of `document` where each broken field (a path) holds its example instead
    (`other`: another allowed choice where there is one, see example_value)."""
    from assembler.casefile.schema import schema_at  # schema imports normalize; keep this module light

    doc = copy.deepcopy(document)
    done: list[str] = []
    for path in sorted(set(broken), key=lambda p: len(parse_path(p))):
        if not path or any(is_under(path, d) for d in done):
            continue
        tokens = parse_path(path)
        rules = schema_at(schema, tokens)
        target = doc
        try:
            for token in tokens[:-1]:
                target = target[token]
            target[tokens[-1]] = example_value(rules or {}, other)
        except (KeyError, IndexError, TypeError):
            continue  # its parent is broken too, and stands in already or cannot
        done.append(path)
    return doc
