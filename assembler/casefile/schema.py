"""Check a document against a Cerberus schema; every problem as (path, message).

Cerberus reports errors as a tree in its own vocabulary; here each leaf becomes
one Finding naming the field path and saying how to fix it. Coercion (see
normalize.py) runs first, so what comes back is the canonical document.
"""
from __future__ import annotations

import contextlib
import copy
import difflib
import pickle
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import cerberus
from cerberus import errors as cerr

from assembler import kept
from assembler.casefile import normalize
from assembler.casefile.read import yaml_quoted
from assembler.errors import Finding
from assembler.private import cerberus_errors, cerberus_plain_schema, cerberus_trust_schema

# Cerberus finds coercers by method name (_normalize_coerce_<name>) when the
# class is created, so they must be in the class body, not added later.
_Validator = type("_Validator", (cerberus.Validator,), {
    f"_normalize_coerce_{name}": staticmethod(fn) for name, fn in normalize.COERCERS.items()})

TYPE_WORDS = {
    "string": "text", "boolean": "true or false", "dict": "a mapping (fields indented below it)",
    "list": "a list (lines starting with -)", "integer": "a whole number", "number": "a number",
}


def path_str(parts: Iterable[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"'{value}'"


def schema_at(schema: dict, parts: Iterable[str | int]) -> dict | None:
    """The rules of the field at `parts` (list indices step into `schema`)."""
    rules: dict | None = {"type": "dict", "schema": schema}
    for p in parts:
        if rules is None:
            return None
        if isinstance(p, int):
            kind = rules.get("type")
            rules = rules.get("schema") if kind == "list" or (isinstance(kind, list) and "list" in kind) else None
        else:
            sub = rules.get("schema")
            if sub is None and "valuesrules" in rules:
                rules = rules["valuesrules"]
                continue
            rules = sub.get(p) if isinstance(sub, dict) else None
    return rules


class SchemaCheck:
    """Validators of one schema, built once each (building one is the slow part) and lent out.

    A Cerberus validator keeps the document and the errors of its last run on itself, so two threads
    sharing one (the web app validates while it builds) read each other's errors: a run borrows a
    validator no other run holds. They are kept for the process, not per thread: the web app answers
    each request in a worker thread that may be new, and a validator per thread was built again
    (10-20 ms for the case and the settings) for most requests."""

    # The answers of the last runs, pickled, by the document (pickled: True and 1 are told apart) and, for one
    # with problems, the file's name and its lines (its findings name them): a check depends on nothing else
    # (the coercers are pure functions of the value), and the same case is checked again and again (the web
    # app at every page, a command and the one it starts, the same case data in another folder).
    ANSWERS = 64

    def __init__(self, schema: dict):
        self.schema = schema
        self._free: list[cerberus.Validator] = []
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, bytes, bytes], bytes] = {}

    @property
    def validator(self) -> cerberus.Validator:
        """A validator of the schema of the caller's own (raises SchemaError for a wrong schema)."""
        validator = self._build()
        cerberus_plain_schema(validator)  # its schema checked once, not again at every document
        return validator

    @contextlib.contextmanager
    def _borrowed(self) -> Iterator[cerberus.Validator]:
        with self._lock:
            validator = self._free.pop() if self._free else None
        if validator is None:
            validator = self.validator
        try:
            yield validator
        finally:
            with self._lock:
                self._free.append(validator)

    def _build(self) -> cerberus.Validator:
        """A validator of the schema. Cerberus checks the schema itself first (0.1-0.2 s for the case
        schema, every command): that it passed is kept between commands (kept.py), by the schema as read
        (its text) and Cerberus's identity, and a schema that passed before is not checked again."""
        built: list[cerberus.Validator] = []

        def check() -> bytes:
            built.append(_Validator(copy.deepcopy(self.schema)))  # raises SchemaError for a wrong schema
            return b"checked"

        kept.remember("cerberus schema checked", [repr(self.schema), kept.library("cerberus")], check)
        if built:
            return built[0]
        cerberus_trust_schema(_Validator, self.schema)
        return _Validator(copy.deepcopy(self.schema))

    def run(self, data: dict, file: str, lines: dict[str, int]) -> tuple[dict, list[Finding]]:
        """The document as coerced, and every problem of it; the caller's own copies."""
        try:
            document = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
            where = pickle.dumps(lines, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
            return self._run(data, file, lines)  # not a document read from a file: checked every time
        passed, failed = ("", document, b""), (file, document, where)
        with self._lock:
            found = self._answers.get(passed) or self._answers.get(failed)
        if found is not None:
            answer: tuple[dict, list[Finding]] = pickle.loads(found)  # only what was pickled below
            return answer
        answer = self._run(data, file, lines)
        key = failed if answer[1] else passed  # a document without problems: the same answer from any file
        kept = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._answers.pop(key, None)
            self._answers[key] = kept
            while len(self._answers) > self.ANSWERS:
                del self._answers[next(iter(self._answers))]  # the oldest
        return answer

    def _run(self, data: dict, file: str, lines: dict[str, int]) -> tuple[dict, list[Finding]]:
        with self._borrowed() as validator:
            ok = validator.validate(data)
            document = validator.document  # a new object at every run: safe to keep once it is given back
            errors = [] if ok else list(_leaves(cerberus_errors(validator)))
        if ok:
            return document, []
        problems = []
        for err in errors:
            path = path_str(err.document_path)
            line = lines.get(path) or lines.get(path_str(err.document_path[:-1]))
            problems.append(Finding(file, path, self._message(err), line=line))
        problems = list(dict.fromkeys(problems))  # one mistake the type check and the coercion both saw
        problems.sort(key=lambda p: (p.line or 0, p.path))
        return document, problems

    def _message(self, err: cerr.ValidationError) -> str:
        rules = schema_at(self.schema, err.document_path) or {}
        meta = rules.get("meta", {}) if isinstance(rules, dict) else {}
        hint = f" ({meta['hint']})" if meta.get("hint") else ""
        code, value, constraint = err.code, err.value, err.constraint
        field = err.document_path[-1] if err.document_path else ""
        if code == cerr.REQUIRED_FIELD.code:
            example = meta.get("example")
            ex = f", e.g. {field}: {example!r}" if isinstance(example, (str, int)) and not isinstance(example, bool) else ""
            return f"is required but missing: add it{ex}{hint}"
        if code == cerr.UNKNOWN_FIELD.code:
            parent = schema_at(self.schema, err.document_path[:-1]) or {}
            known = list((parent.get("schema") or {}).keys()) if isinstance(parent.get("schema"), dict) else []
            close = difflib.get_close_matches(str(field), known, n=1, cutoff=0.6)
            if close:
                return f"unknown field: did you mean '{close[0]}'?"
            listing = ", ".join(known) if known else "none"
            return f"unknown field: check the spelling or remove it (fields allowed here: {listing})"
        if code in (cerr.COERCION_FAILED.code, cerr.BAD_TYPE.code) and (colon := _colon_read_as_field(err)):
            return colon
        if code == cerr.COERCION_FAILED.code:
            exc = err.info[0] if err.info else None
            return f"{exc}" if exc else f"{describe(value)} cannot be read{hint}"
        if code == cerr.BAD_TYPE.code:
            want = TYPE_WORDS.get(constraint if isinstance(constraint, str) else constraint[0], constraint)
            return f"must be {want}, not {describe(value)}{hint}"
        if code == cerr.EMPTY_NOT_ALLOWED.code or code == cerr.NOT_NULLABLE.code:
            return f"must not be empty{hint}"
        if code == cerr.UNALLOWED_VALUE.code:
            close = difflib.get_close_matches(str(value), [str(c) for c in constraint], n=1, cutoff=0.5)
            sug = f"did you mean '{close[0]}'? " if close else ""
            return f"{describe(value)} is not allowed: {sug}choose one of {', '.join(map(str, constraint))}"
        if code == cerr.REGEX_MISMATCH.code:
            return f"{describe(value)} is not valid{hint}"
        if code == cerr.MIN_LENGTH.code:
            return f"needs at least {constraint} entr{'y' if constraint == 1 else 'ies'}{hint}"
        if code == cerr.MIN_VALUE.code:
            return f"must be at least {constraint}"
        if code == cerr.MAX_VALUE.code:
            return f"must be at most {constraint}"
        return f"{describe(value)} is not valid ({err.rule}){hint}"


def _colon_read_as_field(err: cerr.ValidationError) -> str | None:
    """Text with a colon followed by a space (`- I came in 2019: I was afraid.`) that YAML read as a field and
    its value, where text was wanted: say to quote it, with the line as it should be (the type check and the
    coercion both report it: one message, the same, so it is said once)."""
    value = err.value
    wants_text = err.code == cerr.COERCION_FAILED.code or err.constraint in ("string", ["string"])
    if not (wants_text and isinstance(value, dict) and len(value) == 1):
        return None
    [(key, rest)] = value.items()
    if not isinstance(key, str) or isinstance(rest, (dict, list)):
        return None
    written = f"{key}: {rest}" if rest is not None else f"{key}:"
    field = err.document_path[-1] if err.document_path else ""
    fixed = f"- {yaml_quoted(written)}" if isinstance(field, int) else f"{field}: {yaml_quoted(written)}"
    return f"a colon followed by a space makes YAML read this text as a field and its value: put the whole text " \
           f"in quotes: {fixed}"


def _leaves(errors: Iterable[Any]) -> Iterator[Any]:
    for err in errors:
        if err.is_group_error and err.child_errors:
            yield from _leaves(err.child_errors)
        elif not err.is_group_error:
            yield err
