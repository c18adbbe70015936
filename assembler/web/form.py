"""The case form, made from the case schema at run time, and the form's answers turned back into case data.

Nothing here names a case field: every input comes from `schemas/case.yaml`
(`resources.load_schema("case")`), so a field added to the schema appears in
the form without web code. How a field is shown follows from its rules:

- `coerce: date` -> a date picker; `allowed` -> a select (a list with `allowed`: check boxes);
- `type: boolean` -> a select Yes / No / (not set), so "not set" stays possible;
- a text whose example is a sentence (ends with a full stop) -> a text area;
- `meta.web.pick`: a reference chosen, not typed: `refs` (a list of exhibit or declaration ids) -> check
  boxes of the case's exhibits and declarations by title, `exhibit` (one exhibit id) -> a select of them;
- a list of texts: `coerce: lines` one item a line; sentence examples one item a
  paragraph (blank line between); anything else (ids) separated by commas;
- a mapping -> a fieldset; a list of mappings -> a repeated group (add, remove, reorder);
- a free-form mapping (`allow_unknown`, no schema) -> `key: value` lines;
- a list of mappings or a keyword (`type: [list, string]`, "none" or entries) -> a repeated
  group with a "None known" switch.

A value the field's input cannot show as it is written (a mapping where text is
expected, a list holding lists...), and a field whose schema shape has no input, is
shown read-only with a note and left untouched on save (`fits`, `editable_paths`).

Form inputs are named by the field's path (`declarations[1].signed.date`), the
same paths `Finding.path` uses, so a message lands next to its field.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from assembler import resources
from assembler.casefile.normalize import COERCERS

INDEX = "__i__"  # the index in a repeated group's blank item, replaced by the page's script


@dataclass
class Field:
    key: str
    kind: str  # text, textarea, date, select, checks, refs, ref, bool, lines, paragraphs, ids, group, list, freeform
    required: bool = False
    hint: str = ""
    example: object = None
    default: object = None
    allowed: list[str] = field(default_factory=list)
    coerce: str | None = None
    children: list[Field] = field(default_factory=list)  # a group's fields, or a list's item fields
    optional_group: bool = False  # a nullable mapping: left out when all its fields are empty
    none_option: bool = False  # a list that may instead say "none" (type: [list, string])
    # A list whose "none" is the empty list (`immigration_history: []`): its switch's words (the schema's
    # meta.none_known), and its entries hidden while it is ticked.
    none_label: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # an allowed value -> its words (the schema's meta.web.labels)
    # A mapping typed as lines: how to write them (meta.web.lines; the Custom fields' words unless the field has its own)
    lines_hint: str = "Each on its own line: a name, a colon, then its value, e.g. Matter number: 2026-0142"

    @property
    def label(self) -> str:
        return label(self.key)

    def option(self, value: str) -> str:
        """The words an allowed value is shown with ("Form EOIR-28 (...)", never "Eoir 28")."""
        return self.labels.get(value) or label(value)


def label(key: str) -> str:
    words = key.replace("_", " ")
    fixed = {"a number": "A-number", "eoir id": "EOIR ID", "nta": "NTA", "english": "English"}
    for word, better in fixed.items():
        words = re.sub(rf"\b{word}\b", better, words)
    return words[:1].upper() + words[1:]


def _sentence(example) -> bool:
    return isinstance(example, str) and example.rstrip().endswith(".")


def make_field(key: str, rules: dict) -> Field:
    meta = rules.get("meta") or {}
    # meta.web: how the web app words the field where the schema's hint and example speak of the file
    # (the checks and `pdpacket new` keep those): its hint ("" for none), example and the allowed values' labels.
    web = meta.get("web") or {}
    # web.made: the page makes the value when it is left empty (an id from its title): not for the user to fill
    f = Field(key, "text", required=bool(rules.get("required")) and not web.get("made"),
              hint=web.get("hint", meta.get("hint", "")),
              example=web.get("example", meta.get("example")), default=rules.get("default"),
              coerce=rules.get("coerce"), labels=dict(web.get("labels") or {}))
    if web.get("lines"):
        f.lines_hint = str(web["lines"])
    kind = rules.get("type")
    pick = web.get("pick")
    if pick == "refs" and kind == "list":
        f.kind = "refs"  # ids of the case's exhibits and declarations, ticked by title (the file keeps the ids)
    elif pick == "exhibit" and kind == "string":
        f.kind = "ref"
    elif isinstance(kind, list):
        item = rules.get("schema") or {}
        if sorted(kind) == ["list", "string"] and item.get("type") == "dict" and isinstance(item.get("schema"), dict):
            f.kind, f.none_option = "list", True
            f.children = [make_field(k, r) for k, r in item["schema"].items()]
        else:
            f.kind = "readonly"  # no input for this shape: shown as written, never changed
    elif kind == "dict":
        if isinstance(rules.get("schema"), dict):
            f.kind = "group"
            f.children = [make_field(k, r) for k, r in rules["schema"].items()]
            f.optional_group = bool(rules.get("nullable")) or not f.required
        else:
            f.kind = "freeform"
    elif kind == "list":
        item = rules.get("schema") or {}
        if item.get("type") == "dict":
            f.kind = "list"
            f.children = [make_field(k, r) for k, r in item["schema"].items()]
            if meta.get("none_known"):
                f.none_option, f.none_label = True, str(meta["none_known"])
        elif item.get("allowed") or meta.get("checks"):
            # meta.checks: the choices are the firm's (the case's settings: the page's `choices`), not the schema's.
            f.kind, f.allowed = "checks", [str(a) for a in item.get("allowed") or []]
            f.labels = dict(((item.get("meta") or {}).get("web") or {}).get("labels") or f.labels)
        elif rules.get("coerce") == "lines":
            f.kind = "lines"
        elif isinstance(f.example, list) and any(_sentence(e) or " " in str(e) for e in f.example):
            f.kind = "paragraphs"
        else:
            f.kind = "ids"
    elif kind == "boolean":
        f.kind = "bool"
    elif rules.get("allowed"):
        f.kind, f.allowed = "select", [str(a) for a in rules["allowed"]]
    elif rules.get("coerce") == "date":
        f.kind = "date"
    elif _sentence(f.example):
        f.kind = "textarea"
    return f


def case_fields() -> list[Field]:
    return [make_field(k, r) for k, r in resources.load_schema("case").items()]


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def walk_paths(fields: list[Field], prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Every field with its schema path (list items as `[]`)."""
    for f in fields:
        path = join(prefix, f.key)
        yield path, f
        if f.kind == "group":
            yield from walk_paths(f.children, path)
        elif f.kind == "list":
            yield from walk_paths(f.children, path + "[]")


