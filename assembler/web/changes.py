"""What a posted case form changes: a list of operations on field paths, never a new document.

The page says which fields it rendered (`_fields`, the server's own list from
`form.editable_paths` for the file it was made from) and each repeated group
says what its items are (`L._order`: for each item, in the page's order, the
index it had in the file, or `new`): a list changes shape only when its order
is posted, never because some of its inputs did not arrive. An answer changes its field only when it differs from
what the page showed; a field absent from the post, read-only, or not rendered
changes nothing. The operations are then applied to the file's round-trip tree
(casefile_edit.py), or to plain data for a page shown again or a check as the
user types.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from assembler.web.form import (
    Field,
    FormProblem,
    editable_paths,
    from_answer,
    join,
    says_none,
    schema_path,
    unchanged,
    walk_paths,
)

DELETE = object()  # the value of a field emptied in the form: the key is removed
FIELDS = "_fields"  # the hidden input listing the rendered paths, one a line


@dataclass
class Set:
    path: str  # the field's path in the new document (list items at their new places)
    value: object  # raw case data (text, list of texts, mapping), or DELETE


@dataclass
class Order:
    path: str  # a list's path in the new document
    origins: list[int | None]  # for each new item, the index of the item it was, or None for a new one


@dataclass
class Changes:
    ops: list[Set | Order] = field(default_factory=list)
    problems: list[FormProblem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.ops)


class StaleForm(ValueError):
    """The page's list of fields is not what the server renders for this file."""


def rendered_of(fields: list[Field], old: dict, answers: dict[str, list[str]], check: bool) -> set[str]:
    """The paths the page rendered, checked against the server's list: the same list (check=True, the page
    was made from this very file), or at least known to the schema (a save over a file changed since).
    A post without the list (a script) counts the inputs it sent, lists' items unmoved."""
    server = set(editable_paths(fields, old))
    listed = answers.get(FIELDS)
    if listed is None:
        return {name for name in answers if name in server}
    claimed = {line.strip() for line in listed[-1].splitlines() if line.strip()}
    if check and claimed != server:
        raise StaleForm("the page was made for another version of the case file or of pdpacket: reload it "
                        "(what you typed on it was not saved)")
    known = {p for p, _ in walk_paths(fields)}
    return {p for p in claimed if schema_path(p) in known} & (server if check else claimed)


def changes_of(fields: list[Field], old: dict, answers: dict[str, list[str]], rendered: set[str]) -> Changes:
    out = Changes()
    _walk(fields, old, "", "", answers, rendered, out)
    return out


def _walk(fields, old, new_prefix: str, old_prefix: str | None, answers, rendered, out: Changes) -> None:
    for f in fields:
        npath = join(new_prefix, f.key)
        opath = join(old_prefix, f.key) if old_prefix is not None else None
        value = old.get(f.key) if isinstance(old, dict) else None
        if f.kind == "group":
            _walk(f.children, value, npath, opath, answers, rendered, out)
        elif f.kind == "list":
            if opath is None or opath in rendered:
                _list(f, value, npath, opath, answers, rendered, out)
        elif f.kind != "readonly" and (opath is None or opath in rendered) and npath in answers:
            if unchanged(f, answers[npath], value):
                continue
            try:
                new = from_answer(f, answers[npath], npath)
            except FormProblem as exc:
                out.problems.append(exc)
                continue
            out.ops.append(Set(npath, DELETE if new is None else new))


def _list(f: Field, old, npath: str, opath: str | None, answers, rendered, out: Changes) -> None:
    old_items = old if isinstance(old, list) else []
    posted = f"{npath}._order" in answers
    if posted:
        origins = parse_order(answers[f"{npath}._order"], len(old_items))
    else:  # not posted as a whole: its items stay where they are
        origins = list(range(len(old_items)))
    if f.none_option and f"{npath}._none" in answers:  # its hidden input is always posted with it
        none = "none" in answers[f"{npath}._none"]
    else:
        none = says_none(f, old) and not origins
    if none and origins:
        out.problems.append(FormProblem(npath, f"tick \"{f.none_label or 'None known'}\" only when there are no "
                                               "entries: remove them, or untick it"))
        return
    elif none:
        if not says_none(f, old):
            out.ops.append(Set(npath, [] if f.none_label else "none"))
        return
    elif not origins:
        # Unticking "none known" with no entry left: the list is to fill again (for [] as for "none").
        if posted and (old not in (None, []) or (f.none_label and old == [] and f"{npath}._none" in answers)):
            out.ops.append(Set(npath, DELETE))
        return
    elif origins != list(range(len(old_items))) or not isinstance(old, list):
        out.ops.append(Order(npath, origins))
    for k, o in enumerate(origins):
        item = old_items[o] if o is not None else None
        _walk(f.children, item, f"{npath}[{k}]", f"{opath}[{o}]" if o is not None and opath is not None else None,
              answers, rendered, out)


