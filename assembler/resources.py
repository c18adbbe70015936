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


def safe_load(text: str):
    """yaml.safe_load, with PyYAML's C parser when it has one (the case schema: 35 ms -> 4 ms,
    paid by every command); the same objects, as a test checks on the shipped files."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader


@cache
def load_schema(name: str) -> dict:
    return safe_load((schemas_dir() / f"{name}.yaml").read_text(encoding="utf-8"))


@cache
def data(name: str) -> dict:
    """A data file shipped in assembler/data/, read once: offices, courts, law (the legal rules:
    citations, stage rules, bond, court papers, policy), labels (plain words for template variables),
    consent_risks (what a client's consent covers by default), confidentiality (the legends' wording)."""
    return safe_load((PACKAGE_DIR / "data" / f"{name}.yaml").read_text(encoding="utf-8"))
