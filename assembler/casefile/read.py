"""Read a case or settings file into plain data, defusing YAML's traps.

YAML 1.1 (what PyYAML speaks) guesses types: `NO` becomes False, `010` an octal
number, `10:30` the integer 630, `2025-03-04` a date. Here every plain scalar
is read as text and the schema decides its type, so a value is never silently
changed; empty, `~` and `null` stay None. Duplicate keys, tabs, UTF-16 and
empty files get a clear message instead of a guess.

Text reads as the writer typed it, whatever the YAML style: a blank line
between paragraphs arrives as a blank line ("\n\n"). YAML itself turns a blank
line into a single "\n" in plain, quoted and folded (`>`) scalars, and only a
literal block (`|`) keeps it; so the style decides (see `_as_written`). The
paragraph rule itself is normalize.paragraphs.
"""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assembler.errors import Finding
from assembler.vocab import Severity

CASE_FILE_NAMES = ("case.yaml", "case.yml", "case.json")
NULL_WORDS = {"", "~", "null", "Null", "NULL"}


@dataclass
class LoadedFile:
    path: Path
    data: object
    lines: dict[str, int] = field(default_factory=dict)  # field path -> line number
    flow_mappings: set[str] = field(default_factory=set)  # paths written as {a: 1, b: 2}
    problems: list[Finding] = field(default_factory=list)


def find_case_file(case: Path) -> Path | None:
    """A case is a folder holding case.yaml (or .yml/.json), or that file itself."""
    if case.is_file():
        return case
    for name in CASE_FILE_NAMES:
        if (case / name).is_file():
            return case / name
    return None


def outside_folder(file: Path, folder: Path) -> str | None:
    """Why `file` may not be read as the case file of `folder`, or None: like every file a case
    names (rules.resolve_case_path), the case file itself must not lead outside its folder."""
    try:
        inside = file.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return f"{file}: cannot be resolved (a symbolic link loop?): replace the link with the file itself"
    if inside:
        return None
    return (f"{file}: the case file {file.name} is a link to a file outside the case folder: copy the file itself into the "
            "case folder (links inside the folder are fine)")


def decode(raw: bytes, shown: str) -> tuple[str | None, list[Finding]]:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), []
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(raw) >= 2 and (raw[0] == 0 or raw[1] == 0)
    ):
        encoding = "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else (
            "utf-16-be" if raw[0] == 0 else "utf-16-le")
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            return None, [Finding(shown, "", "the file is neither UTF-8 nor readable UTF-16: save it as UTF-8")]
        return text.lstrip("\ufeff"), [Finding(
            shown, "", "the file is saved as UTF-16; it was read, but save it as UTF-8 so other tools read it too",
            severity=Severity.warning)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Finding(
            shown, "", f"byte {exc.start} is not valid UTF-8 (an accent saved in another encoding?): "
            "save the file as UTF-8", line=line)]


def load_file(path: Path, shown: str | None = None, raw: bytes | None = None) -> LoadedFile:
    """The file read, or parsed from `raw` (its bytes as the caller read them)."""
    shown = shown or str(path)
    loaded = LoadedFile(path, None)
    try:
        raw = path.read_bytes() if raw is None else raw
    except OSError as exc:
        loaded.problems.append(Finding(shown, "", f"cannot read the file: {exc.strerror}"))
        return loaded
    text, problems = decode(raw, shown)
    loaded.problems += problems
    if text is None:
        return loaded
    if not text.strip() or all(line.strip().startswith("#") or not line.strip() for line in text.splitlines()):
        loaded.problems.append(Finding(shown, "", "the file is empty: describe the case in it (see samples/)"))
        return loaded
    if path.suffix.lower() == ".json":
        _load_json(text, loaded, shown)
    else:
        _load_yaml(text, loaded, shown)
    return loaded


