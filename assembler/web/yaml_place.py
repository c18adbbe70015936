"""case.yaml's text after a save: a key the form adds next to its siblings, the rest as the file had it.

ruamel.yaml keeps the comment lines that follow a value as part of that value
(`ca.items[key][2]` of the last key before them, however deep), so a key put
after that value in the mapping is written after all of them: in a new case,
whose optional fields are commented-out templates (`# language: Spanish`), a
key added after `country_of_citizenship` landed below `# proceedings: REQUIRED`.
Moving comment tokens between nodes would mean knowing every place ruamel keeps
them; instead the new keys are written under unique stand-in names, and each
one's lines are then moved inside the run of comment lines around it, to:

- right after the commented-out template of that very key, when that run has one
  at the key's indentation (`# language: ...`, with its commented-out children);
- else right after its preceding sibling: after the comment lines indented
  deeper than the key (they are inside that sibling) and after templates of keys
  the schema puts before it, never after a comment about something else;
- a key that opens its mapping goes below a header set apart by a blank line (the
  file's opening comment), then after templates of the keys before it, and above
  anything else (the comment lines on top of the key that follows describe that key).

Lines only move; the result is kept only when it holds the same lines and reads
back as the same data as ruamel's own text, which is used otherwise.

ruamel also writes some values nobody changed in its own layout (a flow mapping
typed over several lines comes out on one): `keep_as_typed` puts each such
stretch back as typed when the data stays the same.
"""
from __future__ import annotations

import difflib
import io
import re
import secrets
from dataclasses import dataclass

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from assembler.web.form import Field

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Snapshot = dict[int, tuple[CommentedMap, frozenset]]


def snapshot(tree: CommentedMap) -> Snapshot:
    """Every mapping of the file as read, with its keys (the mapping kept alive, so its id stays its own)."""
    out: Snapshot = {}
    for node, _ in _mappings(tree, []):
        out[id(node)] = (node, frozenset(node))
    return out


def dump(y: YAML, tree: CommentedMap, before: Snapshot, fields: list[Field]) -> str:
    """The file's text after the changes, each key added to a mapping the file had placed by its siblings."""
    plain = _dumped(y, tree)
    added = [_Added(node, key, order) for node, order in _mappings(tree, fields)
             if id(node) in before and not node.fa.flow_style()  # `{a: 1}` keeps a new key on its line
             for key in list(node) if key not in before[id(node)][1]]
    if not added:
        return plain
    tag = secrets.token_hex(4)
    for n, a in enumerate(added):
        a.mark(f"pdpacket-new-{tag}-{n}", f"pdpacket-end-{tag}-{n}")
    try:
        marked = _dumped(y, tree)
    finally:
        for a in added:
            a.unmark()
    placed = marked
    for _ in range(len(added) + 1):  # again until nothing moves: a new key moved away uncovers the
        moved = placed  # comment lines of the one next to it
        for a in added:
            moved = a.place(moved)
        if moved == placed:
            break
        placed = moved
    for a in added:
        placed = a.unmarked(placed)
    return placed if _same(placed, plain) else plain


def keep_as_typed(original: str, new: str) -> str:
    """ruamel writes some values it was not asked to change in its own layout (a flow mapping typed over
    several lines comes out on one): each such rewritten stretch that holds the same data is put back as
    the file had it (a blank line dropped, too). Only stretches replaced by others: lines added or removed
    are the change itself (a removed entry takes its comment with it)."""
    target = _data(new)
    if target is None:
        return new
    old_lines, out = original.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, out, autojunk=False)
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):  # from the end: earlier indices stay valid
        if tag != "replace" and any(line.strip() for line in old_lines[i1:i2] + out[j1:j2]):
            continue
        trial = out[:j1] + old_lines[i1:i2] + out[j2:]
        if _data("".join(trial)) == target:
            out = trial
    return "".join(out)


def _data(text: str) -> object:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None


def _dumped(y: YAML, tree: CommentedMap) -> str:
    buffer = io.StringIO()
    y.dump(tree, buffer)
    return buffer.getvalue()


def _same(placed: str, plain: str) -> bool:
    """The same lines (only moved) and the same data: a move that would change anything is not made."""
    if sorted(placed.splitlines()) != sorted(plain.splitlines()):
        return False
    data = _data(placed)
    return data is not None and data == _data(plain)


def _mappings(node, fields: list[Field]):
    """Every mapping in the tree, with the schema's order of its keys (empty where the schema has none)."""
    if isinstance(node, CommentedMap):
        yield node, [f.key for f in fields]
        by_key = {f.key: f for f in fields}
        for key, value in node.items():
            f = by_key.get(key)
            yield from _mappings(value, f.children if f else [])
    elif isinstance(node, CommentedSeq):
        for item in node:
            yield from _mappings(item, fields)


