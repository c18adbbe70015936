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
def shipped_offices() -> dict:
    return safe_load((PACKAGE_DIR / "data" / "offices.yaml").read_text(encoding="utf-8"))


@cache
def shipped_courts() -> dict:
    return safe_load((PACKAGE_DIR / "data" / "courts.yaml").read_text(encoding="utf-8"))


@cache
def shipped_consent_risks() -> dict:
    """The risks a client's consent covers by default (data/consent_risks.yaml): key -> what it means."""
    return safe_load((PACKAGE_DIR / "data" / "consent_risks.yaml").read_text(encoding="utf-8"))


@cache
def confidentiality_legends() -> dict:
    """The confidentiality legends' wording (data/confidentiality.yaml): asylum, minor."""
    return safe_load((PACKAGE_DIR / "data" / "confidentiality.yaml").read_text(encoding="utf-8"))


@cache
def field_labels() -> dict:
    """Plain words for template variables (data/labels.yaml): labels, sources, internal."""
    return safe_load((PACKAGE_DIR / "data" / "labels.yaml").read_text(encoding="utf-8"))


@cache
def shipped_law() -> dict:
    """The legal rules as data (data/law.yaml): citations, stage rules, bond, court papers, policy."""
    return safe_load((PACKAGE_DIR / "data" / "law.yaml").read_text(encoding="utf-8"))