def _load_json(text: str, loaded: LoadedFile, shown: str) -> None:
    def no_duplicates(pairs: list[tuple[Any, Any]]) -> dict:
        seen = {}
        for key, value in pairs:
            if key in seen:
                loaded.problems.append(Finding(shown, key, "this key appears twice: keep one"))
            seen[key] = value
        return seen

    try:
        loaded.data = json.loads(text, object_pairs_hook=no_duplicates)
    except RecursionError:
        loaded.problems.append(Finding(shown, "", "the file is nested too deeply to be a case file"))
    except json.JSONDecodeError as exc:
        loaded.problems.append(Finding(shown, "", f"not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno))


def _compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML text; PyYAML's C parser (libyaml) when it has one.

    The pure-Python parser was 70% of a case's validation. The two give the same trees
    but for two spellings (a plain scalar's style: None or ''; a block collection's
    flow_style: None or False), made the Python parser's here. A text the C parser
    refuses is parsed again in Python: its error messages are the ones explained."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            node = yaml.compose(text, Loader=loader)
        except yaml.YAMLError as exc:
            # libyaml stops at 1000 levels at once; the Python parser would take a second to overflow.
            if "maximum nesting depth" in str(getattr(exc, "problem", "") or ""):
                raise RecursionError("nested too deeply") from exc
        else:
            _python_spellings(node)
            return node
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _python_spellings(node: yaml.Node | None) -> None:
    # Each node once: an alias is the very node it names, so `a: &x [*x]` is a loop, and a
    # few lines of aliases a tree of billions of paths (refused after this, by _construct).
    stack, seen = ([node] if node is not None else []), set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode):
            n.style = n.style or None
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(item for pair in n.value for item in pair)


def _load_yaml(text: str, loaded: LoadedFile, shown: str) -> None:
    try:
        node = _compose(text)
        if node is not None:
            loaded.data = _construct(node, "", loaded, shown, set(), text)
    except RecursionError:
        loaded.problems.append(Finding(shown, "", "the file is nested too deeply to be a case file"))
        return
    except yaml.MarkedYAMLError as exc:
        loaded.problems.append(_yaml_problem(exc, text, shown))
        return
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors
        loaded.problems.append(Finding(shown, "", f"not valid YAML: {exc}"))
        return
    if node is None:
        loaded.problems.append(Finding(shown, "", "the file is empty: describe the case in it (see samples/)"))


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, shown: str) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    src_line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in (exc.problem or "") or (src_line and "\t" in src_line[: len(src_line) - len(src_line.lstrip())]):
        return Finding(shown, "", "a tab is used for indentation; YAML allows only spaces: replace the tabs with spaces",
                       line=line)
    problem = exc.problem or "syntax error"
    context = exc.context or ""
    started = exc.context_mark.line + 1 if exc.context_mark else line
    # A quote left open swallows the lines after it; the parser notices only where the
    # next quote closes it, or at the end of the file: report the line where it opened.
    opened = _unclosed_quote(text, line or 0)
    if opened and ("quoted scalar" in context or "'<scalar>'" in problem):
        return Finding(shown, "", "the quote opened on this line is not closed: end the value with the same "
                                  "quote mark (a value that holds a \" is written between ' ')", line=opened)
    if "mapping values are not allowed" in problem and (colon := colon_in_value(src_line)):
        return Finding(shown, "", colon, line=line)
    for needle, words, at in _PLAIN:
        if needle in problem or needle in context:
            return Finding(shown, "", words, line=started if at == "start" else line)
    return Finding(shown, "", f"not valid YAML: {problem}", line=line)


# (what the parser says, in problem or context; what it means; where it starts: the problem's
# line, or the line of its context, e.g. the `{` that was never closed)
_PLAIN = [
    ("'<block mapping start>'", "this line is indented differently from the fields around it: fields of one "
                                "section start in the same column (use spaces, two per level)", "problem"),
    ("'<block sequence start>'", "this list item (- ...) is indented differently from the items and fields around "
                                 "it: line it up with the other items of its list", "problem"),
    ("found '-'", "this list item (- ...) is indented differently from the items and fields around it: line it "
                  "up with the other items of its list", "problem"),
    ("'<scalar>'", "text follows the closing quote of a value (\"Ana\" Maria): put the whole value in quotes, "
                   "or none of it", "problem"),
    ("could not find expected ':'", "this line is not `field: value`: add the colon after the field's name (with a "
                                    "space after it), or indent the line if it continues the value above", "start"),
    ("while parsing a flow mapping", "the { opened on this line is not closed: end it with }, or write the fields "
                                     "on lines of their own", "start"),
    ("while parsing a flow sequence", "the [ opened on this line is not closed: end it with ], or write the items "
                                      "on lines of their own starting with -", "start"),
    ("unknown escape character", "inside double quotes a backslash starts an escape: use single quotes instead "
                                 "('C:\\path'), or write two backslashes", "problem"),
    ("mapping values are not allowed", "a colon followed by a space inside a value, or a line indented more than "
                                       "the field above it: put the value in quotes, or fix the indentation",
     "problem"),
    ("found undefined alias", "a value starting with * must be put in quotes", "problem"),
    ("while scanning an alias", "a value starting with * must be put in quotes", "start"),
    ("while scanning an anchor", "a value starting with & must be put in quotes", "start"),
    ("found character '@'", "a value starting with @ must be put in quotes", "problem"),
    ("found character '`'", "a value starting with ` must be put in quotes", "problem"),
]