def schema_path(path: str) -> str:
    return re.sub(r"\[(\d+|__i__)\]", "[]", path)


# --- showing values --------------------------------------------------------------------

def shown(f: Field, value) -> object:
    """The value as its input shows it (raw case data is text, lists and mappings)."""
    if value is None:
        return [] if f.kind in ("checks", "refs") else ""
    if f.kind == "refs":
        return ["" if v is None else str(v) for v in (value if isinstance(value, list) else [value])]
    if f.kind == "checks":
        items = value if isinstance(value, list) else [value]
        return [_keyword(v) for v in items]
    if f.kind in ("lines", "paragraphs", "ids"):
        items = value if isinstance(value, list) else [value]
        sep = {"lines": "\n", "paragraphs": "\n\n", "ids": ", "}[f.kind]
        return sep.join("" if v is None else str(v) for v in items)
    if f.kind == "bool":
        try:
            flag = COERCERS["yesno"](value)
        except ValueError:
            return str(value)
        return "" if flag is None else ("true" if flag else "false")
    if f.kind == "select":
        return _keyword(value)
    if f.kind == "freeform":
        return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).strip() if value else ""
    return str(value) if not isinstance(value, (dict, list)) else ""


def _keyword(value) -> str:
    try:
        return COERCERS["keyword"](value) or ""
    except (ValueError, TypeError):
        return str(value)


# --- reading the form back ---------------------------------------------------------------

class FormProblem(ValueError):
    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_path(path: str) -> list[str | int]:
    return [int(i) if i else k for k, i in _SEGMENT.findall(path)]


def from_answer(f: Field, values: list[str], path: str) -> object:
    """One input's answer as raw case data (text, list of texts, mapping, a yes/no as a boolean), or None when
    empty."""
    if f.kind in ("checks", "refs"):
        chosen = [v for v in values if v.strip()]
        return chosen or None
    value = _lines(values[-1] if values else "")
    if f.kind == "lines":
        items = [line.strip() for line in value.split("\n") if line.strip()]
    elif f.kind == "paragraphs":
        items = [" ".join(p.split()) for p in re.split(r"\n\s*\n", value) if p.strip()]
    elif f.kind == "ids":
        items = [v for v in re.split(r"[,\s]+", value) if v]
    elif f.kind == "freeform":
        if not value.strip():
            return None
        try:
            parsed = _as_text(yaml.compose(value, Loader=yaml.SafeLoader))
        except yaml.YAMLError:
            parsed = None
        if not isinstance(parsed, dict):
            raise FormProblem(path, "put each on its own line: a name, a colon, then its value, e.g. Matter number: 2026-0142")
        return parsed
    elif f.kind == "bool":
        # A YAML boolean where the schema says boolean: saved as the text 'true' it read as a quoted word.
        value = value.strip()
        return {"true": True, "false": False}.get(value, value or None)
    else:
        value = value.strip() if f.kind != "textarea" else value.strip("\n").rstrip()
        return value or None
    return items or None


