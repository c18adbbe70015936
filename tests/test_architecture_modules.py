"""The developer guide's architecture page names every module of the package, so that a reader finds each
one's place (docs/developer/architecture.md, the table of folders and modules)."""
from __future__ import annotations

import re

from helpers import REPO

PAGE = REPO / "docs" / "developer" / "architecture.md"


def test_every_module_is_in_the_architecture_page():
    page = PAGE.read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_]+)`", page)) | set(re.findall(r"`([a-z_]+)/`", page))
    modules = {p.stem for p in (REPO / "assembler").rglob("*.py") if not p.stem.startswith("__")}
    assert sorted(modules - named) == []


def test_no_module_exceeds_450_lines():
    # issue 21's bound: a merge of two branches took api.py to 462 lines without anyone seeing it
    long = {str(p.relative_to(REPO)): n for p in (REPO / "assembler").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450}
    assert long == {}