_ITEM_OR_FIELD = re.compile(r"^\s*(?P<dash>-\s+)?(?:(?P<key>[a-z_][a-z0-9_]*):\s+)?(?P<rest>.*?)\s*$")


def colon_in_value(src_line: str) -> str | None:
    """What to do about a colon followed by a space inside a value (`title: Lease: the apartment`, a list
    item `- Dismissal: because: ...`: field names are lower case, so `Dismissal` is text), which YAML reads
    as the start of a new field; None when the line
    shows no such colon (a line indented too far: the generic message says so)."""
    m = _ITEM_OR_FIELD.match(src_line)
    if m is None or ": " not in m["rest"]:
        return None
    if m["key"]:
        what, fixed = "value", f"{m['key']}: {yaml_quoted(m['rest'])}"
    elif m["dash"]:
        what, fixed = "item", f"- {yaml_quoted(m['rest'])}"
    else:
        return None
    return (f"the {what} holds a colon followed by a space, which YAML reads as the start of a new field: put "
            f"the whole {what} in quotes: {fixed}")


def yaml_quoted(text: str) -> str:
    """`text` as a YAML quoted value a person would write: "..." unless it holds " or \\, then '...'."""
    if '"' in text or "\\" in text:
        return "'" + text.replace("'", "''") + "'"
    return f'"{text}"'


_OPENING_QUOTE = re.compile(r"""^\s*(?:-\s+)*(?:[^\s#'"][^#]*?:\s+)?(["'])(.*)$""")


def _unclosed_quote(text: str, until: int) -> int | None:
    """The first line (1-based, up to `until`) whose value opens a quote it does not close."""
    for number, source in enumerate(text.splitlines()[:until or None], start=1):
        m = _OPENING_QUOTE.match(source)
        if not m:
            continue
        quote, rest = m.group(1), m.group(2)
        if quote == '"':
            rest = re.sub(r"\\.", "", rest)
        else:
            rest = rest.replace("''", "")
        if quote not in rest:
            return number
    return None


def _construct(node: yaml.Node, path: str, loaded: LoadedFile, shown: str, seen: set, text: str) -> Any:
    loaded.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        # An alias (*name) makes the composer hand back the same node again; a few
        # nested ones expand to billions of values ("billion laughs"). Case files do
        # not need them.
        if id(node) in seen:
            loaded.problems.append(Finding(shown, path, "YAML aliases (*name) are not supported: write the values "
                                                        "out in full", line=node.start_mark.line + 1))
            return None
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        if node.flow_style:
            loaded.flow_mappings.add(path)
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                loaded.problems.append(Finding(shown, path, "a key must be plain text",
                                               line=key_node.start_mark.line + 1))
                continue
            key = key_node.value
            if key == "<<":
                loaded.problems.append(Finding(shown, path, "YAML merge keys (<<) are not supported: write the fields out",
                                               line=key_node.start_mark.line + 1))
                continue
            child = f"{path}.{key}" if path else key
            if key in result:
                loaded.problems.append(Finding(
                    shown, child, f"this key appears twice (first on line {loaded.lines.get(child)}): keep one",
                    line=key_node.start_mark.line + 1))
            result[key] = _construct(value_node, child, loaded, shown, seen, text)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, f"{path}[{i}]", loaded, shown, seen, text) for i, item in enumerate(node.value)]
    # Scalar: text unless empty/null; quoted values are always text.
    assert isinstance(node, yaml.ScalarNode)
    if node.style is None and node.value in NULL_WORDS and node.tag != "tag:yaml.org,2002:str":
        return None
    return _as_written(node, text) if "\n" in node.value else node.value


_BLANK_LINES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+[ \t]*")


def _as_written(node: yaml.ScalarNode, text: str) -> str:
    """A multi-line scalar with its paragraphs as the writer typed them: blank lines as "\n\n".

    Plain, single-quoted and folded scalars hold a "\n" only where the source had a blank line
    (YAML folds single line breaks into spaces): each is a paragraph break. A double-quoted one
    may also hold a "\n" the writer typed as an escape (a line break, which the paragraph rule
    makes a space): its source decides, read again with its blank lines made "\n\n" escapes.
    Literal blocks keep every line break as typed."""
    if node.style == "|":
        return node.value
    if node.style != '"':
        return re.sub(r"\n+", "\n\n", node.value)
    raw = text[node.start_mark.index:node.end_mark.index]
    if not (raw.startswith('"') and raw.endswith('"')):
        return node.value  # not where the marks say (never seen): the value as YAML gives it
    try:
        value = yaml.load(_BLANK_LINES.sub(r"\\n\\n", raw), Loader=_LOADER)  # a safe loader
    except yaml.YAMLError:
        return node.value
    return value if isinstance(value, str) else node.value


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
