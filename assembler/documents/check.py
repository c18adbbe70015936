"""`pdpacket templates check`: catch a template's mistakes before a filing does.

Finds, with the template's name and the text of the paragraph concerned:
Jinja syntax errors; variables the case data does not have, nested paths
included, with a did-you-mean; unknown filters; Word's curly quotes inside
tags (repaired by the renderer, reported as a warning); tags cut apart by
Word's formatting in ways the renderer cannot mend; `{%p`/`{%tr` tags that do
not stand alone in their paragraph or table row.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from lxml import etree

from assembler import kept
from assembler.documents.context import ROLE_ONLY, context_tree
from assembler.documents.render import load_template, make_environment
from assembler.documents.variables import ANY, Var
from assembler.errors import Finding
from assembler.private import header_footer_element
from assembler.vocab import Role, Severity

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TAG = re.compile(r"\{[{%](.*?)[%}]\}", re.S)
BLOCK_TAG = re.compile(r"\{%-?\s*(p|tr|tc|r)\s.*?%\}", re.S)
CURLY = "“”‘’"
TEXT_METHODS = {"upper", "lower", "title", "capitalize", "strip", "replace", "split", "startswith", "endswith",
                "format", "splitlines", "lstrip", "rstrip"}
MAPPING_METHODS = {"items", "keys", "values", "get"}
GLOBALS = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "True", "False", "None",
           "true", "false", "none"}
FILTER_RESULTS = {"paragraphs": Var("list", item=Var("text")), "lines": Var("text"), "longdate": Var("text"),
                  "sentence": Var("text"), "words": Var("text"),
                  "a_number": Var("text"), "cite": Var("text"), "tab": Var("text"), "upper": Var("text"),
                  "lower": Var("text"), "title": Var("text"), "join": Var("text"), "length": Var("number"),
                  "count": Var("number"), "trim": Var("text"), "string": Var("text")}


CUSTOM = "custom"  # the kind of a finding about a custom field a case lacks


def custom_var(value: Any) -> Var:
    """One case's custom data as variables: with a case, `custom` holds what that case has."""
    if isinstance(value, dict):
        return Var("mapping", None, {str(k): custom_var(v) for k, v in value.items()}, open=False)
    if isinstance(value, list):
        return Var("list", value, item=Var(ANY))
    return Var("text", value)


@dataclass(frozen=True)
class _Parsed:
    """One template read once: what does not depend on a case, and each part's Jinja tree."""

    findings: tuple[Finding, ...]  # tags Word broke, block tags, curly quotes, syntax errors
    trees: tuple[tuple[str, nodes.Template], ...]  # (where, tree) of each part that parsed
    names: frozenset[str]  # the top-level variables it uses, `tabs` when it cites exhibits


def check_template(path: Path, role: str | None = None, custom: dict | None = None) -> list[Finding]:
    """Every finding about one template; with `custom` (a case's custom data), the custom
    fields it uses are checked against that case's too (findings of kind CUSTOM)."""
    name = path.name
    role = role or path.stem
    parsed = _parse(path)
    tree = context_tree()
    if custom is not None:
        tree.fields["custom"] = custom_var(custom)
    findings = list(parsed.findings)
    for where, ast in parsed.trees:
        findings += [Finding(name, "", f"{msg}{where}", kind=kind) for msg, kind in _Names(tree, role).check(ast)]
    return _unique(findings)


def template_names(path: Path) -> frozenset[str]:
    """The top-level variables a template uses (and `tabs` when it cites exhibits); kept between commands
    by the template's bytes (kept.py), as the check is: a rebuild parses no template it read before."""
    data = path.read_bytes()
    return frozenset(kept.remember_json("template names", [data], lambda: sorted(
        _parse_bytes(path.name, data, hashlib.sha256(data).hexdigest()).names)))


