"""README "Development" names every module of the package, so that a reader finds each one's place."""
from __future__ import annotations

import re

from helpers import REPO


def test_every_module_is_in_the_development_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    development = readme[readme.index("## Development"):]
    named = set(re.findall(r"`([a-z_]+)`", development)) | set(re.findall(r"`([a-z_]+)/`", development))
    modules = {p.stem for p in (REPO / "assembler").rglob("*.py") if not p.stem.startswith("__")}
    assert sorted(modules - named) == []
