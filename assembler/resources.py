"""Where the shipped templates, schemas and office data are.

In a wheel, templates/ and schemas/ travel inside the package
(assembler/templates, assembler/schemas); in a source checkout or an editable
install they are the top-level folders of the repository.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name


def templates_dir() -> Path:
    return _shipped("templates")


def schemas_dir() -> Path:
    return _shipped("schemas")


@cache
def load_schema(name: str) -> dict:
    return yaml.safe_load((schemas_dir() / f"{name}.yaml").read_text(encoding="utf-8"))


@cache
def shipped_offices() -> dict:
    return yaml.safe_load((PACKAGE_DIR / "data" / "offices.yaml").read_text(encoding="utf-8"))


@cache
def shipped_courts() -> dict:
    return yaml.safe_load((PACKAGE_DIR / "data" / "courts.yaml").read_text(encoding="utf-8"))