def template_trees(path: Path) -> tuple[nodes.Template, ...]:
    """The Jinja tree of each part of a template (body, headers, footers) that parses."""
    return tuple(tree for _, tree in _parse(path).trees)


def _parse(path: Path) -> _Parsed:
    data = path.read_bytes()
    return _parse_bytes(path.name, data, hashlib.sha256(data).hexdigest())


@lru_cache(maxsize=64)  # by content: a build, a batch and the web app read each template once
def _parse_bytes(name: str, data: bytes, digest: str) -> _Parsed:
    try:
        tpl = load_template(data)
        docx = tpl.get_docx()
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return _Parsed((Finding(name, "", f"cannot be opened as a Word document ({exc}): save it again as .docx"),),
                       (), frozenset())
    findings: list[Finding] = []
    trees: list[tuple[str, nodes.Template]] = []
    names: set[str] = set()
    parts = [("body", docx.element.body)]
    for section in docx.sections:
        for label, hf in (("header", section.header), ("footer", section.footer)):
            if not hf.is_linked_to_previous and header_footer_element(hf) is not None:
                parts.append((label, header_footer_element(hf)))
    env = make_environment({})
    for label, element in parts:
        where = "" if label == "body" else f" (in the {label})"
        findings += _block_tags(name, element, where)
        findings += _curly_quotes(name, element, where)
        xml = tpl.patch_xml(etree.tostring(element, encoding="unicode"))
        if re.search(r"\|\s*(cite|tab)\b", xml):
            names.add("tabs")
        for m in TAG.finditer(xml):
            if "<" in m.group(0):
                text = re.sub(r"<[^>]+>", "", m.group(0))
                findings.append(Finding(name, "", f"the tag {text!r}{where} is cut apart by Word's formatting in a way "
                                              "that cannot be mended: select the whole tag, clear its formatting "
                                              "and type it again"))
        lined = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        try:
            ast = env.parse(lined)
            env.compile(ast)
        except jinja2.TemplateSyntaxError as exc:
            findings.append(Finding(name, "", f"{exc.message}{where}, near: {_line_text(lined, exc.lineno)!r}"))
            continue
        except jinja2.TemplateError as exc:  # e.g. an unknown filter
            findings.append(Finding(name, "", f"{exc}{where}: see `pdpacket templates vars` for the filters"))
            continue
        names |= meta.find_undeclared_variables(ast)
        findings += [Finding(name, "", f"{msg}{where}") for msg in stand_ins(ast)]
        trees.append((where, ast))
    return _Parsed(tuple(findings), tuple(trees), frozenset(names))


_WORDS = re.compile(r"[A-Za-z]")


