"""The comment that follows a list or a mapping in the case file, kept when the form replaces it.

ruamel.yaml keeps the comment lines after a block (the blank line and "# The client's informed
consent ..." above the next key) on the block's last scalar. Replacing the block (a list emptied by
the "none known" switch, a list whose last entry goes) dropped them with it: lines the user wrote,
lost by a save. Here they are looked for after the changes, and put after the section when they are gone.
"""
from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.tokens import CommentToken


def last_comment(node: Any, remove: bool = False) -> CommentToken | None:
    """The comment after the end of block `node`, on its last scalar (None when there is none); with
    `remove`, taken off it."""
    while isinstance(node, (CommentedMap, CommentedSeq)) and node:
        last = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        value = node[last]
        if isinstance(value, (CommentedMap, CommentedSeq)) and value:
            node = value
            continue
        entry = node.ca.items.get(last)
        slot = 2 if isinstance(node, CommentedMap) else 0  # where ruamel keeps a comment after a key's value / an item
        if entry and len(entry) > slot and entry[slot] is not None:
            token = entry[slot]
            if remove:
                entry[slot] = None
            return token
        return None
    return None


def put(parent: Any, key: Any, token: CommentToken) -> None:
    """Put `token` after the value at `parent[key]`: on its last scalar, or beside the key when the value is
    a scalar or an empty list or mapping."""
    value = parent[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and value:
        last = next(reversed(value)) if isinstance(value, CommentedMap) else len(value) - 1
        put(value, last, token)
        return
    if isinstance(parent, CommentedMap):
        entry, slot = parent.ca.items.setdefault(key, [None, None, None, None]), 2
    elif isinstance(parent, CommentedSeq):
        entry, slot = parent.ca.items.setdefault(key, [None, None]), 0
    else:
        return
    if entry[slot] is not None:  # a comment there already (a section's own): the moved one follows it
        entry[slot].value = entry[slot].value.rstrip("\n") + "\n\n" + token.value.lstrip("\n")
    else:
        entry[slot] = token


def holds(node: Any, token: CommentToken) -> bool:
    """Whether `token` is still one of the comments of `node` or of a node within it."""
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if any(token is t for entry in node.ca.items.values() for t in (entry or []) if t is not None):
            return True
        values = node.values() if isinstance(node, CommentedMap) else node
        return any(holds(v, token) for v in values)
    return False
