"""What feeds a document, and how a person names what changed in it.

A rendered copy records, for each variable its template reads (`service.via`,
`declarations[].tab`, a mapping's fields when it tests a whole mapping), a hash
of the value and the value as the document prints it. Comparing that record
with the case as it is now says whether a hand-edited copy is stale, and in
plain words what changed: "hearing date: June 15, 2027 -> June 15, 2028". The
words come from data/labels.yaml; bookkeeping fields (where the office's
address comes from, file names) are never named and count only when a
template prints them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import nodes

from assembler import kept, resources
from assembler.documents import typography
from assembler.documents.check import template_trees, walk_loop
from assembler.documents.context import HEARING_TYPES, SERVICE_METHODS, context_tree
from assembler.documents.variables import ANY, Var

MAX_SHOWN = 120  # longer values are not kept in the record (Word keeps custom properties to 255 characters)
NOT_SET = "(none)"
# Codes printed as words, the way the documents print them.
WORDS = {"service.method": SERVICE_METHODS, "proceedings.next_hearing.type": HEARING_TYPES}
# A role's own variable takes the label of the case field it is one item of.
ROLE_ALIASES = {"declaration.": "declarations[].", "exhibit.": "exhibits[]."}


@dataclass
class Record:
    """What fed one rendered copy: `used` the variables it prints, `also` the case fields they are
    made from (to name a change), `shown` the values as printed (short ones only)."""

    used: dict[str, str] = field(default_factory=dict)  # path -> hash
    also: dict[str, str] = field(default_factory=dict)  # path -> hash
    shown: dict[str, str] = field(default_factory=dict)  # path -> printed value
    legacy: bool = False  # a copy made before the record named variables: `used` holds top-level hashes

    def hash_of(self, path: str) -> str | None:
        return self.used.get(path, self.also.get(path))


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None  # None: too long to keep, or not recorded
    after: str | None

    def __str__(self) -> str:
        if self.before is None or self.after is None or self.before == self.after:
            return f"{self.label}: changed"
        return f"{self.label}: {self.before} -> {self.after}"


def describe(changes: list[Change]) -> str:
    return "; ".join(str(c) for c in changes)


# --- which variables a template reads --------------------------------------------------------

def template_paths(template: Path) -> frozenset[str]:
    """Every variable path the template reads, e.g. office.name, request.favorable_factors[].title."""
    data = template.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _PATHS:  # by content, as check.py parses: a build renders each template many times
        def visited() -> list[str]:
            used = _Used(frozenset(_tree().fields))
            for tree in template_trees(template):
                used.visit(tree, {})
            return sorted(used.found)
        # Kept between commands too (kept.py), as the template check is: a rebuild parses no template again.
        _PATHS[digest] = frozenset(kept.remember_json("template paths", [data], visited))
    return _PATHS[digest]


_PATHS: dict[str, frozenset[str]] = {}


class _Used:
    def __init__(self, top: frozenset[str]):
        self.top = top
        self.found: set[str] = set()

    def visit(self, node: nodes.Node, scope: dict) -> None:
        if isinstance(node, nodes.For):
            path = self.expr(node.iter, scope)
            walk_loop(node, scope, f"{path}[]" if path else None, self.visit, self.expr)
            return
        if isinstance(node, nodes.Assign):
            self.expr(node.node, scope)
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) \
                    else [node.target]:
                scope[target.name] = None
            return
        if isinstance(node, nodes.Expr):
            self.expr(node, scope)
            return
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def expr(self, node: nodes.Node, scope: dict) -> str | None:
        """Record the variable an expression reads (the whole path, `office.address`) and return it."""
        path = self._path(node, scope)
        if path is not None:
            self.found.add(path)
            return path
        if isinstance(node, nodes.Filter) and node.name in ("cite", "tab"):
            self.found.add("tabs")
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Node):
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope)
                else:
                    self.visit(child, scope)
        return None

    def _path(self, node: nodes.Node, scope: dict) -> str | None:
        if isinstance(node, nodes.Name):
            if node.ctx != "load":
                return None
            if node.name in scope:
                return scope[node.name]
            return node.name if node.name in self.top else None
        if isinstance(node, nodes.Getattr):
            base = self._path(node.node, scope)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            base = self._path(node.node, scope)
            return f"{base}.{node.arg.value}" if base else None
        return None


# --- their values ------------------------------------------------------------------------

def _steps(path: str) -> list[str]:
    return [s for part in path.split(".") for s in ([part[:-2], "[]"] if part.endswith("[]") else [part])]


def _join(steps: list[str]) -> str:
    out = ""
    for s in steps:
        out += "[]" if s == "[]" else (f".{s}" if out else s)
    return out


def _var_at(steps: list[str]) -> tuple[list[str], Var | None]:
    """The longest prefix of `steps` that is a variable, and its Var (None past an open mapping)."""
    var: Var | None = _tree()
    kept: list[str] = []
    for s in steps:
        if var is None or var.open or var.type == ANY:
            kept.append(s)
            var = None
            continue
        nxt = var.item if s == "[]" else var.fields.get(s)
        if nxt is None:
            break
        kept.append(s)
        var = nxt
    return kept, var


def _value(ctx: Any, steps: list[str]) -> Any:
    if not steps:
        return ctx
    head, rest = steps[0], steps[1:]
    if head == "[]":
        return [_value(item, rest) for item in (ctx if isinstance(ctx, list) else [])]
    return _value(ctx.get(head) if isinstance(ctx, dict) else None, rest)


def _leaves(steps: list[str], var: Var | None) -> list[tuple[str, Var | None]]:
    """A path, or the fields under it when it is a mapping (or a list of them): bookkeeping left out."""
    if var is not None and not var.open and var.type == "mapping" and var.fields:
        return [leaf for name, sub in var.fields.items() if not is_internal(_join([*steps, name]))
                for leaf in _leaves([*steps, name], sub)]
    if var is not None and var.type == "list" and var.item is not None and var.item.type == "mapping" \
            and var.item.fields:
        return _leaves([*steps, "[]"], var.item)
    return [(_join(steps), var)]


def used_leaves(paths: frozenset[str]) -> list[str]:
    """The variables behind the paths a template reads: method calls cut off, mappings opened."""
    found: dict[str, None] = {}
    for path in sorted(paths):
        steps, var = _var_at(_steps(path))
        if steps and steps[-1] == "[]" and (var is None or var.type != "mapping"):
            steps, var = _var_at(steps[:-1])  # {{ paragraph }} of `for paragraph in x`: the list x
        if steps:
            found.update(dict.fromkeys(p for p, _ in _leaves(steps, var)))
    return list(found)


def record_of(context: dict, paths: frozenset[str]) -> Record:
    """The record of what fed a document rendered from `context` by a template reading `paths`."""
    record = Record()
    used = used_leaves(paths)
    for path in used:
        _note(record, record.used, context, path)
    for path in used:
        for source in _sources().get(path, []):
            if source not in record.used:
                _note(record, record.also, context, source)
    return record


def _note(record: Record, into: dict[str, str], context: dict, path: str) -> None:
    steps = _steps(path)
    value = _value(context, steps)
    into[path] = _hash(value)
    shown = plain_value(path, value, _var_at(steps)[1])
    if shown is not None and len(shown) <= MAX_SHOWN:
        record.shown[path] = shown


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plain_value(path: str, value: Any, var: Var | None) -> str | None:
    """A value as the documents print it: dates in words, codes as words, lists joined."""
    if value is None or value == "" or value == []:
        return NOT_SET
    if isinstance(value, list):
        item = var.item if var is not None else None
        parts = [plain_value(path, v, item) for v in value]
        return None if any(p is None for p in parts) else "; ".join(p for p in parts if p)
    if isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    words = WORDS.get(path, {})
    if str(value) in words:
        return words[str(value)]
    if var is not None and var.type == "date":
        try:
            return typography.plain(typography.longdate(value))
        except (TypeError, ValueError):
            pass
    return typography.plain(str(value)).replace("\n", " ")


# --- what changed, in words ---------------------------------------------------------------

def changes(before: Record, now: Record) -> list[Change]:
    """What changed, in plain words, among what the document prints; [] when it is current."""
    stale = [p for p in sorted(set(before.used) | set(now.used)) if before.used.get(p) != now.used.get(p)]
    named: list[str] = []
    for path in stale:
        moved = [s for s in _sources().get(path, []) if before.hash_of(s) != now.hash_of(s)]
        named += [s for s in moved if not is_internal(s)] or ([] if moved else [path])
    found: dict[tuple, Change] = {}
    for path in named:
        c = Change(label(path), before.shown.get(path), now.shown.get(path))
        found.setdefault((c.label, c.before, c.after), c)
    return list(found.values())


def label(path: str) -> str:
    """A variable's name as a person says it: the table's, else made of its own words."""
    labels = resources.data("labels").get("labels") or {}
    for alias, meant in ROLE_ALIASES.items():
        if path.startswith(alias) and path not in labels:
            path = meant + path.removeprefix(alias)
    if path in labels:
        return labels[path]
    words = path.replace("[]", "").replace(".", " ").replace("_", " ").split()
    return " ".join(dict.fromkeys(words))


def is_internal(path: str) -> bool:
    internal = resources.data("labels").get("internal") or []
    return any(path == p or path.startswith((f"{p}.", f"{p}[")) for p in internal)


def _sources() -> dict[str, list[str]]:
    return resources.data("labels").get("sources") or {}


@cache
def _tree() -> Var:
    return context_tree()
