"""Saving a case from the form: only what changed is written, the rest of case.yaml stays as typed.

What the form changed is a list of operations on paths (changes.py); they are
made in the file's ruamel.yaml round-trip tree, so comments, key order and
quoting written by hand survive, and a value shown unchanged is not touched at
all (`detained: no` is not rewritten as `false`). Keys the schema does not know
are left alone (validate reports them). The form carries the SHA-256 of the file
it was made from: a file changed on disk since is never overwritten.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from assembler.casefile.normalize import COERCERS
from assembler.casefile.read import load_file
from assembler.web import trailing, yaml_place
from assembler.web.changes import (
    DELETE,
    Changes,
    Order,
    Set,
    apply_plain,
    changes_of,
    get,
    put,
    remove,
    rendered_of,
    split,
)
from assembler.web.form import Field, FormProblem, schema_path, walk_paths


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _yaml(text: str = "") -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line somebody typed
    mapping, offset = _indents(text)
    y.indent(mapping=mapping, sequence=offset + 2, offset=offset)  # ruamel writes the whole file with one
    return y


def _indents(text: str) -> tuple[int, int]:
    """The file's own indentation of nested mappings and of list dashes under their key (ruamel writes
    every block with the one it is given); the samples' (and `pdpacket new`'s) when the file shows none."""
    mapping = offset = None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for above, below in zip(lines, lines[1:], strict=False):
        if not above.rstrip().endswith(":") or above.lstrip().startswith("- "):
            continue
        step = (len(below) - len(below.lstrip())) - (len(above) - len(above.lstrip()))
        if below.lstrip().startswith("- ") and offset is None and step >= 0:
            offset = step
        elif step > 0 and mapping is None and not below.lstrip().startswith("- "):
            mapping = step
    return mapping or 2, 2 if offset is None else offset


@dataclass
class Conflict:
    """The file changed on disk since the form was opened: what differs between the two."""

    disk_sha256: str
    differences: list[tuple[str, str, str]]  # field path, on disk, in the form
    doc: dict  # the case as the page stood, for showing it again


def read_raw(file: Path) -> dict:
    """The case data as pdpacket reads it (every value text), or {} when it cannot be read."""
    loaded = load_file(file)
    return loaded.data if isinstance(loaded.data, dict) else {}


@dataclass
class Refused:
    """Answers the form cannot take (a free-form mapping that is not `name: value` lines): nothing written."""

    doc: dict  # the case as the page stood, for showing it again
    problems: list[FormProblem]


def save(file: Path, fields: list[Field], answers: dict[str, list[str]], base_sha256: str,
         overwrite: bool = False) -> Conflict | Refused | bool:
    """Apply what the form changed to `file`, path by path. Returns a Conflict (nothing written) when the
    file changed since `base_sha256`, Refused for answers it cannot take, else whether the file changed.
    StaleForm when the page's list of fields is not the server's (a page of another version)."""
    current = sha256_of(file)
    raw = read_raw(file)
    same_file = current == base_sha256
    changes = changes_of(fields, raw, answers, rendered_of(fields, raw, answers, check=same_file and not overwrite))
    if not same_file:
        return Conflict(current, differences(fields, raw, apply_plain(raw, changes, fields)),
                        apply_plain(raw, changes, fields))
    if changes.problems:
        return Refused(apply_plain(raw, changes, fields), changes.problems)
    if not changes:
        return False
    text = file.read_text(encoding="utf-8-sig") if file.is_file() else ""
    if file.suffix.lower() == ".json":
        out = json.dumps(apply_plain(json.loads(text or "{}"), changes, fields), indent=2, ensure_ascii=False) + "\n"
    else:
        y = _yaml(text)
        tree = y.load(text) if text.strip() else None
        if not isinstance(tree, CommentedMap):
            tree = CommentedMap()
        before = yaml_place.snapshot(tree)
        apply_tree(tree, changes, fields)
        out = yaml_place.keep_as_typed(text, yaml_place.dump(y, tree, before, fields))
    if out == text:
        return False
    write_atomically(file, out.encode("utf-8"))
    return True


def rename_value(file: Path, old: str, new: str) -> int:
    """Every text value of the case file that is exactly `old` becomes `new` (a renamed exhibit file), in
    the file's own layout: comments, order and quoting stay. Returns how many were changed."""
    text = file.read_text(encoding="utf-8-sig")
    count = 0

    def walk(node):
        nonlocal count
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in list(items):
            if isinstance(value, str) and value == old:
                node[key] = type(value)(new) if type(value) is not str else new
                count += 1
            else:
                walk(value)

    if file.suffix.lower() == ".json":
        data = json.loads(text or "{}")
        walk(data)
        out = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        y = _yaml(text)
        tree = y.load(text)
        walk(tree)
        buffer = io.StringIO()
        y.dump(tree, buffer)
        out = yaml_place.keep_as_typed(text, buffer.getvalue())
    if count:
        write_atomically(file, out.encode("utf-8"))
    return count


