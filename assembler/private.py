"""Every call into a library's private parts, in one place.

pypdf, python-docx and Cerberus have no public way to do these few things;
each is wrapped here, and tests/test_private.py fails loudly when an upgrade
of the library changes one, instead of a filing coming out wrong.
"""
from __future__ import annotations

import copy
from typing import Any

from docx.opc.pkgwriter import PackageWriter
from pypdf import PdfWriter
from pypdf.generic import IndirectObject, PdfObject


def canvas_document(c: Any) -> Any:
    """The PDFDocument behind a reportlab canvas: TTFont.splitString encodes a text in the subsets
    of that document (fonts.py), and only the canvas knows it."""
    return c._doc


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Register a new object (a content stream, a font) with the writer; return its reference.

    pypdf's public API adds objects only as parts of pages or annotations."""
    return writer._add_object(obj)


def write_docx_package(sink: Any, package: Any) -> None:
    """Write a python-docx package's members to `sink.write(pack_uri, blob)`, in python-docx's order.

    python-docx only saves to a zip with the current time on every entry; this lets
    render.py write the members itself, with fixed times (byte-identical output)."""
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    PackageWriter._write_content_types_stream(sink, parts)
    PackageWriter._write_pkg_rels(sink, package.rels)
    PackageWriter._write_parts(sink, parts)


def cerberus_errors(validator: Any) -> list:
    """Cerberus's own error tree (with `document_path`, `code`, `child_errors`),
    richer than the `errors` dict it exposes, which loses the codes."""
    return validator._errors


def cerberus_trust_schema(validator_class: Any, schema: dict) -> None:
    """Tell Cerberus that `schema` was checked already, so that a validator of it is built without checking
    the schema itself again (0.1-0.2 s for the case schema): Cerberus keeps the schemas it checked in a set
    of this process (`_valid_schemas`) under the hash of the schema as expanded and of the validator's types;
    the same set spares a second validator of one process that check. Only for a schema known to pass."""
    from cerberus.schema import DefinitionSchema
    from cerberus.utils import mapping_hash

    expanded = DefinitionSchema.expand(copy.deepcopy(schema))
    types = mapping_hash(validator_class.types_mapping)
    validator_class._valid_schemas.add((mapping_hash(expanded), types))
    # Normalizing a document sets each top-level field's rules again (`schema[field] = ...`), which checks
    # `{field: rules}` unless its hash is in the set too (the check of the whole schema leaves it there).
    for field, rules in expanded.items():
        validator_class._valid_schemas.add((mapping_hash({field: rules}), types))


def cerberus_plain_schema(validator: Any) -> None:
    """Hold the validator's (checked, expanded) schema as a plain dict, as Cerberus's child validators hold
    theirs: a root validator keeps it as a `DefinitionSchema`, which every `validate` copies (expanding and
    hashing the whole schema again) and then re-checks field by field (`schema[field] = rules`), half of
    the time of validating a case. Only for a validator whose schema passed its check (it was built)."""
    validator._schema = validator.schema.schema


def header_footer_element(part: Any) -> Any:
    """The XML element of a python-docx header or footer (None when the section has none of its own)."""
    return part._element