def _as_text(node):
    """Like the case reader: every value stays the text typed (`010` is not the number 8)."""
    if isinstance(node, yaml.MappingNode):
        return {str(_as_text(k)): _as_text(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_as_text(v) for v in node.value]
    if node is None or (node.style is None and node.value in ("", "~", "null")):
        return None
    return node.value


# --- what the form can show, and what it shows unchanged ------------------------------------------

def is_none_word(value) -> bool:
    try:
        return isinstance(value, str) and COERCERS["none_or_list"](value) == "none"
    except ValueError:
        return False


def says_none(f: Field, value) -> bool:
    """Whether a list's value is its "none known": "none" for a list or keyword, [] for a list whose none is empty."""
    if f.none_label:
        return value == []
    return f.none_option and is_none_word(value)


def fits(f: Field, value) -> bool:
    """Whether the field's input shows `value` as it is, so that an unchanged input means an unchanged value."""
    if value is None:
        return f.kind != "readonly"
    if f.kind == "group":
        return isinstance(value, dict)
    if f.kind == "list":
        return (isinstance(value, list) and all(isinstance(v, dict) for v in value)) or (
            f.none_option and is_none_word(value))
    if f.kind == "freeform":
        return isinstance(value, dict) and _plain_tree(value)
    if f.kind in ("checks", "refs", "lines", "paragraphs", "ids"):
        return _scalar(value) or (isinstance(value, list) and all(_scalar(v) for v in value))
    return _scalar(value) and f.kind != "readonly"


def _scalar(value) -> bool:
    """Text, or (in a case.json) a number or true/false: its input shows it as text."""
    return isinstance(value, (str, int, float))  # bool is an int


def _plain_tree(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_tree(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_tree(v) for v in value)
    return value is None or isinstance(value, str)


def editable_paths(fields: list[Field], data, prefix: str = "") -> list[str]:
    """The server's own list of what the page lets the user change for `data`: each input's path,
    and each repeated group's path (its items added, removed, moved). Read-only fields are not in it."""
    out: list[str] = []
    for f in fields:
        path = join(prefix, f.key)
        value = data.get(f.key) if isinstance(data, dict) else None
        if not fits(f, value):
            continue
        if f.kind == "group":
            out += editable_paths(f.children, value, path)
        elif f.kind == "list":
            out.append(path)
            for i, item in enumerate(value if isinstance(value, list) else []):
                out += editable_paths(f.children, item, f"{path}[{i}]")
        else:
            out.append(path)
    return out


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unchanged(f: Field, values: list[str], old) -> bool:
    """Whether the answer is what the page showed for `old` (so the file keeps `old` as it is written)."""
    if f.kind in ("checks", "refs"):
        was = shown(f, old)
        return sorted(v for v in values if v.strip()) == sorted(v for v in (was if isinstance(was, list) else []) if v)
    return _lines(values[-1] if values else "") == _lines(str(shown(f, old)))


def shown_as_written(value) -> str:
    """A read-only value, as YAML."""
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100).strip()


# --- findings next to their fields ---------------------------------------------------------

def attach(findings, shown_paths: set[str]) -> tuple[dict[str, list], list]:
    """Each finding under the nearest field the page shows (`exhibits[0].file`, else `exhibits[0]`,
    else `exhibits`); the rest (a file-level problem, an unknown field) go in a general list."""
    placed: dict[str, list] = {}
    general = []
    for finding in findings:
        probe = finding.path
        while probe and probe not in shown_paths:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        if probe and not finding.message.startswith("unknown field"):
            placed.setdefault(probe, []).append(finding)
        else:
            general.append(finding)
    return placed, general


def concrete_paths(fields: list[Field], data: dict, prefix: str = "") -> set[str]:
    """The paths of every input the page shows for `data` (groups and list items included)."""
    paths: set[str] = set()
    for f in fields:
        path = join(prefix, f.key)
        paths.add(path)
        value = data.get(f.key) if isinstance(data, dict) else None
        if f.kind == "group":
            paths |= concrete_paths(f.children, value if isinstance(value, dict) else {}, path)
        elif f.kind == "list":
            for i, item in enumerate(value if isinstance(value, list) else []):
                paths.add(f"{path}[{i}]")
                paths |= concrete_paths(f.children, item if isinstance(item, dict) else {}, f"{path}[{i}]")
    return paths