def write_atomically(target: Path, data: bytes) -> None:
    """A temporary file beside the target, then one rename: readers see the old file or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- comparing ------------------------------------------------------------------------------

def same(f: Field, old, new) -> bool:
    if f.kind == "group":
        old_d, new_d = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        return not _differs_any(f.children, old_d, new_d)
    if f.kind == "list":
        old_l, new_l = old if isinstance(old, list) else [], new if isinstance(new, list) else []
        return len(old_l) == len(new_l) and all(
            isinstance(a, dict) and isinstance(b, dict) and not _differs_any(f.children, a, b)
            for a, b in zip(old_l, new_l, strict=True))
    return _canonical(f, old) == _canonical(f, new)


def _differs_any(fields: list[Field], old: dict, new: dict) -> bool:
    return any(not same(f, old.get(f.key), new.get(f.key)) for f in fields)


def _canonical(f: Field, value):
    """The value after the schema's coercion, so spellings of the same value compare equal."""
    if value in (None, "", []):
        return None
    coerce = COERCERS.get(f.coerce or "")
    try:
        if isinstance(value, list):
            item = COERCERS["keyword"] if f.kind == "checks" else COERCERS["text"]
            return [item(v) for v in value]
        return coerce(value) if coerce and not isinstance(value, dict) else value
    except (ValueError, TypeError):
        return value


def differences(fields: list[Field], old: dict, new: dict, prefix: str = "") -> list[tuple[str, str, str]]:
    found = []
    for f in fields:
        path = f"{prefix}.{f.key}" if prefix else f.key
        a, b = old.get(f.key), new.get(f.key)
        if same(f, a, b):
            continue
        if f.kind == "group" and (isinstance(a, dict) or isinstance(b, dict)):
            found += differences(f.children, a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}, path)
        else:
            found.append((path, _short(a), _short(b)))
    return found


def _short(value) -> str:
    if value is None:
        return "(empty)"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


# --- applying changes to the round-trip tree -----------------------------------------------------------

def apply_tree(tree: CommentedMap, changes: Changes, fields: list[Field]) -> None:
    """Make the changes in the file's own tree: every other node, comment and style stays as it was."""
    by_path = dict(walk_paths(fields))
    # The comment after each top-level section the changes touch (the lines above the next section), if the
    # changes drop it with the list item or the list that held it, is put back after the section as it ends
    # up (web/trailing.py): lines the user wrote are never lost by a save.
    kept, order = {}, list(tree)
    for key in dict.fromkeys(split(op.path)[0] for op in changes.ops):
        token = trailing.last_comment(tree.get(key)) if isinstance(key, str) else None
        if token is not None:
            kept[key] = token
    for op in changes.ops:
        _apply_one(tree, op, split(op.path), fields, by_path)
    for key, token in kept.items():
        if key in tree and trailing.holds(tree[key], token):
            continue
        if key in tree:
            trailing.put(tree, key, token)
        else:  # the section went: its comment follows the section that was before it, still above the next one
            before = [k for k in order[: order.index(key)] if k in tree] if key in order else []
            if before:
                trailing.put(tree, before[-1], token)


def _apply_one(tree: CommentedMap, op: Set | Order, parts: list[str | int], fields: list[Field], by_path: dict) -> None:
    if isinstance(op, Order):
        seq = get(tree, parts)
        if isinstance(seq, CommentedSeq):
            _reorder(seq, op.origins)
        else:
            put(tree, parts, CommentedSeq([CommentedMap() for _ in op.origins]), fields, CommentedMap)
    elif op.value is DELETE:
        remove(tree, parts, fields)
    else:
        f = by_path.get(schema_path(op.path), Field("", "text"))
        put(tree, parts, _to_yaml(op.value, get(tree, parts), f), fields, CommentedMap)


def _reorder(seq: CommentedSeq, origins: list[int | None]) -> None:
    """Items moved with the comments written beside them."""
    items = [seq[o] if o is not None else CommentedMap() for o in origins]
    comments = dict(seq.ca.items)
    seq[:] = items
    seq.ca.items.clear()
    for k, o in enumerate(origins):
        if o is not None and o in comments:
            seq.ca.items[k] = comments[o]


def _to_yaml(value, old, f: Field):
    """A new value, written the way the old one was where that fits (quotes, a flow list, a block)."""
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _to_yaml(v, None, Field(k, "text"))
        return out
    if isinstance(value, list):
        seq = CommentedSeq([_to_yaml(v, None, Field("", "text")) for v in value])
        if isinstance(old, CommentedSeq) and old.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    if not isinstance(value, str):
        return value
    if "\n" in value:  # a block keeps each line and the blank lines between paragraphs
        return LiteralScalarString("\n".join(line.rstrip() for line in value.split("\n")).rstrip("\n") + "\n")
    if isinstance(old, (SingleQuotedScalarString, DoubleQuotedScalarString, FoldedScalarString,
                        LiteralScalarString)):
        return type(old)(value)
    if isinstance(old, int) and not isinstance(old, bool) and value.isdigit():
        return int(value)
    if f.coerce == "date" and not isinstance(old, str):
        try:
            return dt.date.fromisoformat(value)  # written plain, as people write dates (2026-12-03)
        except ValueError:
            pass
    return value if _plain_reads_back(value) else SingleQuotedScalarString(value)


def _plain_reads_back(value: str) -> bool:
    """Whether `value` written without quotes reads back as the same text with the reader pdpacket uses
    (PyYAML), in a block, a flow mapping and a flow list alike: ruamel writes plain what PyYAML
    misreads ("0?" inside braces), so such a value is quoted rather than left to break the file."""
    try:
        return (yaml.safe_load(f"k: {value}") == {"k": value} and yaml.safe_load(f"{{k: {value}}}") == {"k": value}
                and yaml.safe_load(f"[{value}]") == [value])
    except yaml.YAMLError:
        return False
