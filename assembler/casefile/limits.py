"""What any value of a case or settings file may hold, whatever its schema says.

Checked on the values as read, before the schema and the rules see them: a path longer
than the system allows makes every look at the file fail, a line break in a name ends up
in an e-mail header (which the e-mail library refuses), a NUL or another control
character cannot be written into a Word document, and a megabyte of text keeps
LibreOffice busy for minutes. Each refused value is one Finding naming its field; the
caller stands an example in for it (case.py) or drops it (settings.py), so the schema and
the rules still check the rest in the same run.

The limits are data, here, for the case and the settings alike.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path

from assembler.casefile.examples import parse_path
from assembler.casefile.schema import schema_at
from assembler.errors import Finding

LINE_MAX = 1_000  # characters in a one-line value: a name, a title, a line of an address
TEXT_MAX = 100_000  # characters in a text of paragraphs (facts, one paragraph of a declaration): about 40 pages
ID_MAX = 64  # an id goes into file names (tab-B-declaration-<id>.docx)
KEY_MAX = 200  # a field name of `custom:` or of a form's `fill:`
DOC_PROPERTY_MAX = 255  # a Word document's title or author (python-docx refuses longer): render.py cuts them
DEPTH_MAX = 24  # levels of nesting (the schemas need 6; deeper values overflow the copies made of a case)
# When the system does not say (os.pathconf), Linux's values: bytes in one name, and in a whole path
# with its terminating NUL.
NAME_MAX, PATH_MAX = 255, 4096


@dataclass(frozen=True)
class Fields:
    """Which fields of one kind of file take more than one line of text, name files, or are ids or
    e-mail addresses. Patterns: `[]` is any item of a list, `*` any key of a mapping, `**` anything below.
    Fields whose schema coerces `lines` (addresses) take line breaks too: each line is one value."""

    text: tuple[str, ...]
    paths: tuple[str, ...]
    ids: tuple[str, ...]
    emails: tuple[str, ...]


CASE = Fields(
    text=("request.summary", "request.facts", "request.conclusion", "request.favorable_factors[].text",
          "request.negative_factors[].text", "request.criminal_history[].explanation",
          "declarations[].paragraphs", "declarations[].paragraphs[]", "forms[].fill.*", "court.forms[].fill.*",
          "custom.**"),
    paths=("exhibits[].file", "exhibits[].translation.file", "attorney.signature.image", "forms[].file",
           "court.forms[].file"),
    ids=("declarations[].id", "exhibits[].id"),
    emails=("attorney.email", "service.email"),
)
SETTINGS = Fields(
    text=("offices.*.note", "courts.*.note", "forms.*.fill.*"),
    paths=("templates", "template_sets.*", "ledger.path", "soffice.path", "smtp.ca_file", "forms.*.file",
           "attorney.signature.image"),
    ids=(),
    emails=("attorney.email", "offices.*.email", "email.cc", "email.cc[]"),
)

# Characters no value may hold: C0 controls but tab, line feed and carriage return (those depend on the
# field), DEL, halves of UTF-16 surrogate pairs (a broken \u escape in JSON), and the two non-characters
# XML refuses.
_NEVER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Characters that end a line for someone (str.splitlines, e-mail headers): one-line values hold none.
_BREAK = re.compile("[\t\n\r\x85\u2028\u2029]")


def _pattern(field: str) -> re.Pattern:
    rx = re.escape(field).replace(r"\*\*", ".*").replace(r"\*", r"[^.\[]+")
    return re.compile(rx)


_COMPILED: dict[Fields, dict[str, list[re.Pattern]]] = {}


def _compiled(fields: Fields) -> dict[str, list[re.Pattern]]:
    if fields not in _COMPILED:
        _COMPILED[fields] = {kind: [_pattern(f) for f in getattr(fields, kind)]
                             for kind in ("text", "paths", "ids", "emails")}
    return _COMPILED[fields]


def os_limits(folder: Path) -> tuple[int, int]:
    """(NAME_MAX, PATH_MAX) of the file system that holds `folder` (or its nearest existing parent)."""
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return os.pathconf(probe, "PC_NAME_MAX"), os.pathconf(probe, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):  # not on this system, or not for this file system
        return NAME_MAX, PATH_MAX


def shorten(text: str, keep: int = 40) -> str:
    return text if len(text) <= keep else f"{text[:keep]}... ({len(text):,} characters)"


def path_problem(folder: Path, name: str) -> str | None:
    """Why `name` (relative to `folder`, or absolute) cannot name a file on this system, or None."""
    if "\x00" in name:
        return "holds a NUL character, which no file name can: retype the name"
    name_max, path_max = os_limits(folder)
    for part in name.replace("\\", "/").split("/"):
        size = len(os.fsencode(part))
        if size > name_max:
            return (f"the name '{part[:40]}...' is {size:,} bytes long; this system allows at most {name_max} "
                    "for one file or folder name: rename the file and write its new name here")
    full = len(os.fsencode(os.path.join(folder, name.replace("\\", "/"))))
    if full >= path_max:
        return (f"the path is {full:,} bytes long with the folder it is in ({shorten(str(folder))}); this system "
                f"allows at most {path_max - 1}: shorten the names, or move the files to a shorter folder")
    return None


def email_problem(value: str) -> str | None:
    """Why an e-mail message cannot carry `value` as an address, or None."""
    if not value.rpartition("@")[0].isascii():
        return (f"'{shorten(value)}' has letters outside ASCII before the @, which most mail servers refuse: "
                "ask the owner for a plain-letter address")
    try:
        address = Address(addr_spec=value)
    except (ValueError, HeaderParseError, IndexError):  # the e-mail library's defects are ValueErrors
        return f"'{shorten(value)}' is not an address an e-mail can be sent to: write it as name@example.org"
    if not address.domain.isascii():  # a header carries only ASCII; the Message-ID is made of the domain
        try:
            ascii_form = f"{address.username}@{address.domain.encode('idna').decode('ascii')}"
        except UnicodeError:
            return f"'{shorten(value)}' has a domain that is not a valid name: check it"
        return f"'{shorten(value)}' has letters outside ASCII in its domain: write it as {ascii_form}"
    return None


def _char_problem(value: str, breaks_allowed: bool) -> str | None:
    bad = _NEVER.search(value)
    if bad is None and not breaks_allowed:
        bad = _BREAK.search(value.strip())  # what surrounds a value is trimmed (normalize.text)
        if bad is not None:
            what = "a tab" if bad.group() == "\t" else "a line break"
            return (f"holds {what} (at character {bad.start() + 1}), but this value must be one line (it goes "
                    "into titles, file names and e-mail headers): write it on one line")
    if bad is None:
        return None
    char = bad.group()
    if "\ud800" <= char <= "\udfff":
        return ("contains an invalid character (half of a UTF-16 surrogate pair, from a broken \\u escape in "
                "JSON): retype the value")
    return (f"holds the control character U+{ord(char):04X} (at character {bad.start() + 1}), which documents "
            "and e-mails cannot carry (it often comes from copying out of another program): delete it")


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


@functools.lru_cache(maxsize=4096)
def _kinds(fields: Fields, generic: str) -> frozenset[str]:
    """The kinds (text, paths, ids, emails) of the field at `generic` (its list indices as []): a case holds
    hundreds of values, and matching each against every pattern was half the time of this check."""
    return frozenset(name for name, patterns in _compiled(fields).items() if any(p.fullmatch(generic) for p in patterns))


def _value_problem(path: str, value: str, fields: Fields, schema: dict, folder: Path) -> str | None:
    kinds = _kinds(fields, _generic(path))

    def kind(name: str) -> bool:
        return name in kinds

    is_text = kind("text")
    lines = not is_text and _BREAK.search(value) is not None and _coerces_lines(schema, path)
    problem = _char_problem(value, breaks_allowed=is_text or lines)
    if problem:
        return problem
    if is_text:
        if len(value) > TEXT_MAX:
            return f"is {len(value):,} characters long; at most {TEXT_MAX:,} fit in one text: shorten it"
        return None
    if kind("paths"):  # the system's limits, not ours
        return path_problem(folder, value.strip()) if value.strip() else None
    if kind("ids") and len(value.strip()) > ID_MAX:
        return (f"is {len(value.strip()):,} characters long; an id goes into file names and may have at most "
                f"{ID_MAX}: shorten it")
    longest = max((len(line) for line in value.splitlines()), default=0) if lines else len(value)
    if longest > LINE_MAX:
        return f"is {longest:,} characters long; at most {LINE_MAX:,} fit on a line: shorten it"
    if kind("emails") and value.strip():
        return email_problem(value.strip())
    return None


def _coerces_lines(schema: dict, path: str) -> bool:
    rules = schema_at(schema, parse_path(path))
    return isinstance(rules, dict) and rules.get("coerce") == "lines"


@dataclass
class Checked:
    findings: list[Finding]  # one per refused value or field name, in file order
    data: object  # a copy of what was checked without them (a refused list item: None, its place kept)
    refused: list[str]  # the paths of the refused values (not of refused field names: those are gone)


def check(data: object, fields: Fields, schema: dict, file: str, lines: dict[str, int], folder: Path) -> Checked:
    """Every value of `data` (as read from `file`) over a limit; `folder`: where its relative paths start.
    A refused field name is reported at its mapping's path plus the name, shortened."""
    out = Checked([], None, [])

    def refuse(path: str, message: str, value: bool = True) -> None:
        out.findings.append(Finding(file, path, message, line=lines.get(path)))
        if value:
            out.refused.append(path)

    def walk(path: str, value: object, depth: int) -> tuple[bool, object]:
        """(kept, the value's copy)"""
        if isinstance(value, str):
            problem = _value_problem(path, value, fields, schema, folder)
            if problem:
                refuse(path, problem)
                return False, None
            return True, value
        if not isinstance(value, (dict, list)):
            return True, value
        if depth >= DEPTH_MAX:
            refuse(path, f"is nested more than {DEPTH_MAX} levels deep, which no field needs: flatten it")
            return False, None
        if isinstance(value, list):
            return True, [walk(f"{path}[{i}]", item, depth + 1)[1] for i, item in enumerate(value)]
        copy: dict = {}
        for key, item in value.items():
            name = str(key)
            problem = _char_problem(name, breaks_allowed=False)
            if problem is None and len(name) > KEY_MAX:
                problem = f"this field name is {len(name):,} characters long; at most {KEY_MAX} fit: shorten it"
            if problem:
                where = shorten(name, 20)
                refuse(f"{path}.{where}" if path else where, problem.replace("holds", "its name holds", 1),
                       value=False)
                continue
            kept, item_copy = walk(f"{path}.{name}" if path else name, item, depth + 1)
            if kept:
                copy[key] = item_copy
        return True, copy

    out.data = walk("", data, 0)[1]
    out.findings.sort(key=lambda f: (f.line or 0, f.path))
    return out
