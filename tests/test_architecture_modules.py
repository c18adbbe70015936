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
