"""The Forms section's "Upload a file here" in a real browser (issue 26, the web walk): the client's G-28 signed on
paper and scanned as a JPEG is taken as the form's file; a Word file is refused there and leaves nothing."""
from __future__ import annotations

import pytest
import yaml
from PIL import Image

from helpers import make_docx, minimal, write_case
from test_web_browser import browser, page, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


def test_a_scanned_g28_uploaded_in_the_forms_section_is_the_forms_file_not_an_exhibit(page, server, tmp_path):  # noqa: F811
    folder = server.root / "scanned-g28"
    data = minimal()
    data["forms"] = [{"kind": "g28"}]  # "+ Add form", its file still to choose
    write_case(folder, data)
    page.goto(f"{server.url}/case/scanned-g28")
    upload = '[data-path="forms[0].file"] input[data-upload-here]'

    word = make_docx(tmp_path / "g28.docx", "Form G-28")
    page.set_input_files(upload, str(word))
    note = page.wait_for_selector('[data-path="forms[0].file"] .upload-note:has-text("is not a kind of file a form")')
    assert "a scan or photo of the signed form" in note.text_content()
    assert not (folder / "exhibits").is_dir() or list((folder / "exhibits").iterdir()) == []

    scan = tmp_path / "g28-signed-scan.jpg"
    Image.new("RGB", (850, 1100), (250, 250, 240)).save(scan, quality=80)
    page.set_input_files(upload, str(scan))
    page.wait_for_selector('[data-path="forms[0].file"] .upload-note:has-text("uploaded")')
    assert page.input_value('[name="forms[0].file"]') == "exhibits/g28-signed-scan.jpg"
    assert page.query_selector('[name="exhibits[0].file"]') is None  # no exhibit entry made for it
    page.click("#save")
    page.wait_for_selector("text=Saved.")
    saved = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    assert saved["forms"] == [{"kind": "g28", "file": "exhibits/g28-signed-scan.jpg"}]
    assert not saved.get("exhibits")
    page.goto(f"{server.url}/case/scanned-g28")
    assert page.query_selector("button[data-add-exhibit]") is None
    assert "not a supported kind" not in page.content()
