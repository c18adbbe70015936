"""The package's shape, as docs/developer/architecture.md draws it: no module imports itself back through others
(imports inside functions count), no import from a lower layer to a higher one (the import-linter
contracts in pyproject.toml, which `make lint` checks too), and no module reaches a private name
(`_name`) of another."""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from helpers import REPO

PACKAGE = REPO / "assembler"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b"]]


def test_no_module_imports_itself_back_through_others():
    # Imports for type annotations alone (under TYPE_CHECKING) never run; the layers' contract skips them too.
    assert _cycles(grimp.build_graph("assembler", exclude_type_checking_imports=True)) == []


def test_the_layers_hold():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True) == 0


def _private_reaches(path: Path) -> list[str]:
    """`from assembler.x import _name` and `x._name` where x is a module of assembler imported here."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to assembler modules
    found = []
    reaches = []  # `x._name`, kept until every import is known (one walk of the tree: half the time)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            reaches.append(node)
        elif isinstance(node, ast.Import):
            modules.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.startswith("assembler"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assembler"):
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno}: from {node.module} import {a.name}")
                elif (PACKAGE / Path(*node.module.split(".")[1:]) / f"{a.name}.py").exists() or \
                        (PACKAGE / Path(*node.module.split(".")[1:]) / a.name / "__init__.py").exists():
                    modules.add(a.asname or a.name)
    found += [f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}" for node in reaches
              if isinstance(node.value, ast.Name) and node.value.id in modules]
    return sorted(found, key=lambda f: int(f.split(":")[1]))


def test_the_private_name_finder_finds_one(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("from assembler.send import status as status_mod\nfrom assembler.casefile import rules\n"
                      "from assembler.batch import _failure\nstatus_mod._one()\nrules._Checker()\nrules.public()\n")
    assert _private_reaches(sample) == ["m.py:3: from assembler.batch import _failure", "m.py:4: status_mod._one",
                                        "m.py:5: rules._Checker"]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_reaches_a_private_name_of_another(path):
    assert _private_reaches(path) == []


# What the command line may import besides the api: the two modules `pdpacket build` needs before the
# library is imported (LibreOffice's early start, the signal handlers), the options a command makes where
# the call comes in (as light as the vocabulary: the early start takes them), and the web app `serve` starts.
CLI_BOUNDARY = {"assembler", "assembler.api", "assembler.vocab", "assembler.errors", "assembler.options",
                "assembler.convert.early", "assembler.stopping", "assembler.web.server"}
# The web app's own imports below the api, each a debt to pay: they go through the api once the modules
# that hold them (the case form, saving, uploads: other work in progress) are settled.
WEB_DEBTS = {
    "assembler.web.casefile_edit": {"assembler.casefile.normalize", "assembler.casefile.read"},
    "assembler.web.cases": {"assembler.casefile.read", "assembler.send.status"},
    "assembler.web.editor": {"assembler.casefile.read", "assembler.documents.context"},
    "assembler.web.form": {"assembler.resources", "assembler.casefile.normalize"},
    "assembler.web.jobs": {"assembler.casefile.case", "assembler.casefile.settings", "assembler.convert.office",
                           "assembler.convert.renders", "assembler.progress", "assembler.workspace"},
    "assembler.web.state": set(),
    "assembler.web.uploads": {"assembler.casefile.rules"},
}


def _below_the_api(graph: grimp.ImportGraph, package: str, allowed: set[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for module in sorted(m for m in graph.modules if m == package or m.startswith(package + ".")):
        beyond = {m for m in graph.find_modules_directly_imported_by(module)
                  if m not in allowed and not m.startswith(package + ".")}
        if beyond:
            found[module] = beyond
    return found


def test_the_command_line_uses_only_the_api():
    assert _below_the_api(grimp.build_graph("assembler", exclude_type_checking_imports=True), "assembler.cli", CLI_BOUNDARY) == {}


def test_the_web_app_uses_only_the_api_but_for_its_listed_debts():
    found = _below_the_api(grimp.build_graph("assembler", exclude_type_checking_imports=True), "assembler.web", CLI_BOUNDARY - {"assembler.web.server"})
    over = {m: sorted(i - WEB_DEBTS.get(m, set())) for m, i in found.items() if i - WEB_DEBTS.get(m, set())}
    assert over == {}