@dataclass
class _Added:
    node: CommentedMap
    key: str
    order: list[str]  # the schema's keys of its mapping
    name: str = ""  # the stand-in name it is written under
    end: str = ""  # a stand-in key written right after it: where its lines end
    first: bool = False  # it opens its mapping

    def mark(self, name: str, end: str) -> None:
        keys = list(self.node)
        at = keys.index(self.key)
        self.name, self.end, self.first = name, end, at == 0
        self.node.insert(at, name, self.node.pop(self.key))
        self.node.insert(at + 1, end, 0)

    def unmark(self) -> None:
        at = list(self.node).index(self.name)
        self.node.pop(self.end)
        self.node.insert(at, self.key, self.node.pop(self.name))

    def place(self, text: str) -> str:
        """Its lines (its end mark with them) moved to their place in the comment lines around them."""
        lines = text.splitlines(keepends=True)
        start, stop = _line_of(lines, self.name), _line_of(lines, self.end)
        if start is None or stop is None or stop <= start or lines[start].lstrip(" ").startswith("- "):
            return text  # the first key of a list item stays on its dash
        block = lines[start:stop + 1]
        column = _column(lines[start])
        top, bottom = start, stop + 1  # the comment lines around it: ruamel keeps most with the value above,
        while top > 0 and _comment_or_blank(lines[top - 1]):  # but those after a flow collection (`[a, b]`)
            top -= 1  # with the key below, so they are written after the new key
        while bottom < len(lines) and _comment_or_blank(lines[bottom]):
            bottom += 1
        run = lines[top:start] + lines[stop + 1:bottom]
        before = self.order[: self.order.index(self.key)] if self.key in self.order else []
        cut = _cut(run, column, self.key, before, self.first)
        return "".join(lines[:top] + run[:cut] + block + run[cut:] + lines[bottom:])

    def unmarked(self, text: str) -> str:
        """Its own name back, its end mark gone."""
        lines = text.splitlines(keepends=True)
        start, stop = _line_of(lines, self.name), _line_of(lines, self.end)
        if stop is not None:
            del lines[stop]
        if start is not None:
            lines[start] = lines[start].replace(self.name, self.key, 1)
        return "".join(lines)


def _line_of(lines: list[str], name: str) -> int | None:
    pattern = re.compile(rf"^ *(- )?{re.escape(name)}:")
    return next((i for i, line in enumerate(lines) if pattern.match(line)), None)


def _comment_or_blank(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _column(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_TEMPLATE = re.compile(r"#\s*(?:- )?([^\s:#]+):(?:\s|$)")


def _template_key(line: str, column: int) -> str | None:
    """The key of a commented-out `key:` at the key's own indentation (how `pdpacket new` writes an
    optional field: `# language: Spanish  # optional`, its children commented out below it)."""
    m = _TEMPLATE.match(line.lstrip(" ")) if line.strip() and _column(line) == column else None
    return m.group(1) if m else None


def _template_of(line: str, column: int, keys: list[str]) -> bool:
    return _template_key(line, column) in keys


def _template_end(run: list[str], i: int, column: int, key: str, end: int) -> int:
    """After the template of `key` that starts at `i`: its `# key:` lines and the deeper lines below them."""
    while i < end and _template_of(run[i], column, [key]):
        i += 1
    while i < end and run[i].strip() and _column(run[i]) > column:
        i += 1
    return i


def _cut(run: list[str], column: int, key: str, before: list[str], first: bool) -> int:
    """Where in the comment lines above the new key it goes (an index into `run`)."""
    end = next((i for i, line in enumerate(run) if line.strip() and _column(line) < column), len(run))
    own = next((i for i in range(end) if _template_of(run[i], column, [key])), None)
    if own is not None:
        return _template_end(run, own, column, key, end)
    if first:  # below a paragraph set apart by a blank line (the file's or the mapping's own header)
        cut = _header_end(run, column, end)
    else:  # below the lines indented deeper than the key: they belong to the sibling above it
        cut = 0
        while cut < end and run[cut].strip() and _column(run[cut]) > column:
            cut += 1
    while True:  # then below the templates of keys the schema puts before it, blank lines between them
        i = cut
        while i < end and not run[i].strip():
            i += 1
        found = _template_key(run[i], column) if i < end else None
        if found is None or found not in before:
            return cut
        cut = _template_end(run, i, column, found, end)


def _header_end(run: list[str], column: int, end: int) -> int:
    """After the paragraphs of comments that are no template and end in a blank line."""
    i = 0
    while True:
        j = i
        while j < end and run[j].strip() and _template_key(run[j], column) is None:
            j += 1
        if j == i or j == end or run[j].strip():
            return i
        while j < end and not run[j].strip():
            j += 1
        i = j