def _expr_text(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expr_text(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_expr_text(node.node)}[{node.arg.value!r}]"
    return "..."


def _reads_case(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem)


def stand_ins(ast: nodes.Template) -> list[str]:
    """A fact the case lacks printed as if known: `{{ proceedings.judge or "Not assigned" }}`,
    `{{ x|default("TBD") }}`. Words in place of a missing fact state what the case never said; an
    empty string or a blank line to fill in by hand ("____") is fine."""
    found = []
    fact: nodes.Node | None
    stand_in: nodes.Node | None
    for node in ast.find_all((nodes.Or, nodes.Filter, nodes.CondExpr)):
        if isinstance(node, nodes.Or):
            fact, stand_in = node.left, node.right
        elif isinstance(node, nodes.Filter) and node.name in ("default", "d") and node.args:
            fact, stand_in = node.node, node.args[0]
        elif isinstance(node, nodes.CondExpr) and node.expr2 is not None:
            fact, stand_in = node.test, node.expr2  # {{ x if x else "Not assigned" }}
        else:
            continue
        if (isinstance(stand_in, nodes.Const) and isinstance(stand_in.value, str) and _WORDS.search(stand_in.value)
                and "__" not in stand_in.value and fact is not None and _reads_case(fact)):
            found.append(f"prints {stand_in.value!r} when {_expr_text(fact)} is missing, a fact the case file "
                         f"never stated: leave the line out instead ({{%p if {_expr_text(fact)} %}}...{{%p endif %}})")
    return found


def _line_text(xml: str, lineno: int | None) -> str:
    lines = xml.splitlines()
    if not lineno or lineno > len(lines):
        return ""
    return re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()[:120]


def _paragraph_text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _block_tags(name: str, element: Any, where: str) -> list[Finding]:
    findings = []
    for p in element.iter(f"{W}p"):
        text = _paragraph_text(p)
        for m in BLOCK_TAG.finditer(text):
            kind = m.group(1)
            if kind == "p" and text.replace(m.group(0), "").strip():
                findings.append(Finding(name, "", f"the paragraph tag {m.group(0)!r}{where} shares its paragraph with "
                                              f"other text ({text.strip()[:80]!r}): put it alone in a paragraph of "
                                              "its own"))
            if kind == "tr":
                row = next((a for a in p.iterancestors(f"{W}tr")), None)
                row_text = "".join(_paragraph_text(q) for q in row.iter(f"{W}p")) if row is not None else text
                if row is None:
                    findings.append(Finding(name, "", f"the row tag {m.group(0)!r}{where} is not in a table row: use "
                                                  "{%p ... %} outside tables"))
                elif row_text.replace(m.group(0), "").strip():
                    findings.append(Finding(name, "", f"the row tag {m.group(0)!r}{where} shares its table row with "
                                                  f"other text ({row_text.strip()[:80]!r}): give it a row of its own"))
    return findings


def _curly_quotes(name: str, element: Any, where: str) -> list[Finding]:
    findings = []
    for p in element.iter(f"{W}p"):
        for m in TAG.finditer(_paragraph_text(p)):
            if any(c in m.group(0) for c in CURLY):
                findings.append(Finding(name, "", f"curly quotes inside the tag {m.group(0)!r}{where} (Word's "
                                              "autocorrect): pdpacket straightens them when rendering; turn off "
                                              "'smart quotes' to keep the template clean", Severity.warning))
    return findings


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def walk_loop(node: nodes.For, scope: dict, element: object, visit: Callable[[nodes.Node, dict], object],
              expr: Callable[[nodes.Node, dict], object]) -> None:
    """A for loop in a walk of a template (the template check's, the record of what fed a render): its
    filter and body in a scope of their own, where a single loop name stands for `element` (what one item
    of the iterated value is: a Var, a path) and the names of an unpacking (for key, value in ...) and
    `loop` for nothing known; its else block in the outer scope."""
    inner = dict(scope)
    for target in node.target.find_all(nodes.Name):
        inner[target.name] = None
    if isinstance(node.target, nodes.Name):
        inner[node.target.name] = element
    inner["loop"] = None
    if node.test is not None:
        expr(node.test, inner)
    for child in node.body:
        visit(child, inner)
    for child in node.else_:
        visit(child, scope)


class _Names:
    """Checks every variable path a template uses against what the case data has."""

    def __init__(self, tree: Var, role: str):
        self.tree, self.role = tree, role
        self.problems: list[tuple[str, str]] = []  # (message, kind)

    def check(self, ast: nodes.Template) -> list[tuple[str, str]]:
        self._visit(ast, {})
        return self.problems

    def _visit(self, node: nodes.Node, scope: dict) -> None:
        if isinstance(node, nodes.For):
            item = self._expr(node.iter, scope)
            walk_loop(node, scope, item.item if isinstance(item, Var) and item.item is not None else None,
                      self._visit, self._expr)
            return
        if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) \
                    else [node.target]:
                scope[target.name] = None
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            return  # their own arguments; rare in documents
        if isinstance(node, nodes.Expr):
            self._expr(node, scope)
            return
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self._expr(child, scope)
            else:
                self._visit(child, scope)

    def _expr(self, node: nodes.Node, scope: dict) -> Var | None:
        """The Var an expression gives (None when unknown), reporting paths that do not exist."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in GLOBALS:
                return None
            var = self.tree.fields.get(node.name)
            if var is None:
                close = difflib.get_close_matches(node.name, list(self.tree.fields) + list(scope), n=1, cutoff=0.6)
                self.problems.append((f"unknown variable '{node.name}'"
                                      + (f": did you mean '{close[0]}'?" if close else
                                         ": see `pdpacket templates vars`"), ""))
                return None
            owners = ROLE_ONLY.get(node.name)
            if owners and self.role in set(Role) and self.role not in owners:
                names = sorted(owners)
                which = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
                self.problems.append((f"'{node.name}' exists only in the {which} template{'s' * (len(names) > 1)}", ""))
            return var
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            base = self._expr(node.node, scope)
            if isinstance(node, nodes.Getitem):
                if not isinstance(node.arg, nodes.Const) or not isinstance(node.arg.value, str):
                    self._expr(node.arg, scope)
                    return base.item if isinstance(base, Var) and base.type == "list" else None
                attr = node.arg.value
            else:
                attr = node.attr
            return self._field(base, attr, node)
        if isinstance(node, nodes.Filter):
            if node.node is not None:
                self._expr(node.node, scope)
            for arg in node.args:
                self._expr(arg, scope)
            return FILTER_RESULTS.get(node.name)
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Expr):
                self._expr(child, scope)
        return None

    def _field(self, base: Var | None, attr: str, node: nodes.Getattr | nodes.Getitem) -> Var | None:
        if not isinstance(base, Var) or base.type == ANY or base.open:
            return None
        if base.type == "mapping":
            if attr in base.fields:
                return base.fields[attr]
            if attr in MAPPING_METHODS:
                return None
            close = difflib.get_close_matches(attr, list(base.fields), n=1, cutoff=0.6)
            if _path(node).startswith(f"{CUSTOM}."):
                self.problems.append((f"'{_path(node)}' is not a custom field of this case: "
                                      + (f"did you mean '{_path(node.node)}.{close[0]}'?" if close else
                                         f"it has {', '.join(base.fields)}." if base.fields else "it has none.")
                                      + " Fix the name in the template, or add it under custom: in the case file",
                                      CUSTOM))
                return None
            self.problems.append((f"'{_path(node)}' does not exist: "
                                  + (f"did you mean '{_path(node.node)}.{close[0]}'?" if close
                                     else f"the fields here are {', '.join(base.fields)}"), ""))
            return None
        if base.type == "text" and attr in TEXT_METHODS:
            return None
        if base.type == "list" and attr in {"index", "count"}:
            return None
        self.problems.append((f"'{_path(node)}' does not exist: '{_path(node.node)}' is {base.type}, without fields",
                              ""))
        return None


def _path(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_path(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        arg = node.arg.value if isinstance(node.arg, nodes.Const) else "..."
        return f"{_path(node.node)}[{arg!r}]" if not isinstance(arg, str) else f"{_path(node.node)}.{arg}"
    return "(expression)"


def expression_problems(source: str) -> list[str]:
    """What is wrong with the variables of a template expression outside a Word file (a form's
    `fill:` value): unknown names and paths, with a did-you-mean. Syntax errors are left to rendering."""
    return list(_expression_problems(source))


@lru_cache(maxsize=1024)
def _expression_problems(source: str) -> tuple[str, ...]:
    """Kept by the expression alone: the variables it is checked against are pdpacket's own (the shipped case
    schema, read once a process). Every validation checks every fill expression of the case's forms, and
    building the variables' tree for each took most of the time of a validation with a filled G-28."""
    try:
        ast = make_environment({}).parse(source)
    except jinja2.TemplateSyntaxError:
        return ()
    return tuple(message for message, _ in _Names(context_tree(), "").check(ast))
