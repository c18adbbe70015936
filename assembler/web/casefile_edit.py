"""Saving a case from the form: only what changed is written, the rest of case.yaml stays as typed.

The file is edited through ruamel.yaml's round-trip mode, so comments, key order
and quoting written by hand survive. A value the form shows unchanged is not
touched at all (compared after the schema's own coercion, so `detained: no`
is not rewritten as `false`); keys the schema does not know are left alone
(validate reports them). The form carries the SHA-256 of the file it was made
from: a file changed on disk since is never overwritten.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from assembler.casefile.normalize import COERCERS
from assembler.casefile.read import load_file
from assembler.web.form import Field


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line somebody typed
    y.indent(mapping=2, sequence=4, offset=2)  # the samples' style (and `pdpacket new`'s)
    return y


@dataclass
class Conflict:
    """The file changed on disk since the form was opened: what differs between the two."""

    disk_sha256: str
    differences: list[tuple[str, str, str]]  # field path, on disk, in the form


def read_raw(file: Path) -> dict:
    """The case data as pdpacket reads it (every value text), or {} when it cannot be read."""
    loaded = load_file(file)
    return loaded.data if isinstance(loaded.data, dict) else {}


def save(file: Path, fields: list[Field], new: dict, base_sha256: str) -> Conflict | bool:
    """Write `new` into `file`. Returns a Conflict (nothing written) when the file changed since
    `base_sha256`, else whether anything had to be written."""
    current = sha256_of(file)
    if current != base_sha256:
        return Conflict(current, differences(fields, read_raw(file), new))
    raw = read_raw(file)
    if not _differs_any(fields, raw, new):
        return False
    text = file.read_text(encoding="utf-8-sig") if file.is_file() else ""
    if file.suffix.lower() == ".json":
        merged = json.loads(text or "{}")
        merge_plain(merged, fields, raw, new)
        out = json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    else:
        y = _yaml()
        tree = y.load(text) if text.strip() else None
        if not isinstance(tree, CommentedMap):
            tree = CommentedMap()
        merge(tree, fields, raw, new)
        buffer = io.StringIO()
        y.dump(tree, buffer)
        out = buffer.getvalue()
    write_atomically(file, out.encode("utf-8"))
    return True


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


# --- merging into the round-trip tree -----------------------------------------------------------

def merge(node: CommentedMap, fields: list[Field], old: dict, new: dict) -> None:
    order = [f.key for f in fields]
    for f in fields:
        a, b = old.get(f.key), new.get(f.key)
        if same(f, a, b):
            continue
        if b is None:
            node.pop(f.key, None)
        elif f.kind == "group" and isinstance(node.get(f.key), CommentedMap) and isinstance(a, dict):
            merge(node[f.key], f.children, a, b)
        elif f.kind == "list" and isinstance(node.get(f.key), CommentedSeq) and isinstance(a, list):
            _merge_list(node[f.key], f.children, a, b)
        else:
            _set(node, f.key, _to_yaml(b, f), order)


def _merge_list(seq: CommentedSeq, fields: list[Field], old: list, new: list) -> None:
    """Items keep their own comments and style: matched by `id` when they have one, else by position."""
    has_id = any(f.key == "id" for f in fields)
    by_id = {item.get("id"): i for i, item in enumerate(old) if isinstance(item, dict) and item.get("id")}
    new_ids = {item.get("id") for item in new}
    used: set[int] = set()
    items = []
    for position, item in enumerate(new):
        i = by_id.get(item.get("id")) if has_id and item.get("id") else None
        if i is None or i in used:
            # No item with this id before: reuse the one at its place unless that one moved elsewhere.
            moved = has_id and isinstance(old[position], dict) and old[position].get("id") in new_ids \
                if position < len(old) else True
            i = position if position < len(old) and position not in used and not moved else None
        if i is not None and i not in used and i < len(seq) and isinstance(seq[i], CommentedMap):
            used.add(i)
            merge(seq[i], fields, old[i] if isinstance(old[i], dict) else {}, item)
            items.append(seq[i])
        else:
            items.append(_to_yaml(item, Field("", "group", children=fields)))
    if len(items) != len(seq) or any(x is not y for x, y in zip(items, seq, strict=True)):
        seq[:] = items


def _set(node: CommentedMap, key: str, value, order: list[str]) -> None:
    if key in node:
        node[key] = value
        return
    # A new key goes where the schema puts it among the keys already there.
    after = order[: order.index(key)]
    position = 0
    for i, existing in enumerate(node):
        if existing in after:
            position = i + 1
    node.insert(position, key, value)


def _to_yaml(value, f: Field):
    if isinstance(value, dict):
        children = {c.key: c for c in f.children}
        out = CommentedMap()
        keys = [c.key for c in f.children if c.key in value] + [k for k in value if k not in children]
        for k in keys:
            out[k] = _to_yaml(value[k], children.get(k, Field(k, "text")))
        return out
    if isinstance(value, list):
        item = Field("", "group", children=f.children) if f.kind == "list" else Field("", "text")
        return CommentedSeq([_to_yaml(v, item) for v in value])
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString("\n".join(line.rstrip() for line in value.split("\n")) + "\n")
    return value


def merge_plain(node: dict, fields: list[Field], old: dict, new: dict) -> None:
    """The same for a case.json (no comments to keep)."""
    for f in fields:
        a, b = old.get(f.key), new.get(f.key)
        if same(f, a, b):
            continue
        if b is None:
            node.pop(f.key, None)
        elif f.kind == "group" and isinstance(node.get(f.key), dict) and isinstance(a, dict):
            merge_plain(node[f.key], f.children, a, b)
        else:
            node[f.key] = b
