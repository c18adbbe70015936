"""The private parts of pypdf, python-docx and Cerberus that pdpacket relies on (assembler/private.py).

Each test fails loudly when a library upgrade changes one of them."""
from __future__ import annotations

import io
import zipfile

import cerberus
import docx
from cerberus import errors as cerr
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, IndirectObject, NameObject

from assembler import private


def test_add_object_registers_an_object_the_written_file_holds():
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 9 Tf 72 72 Td (added) Tj ET")
    ref = private.add_object(writer, stream)
    assert isinstance(ref, IndirectObject)
    assert ref.get_object() is stream
    page[NameObject("/Contents")] = ref
    buffer = io.BytesIO()
    writer.write(buffer)
    read = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
    assert read["/Contents"].get_object().get_data() == stream.get_data()


def test_write_docx_package_gives_every_member_of_a_document_python_docx_can_open():
    document = docx.Document()
    document.add_paragraph("Written member by member")

    class Sink:
        def __init__(self):
            self.items = []

        def write(self, pack_uri, blob):
            self.items.append((pack_uri.membername, blob))

    sink = Sink()
    private.write_docx_package(sink, document.part.package)
    names = [name for name, _ in sink.items]
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert "word/document.xml" in names
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, blob in sink.items:
            z.writestr(name, blob)
    reopened = docx.Document(io.BytesIO(buffer.getvalue()))
    assert [p.text for p in reopened.paragraphs] == ["Written member by member"]


def test_cerberus_errors_is_a_tree_with_paths_and_codes():
    validator = cerberus.Validator({"respondent": {"type": "dict", "schema": {"a_number": {"required": True}}}})
    assert not validator.validate({"respondent": {}})
    tree = private.cerberus_errors(validator)
    assert [e.document_path for e in tree] == [("respondent",)]
    leaf = tree[0].child_errors[0]
    assert leaf.document_path == ("respondent", "a_number")
    assert leaf.code == cerr.REQUIRED_FIELD.code


def test_cerberus_trust_schema_spares_a_validator_the_check_of_its_schema(monkeypatch):
    import cerberus.schema

    schema = {"respondent": {"type": "dict", "schema": {"a_number": {"required": True, "type": "string"}}},
              "notes": {"type": "list", "schema": {"type": "string"}}}
    checked: list = []
    real = cerberus.schema.DefinitionSchema._validate
    monkeypatch.setattr(cerberus.schema.DefinitionSchema, "_validate", lambda self, s: (checked.append(1), real(self, s)))
    cerberus.Validator.clear_caches()
    private.cerberus_trust_schema(cerberus.Validator, schema)
    validator = cerberus.Validator(schema)
    assert not validator.validate({"respondent": {}, "notes": ["a", 2]})
    assert checked == [], "neither the schema nor, while normalizing, a field's rules were checked"
    assert validator.errors == {"notes": [{1: ["must be of string type"]}],
                                "respondent": [{"a_number": ["required field"]}]}


def test_header_footer_element_is_the_root_of_the_header_part():
    document = docx.Document()
    header = document.sections[0].header
    header.is_linked_to_previous = False
    header.paragraphs[0].text = "{{ respondent.full_name }}"
    element = private.header_footer_element(header)
    assert element.tag.endswith("}hdr")
    assert "{{ respondent.full_name }}" in "".join(element.itertext())


def test_cerberus_plain_schema_keeps_every_check_and_hashes_no_schema_while_validating(monkeypatch):
    import cerberus.schema

    schema = {"respondent": {"type": "dict", "schema": {"a_number": {"required": True, "type": "string"}}},
              "notes": {"type": "list", "schema": {"type": "string"}},
              "count": {"type": "integer", "coerce": int}}
    document = {"respondent": {}, "notes": ["a", 2], "count": "7", "extra": 1}
    reference = cerberus.Validator(schema)
    assert not reference.validate(document)
    validator = cerberus.Validator(schema)
    private.cerberus_plain_schema(validator)
    hashed: list = []
    real = cerberus.schema.mapping_hash
    monkeypatch.setattr(cerberus.schema, "mapping_hash", lambda m: (hashed.append(1), real(m))[1])
    assert not validator.validate(document)
    assert hashed == [], "the schema was hashed again while validating a document"
    assert validator.errors == reference.errors
    assert validator.document == reference.document
    assert validator.validate({"respondent": {"a_number": "A1"}, "notes": [], "count": "3"})
    assert validator.document["count"] == 3