def parse_order(values: list[str], count: int) -> list[int | None]:
    """`0,2,new,1` -> [0, 2, None, 1]; an index the file does not have, or given twice, is a new item."""
    seen: set[int] = set()
    origins: list[int | None] = []
    for word in (values[-1] if values else "").split(","):
        word = word.strip()
        if not word:
            continue
        o = int(word) if word.isdigit() and int(word) < count and int(word) not in seen else None
        if o is not None:
            seen.add(o)
        origins.append(o)
    return origins


# --- applying them to plain data ------------------------------------------------------------------------

def apply_plain(data: dict, changes: Changes, fields: list[Field]) -> dict:
    """A copy of `data` with the changes made (for a case.json, a page shown again, a check as one types)."""
    doc = copy.deepcopy(data) if isinstance(data, dict) else {}
    for op in changes.ops:
        parts = split(op.path)
        if isinstance(op, Order):
            seq = get(doc, parts)
            items = seq if isinstance(seq, list) else []
            put(doc, parts, [items[o] if o is not None else {} for o in op.origins], fields, dict)
        elif op.value is DELETE:
            remove(doc, parts, fields)
        else:
            put(doc, parts, copy.deepcopy(op.value), fields, dict)
    return doc


def split(path: str) -> list[str | int]:
    from assembler.web.form import split_path
    return split_path(path)


def get(doc, parts: list[str | int]):
    node = doc
    for part in parts:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node


def put(doc, parts: list[str | int], value, fields: list[Field], new_map) -> None:
    """Set the value at `parts`, making the mappings on the way (each new key where the schema puts it)."""
    node = doc
    for i, part in enumerate(parts[:-1]):
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            child = node[part]
        elif isinstance(part, str) and isinstance(node, dict):
            child = node.get(part)
        else:
            return  # under a value the change no longer fits (cannot happen from the page: see _list)
        if not isinstance(child, dict) and not isinstance(parts[i + 1], int):
            child = new_map()
            place(node, part, child, parts[: i + 1], fields)
        node = child
    place(node, parts[-1], value, parts, fields)


def place(node, key, value, parts: list[str | int], fields: list[Field]) -> None:
    if isinstance(key, int) or key in node:
        node[key] = value
        return
    order = _order_at(parts, fields)
    after = order[: order.index(key)] if key in order else order
    position = 0
    for i, existing in enumerate(node):
        if existing in after:
            position = i + 1
    if hasattr(node, "insert"):
        node.insert(position, key, value)
    else:  # a plain dict: rebuild it in order
        items = list(node.items())
        items.insert(position, (key, value))
        node.clear()
        node.update(items)


def _order_at(parts: list[str | int], fields: list[Field]) -> list[str]:
    """The schema's keys of the mapping that holds the last part."""
    children = fields
    for part in parts[:-1]:
        if isinstance(part, int):
            continue
        f = next((c for c in children if c.key == part), None)
        children = f.children if f else []
    return [c.key for c in children]


def remove(doc, parts: list[str | int], fields: list[Field]) -> None:
    """Remove the key; an optional group left empty goes too (an emptied translation is no translation)."""
    by_path = dict(walk_paths(fields))
    while parts:
        parent = get(doc, parts[:-1]) if len(parts) > 1 else doc
        if isinstance(parent, dict):
            parent.pop(parts[-1], None)
        parts = parts[:-1]
        if not parts or isinstance(parts[-1], int):
            return
        holder = get(doc, parts)
        f = by_path.get(schema_path(_joined(parts)))
        if not (isinstance(holder, dict) and not holder and f is not None and f.optional_group):
            return


def _joined(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
