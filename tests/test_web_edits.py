"""Hand edits from the web app (issue 26 point 3): start an edited copy, download it, upload it back,
see it go out of date with what changed, refresh it; no hand edit is ever lost. No LibreOffice: a copy
to edit is rendered by docxtpl alone."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
import yaml
from docx import Document

from helpers import cases_folder, minimal
from test_web_http import client, csrf


@pytest.fixture
def cases(tmp_path) -> Path:
    return cases_folder(tmp_path, tenzin=minimal())


def letter_of(page: str) -> str:
    [name] = re.findall(r"<td>(\d+-request-letter\.docx)</td>", page)
    return name


def post(c, action, document, **extra):
    return c.post(f"/case/tenzin/edits/{action}", data={"csrf": csrf(), "document": document}, **extra)


def edited(data: bytes, line: str) -> bytes:
    doc = Document(io.BytesIO(data))
    doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_hand_edit_goes_round_from_the_browser_and_nothing_is_lost(cases):
    c = client(cases)
    folder = cases / "tenzin"
    page = c.get("/case/tenzin/edits")
    assert page.status_code == 200
    letter = letter_of(page.text)
    assert "none: made from the case" in page.text

    assert post(c, "start", letter).status_code == 303
    copy = folder / "edits" / letter
    assert copy.is_file()
    downloaded = c.get(f"/case/tenzin/file/edits/{letter}")
    assert downloaded.status_code == 200 and downloaded.content == copy.read_bytes()

    mine = edited(downloaded.content, "A sentence the attorney added by hand.")
    r = post(c, "upload", letter, files={"file": ("my letter.docx", mine)})
    assert r.status_code == 303
    assert copy.read_bytes() == mine
    [kept] = [p for p in (folder / "edits").iterdir() if ".old-" in p.name]
    assert kept.read_bytes() == downloaded.content  # the copy it replaced is kept
    assert "current" in c.get("/case/tenzin/edits").text

    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    data["respondent"]["given_names"] = "Pema"
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    stale = html.unescape(c.get("/case/tenzin/edits").text)
    assert "out of date" in stale and "Pema" in stale

    refreshed = post(c, "refresh", letter)
    assert refreshed.status_code == 200
    shown = html.unescape(refreshed.text)
    assert "A sentence the attorney added by hand." in shown and "Where your copy and the fresh one differ" in shown
    assert "A sentence the attorney added by hand." not in "\n".join(p.text for p in Document(copy).paragraphs)
    olds = sorted(p for p in (folder / "edits").iterdir() if ".old-" in p.name)
    assert len(olds) == 2 and any(p.read_bytes() == mine for p in olds)

    assert post(c, "stop", letter).status_code == 303
    assert not copy.exists()
    assert len([p for p in (folder / "edits").iterdir() if ".old-" in p.name]) == 3
    assert "none: made from the case" in c.get("/case/tenzin/edits").text
    assert not [p for p in folder.iterdir() if p.name.startswith(".upload-")]


def test_what_is_not_a_word_document_or_not_a_document_of_the_case_is_refused(cases):
    c = client(cases)
    letter = letter_of(c.get("/case/tenzin/edits").text)
    post(c, "start", letter)
    before = (cases / "tenzin" / "edits" / letter).read_bytes()
    r = post(c, "upload", letter, files={"file": ("letter.docx", b"%PDF-1.4 not word")})
    assert r.status_code == 400 and "is not a Word document (.docx)" in r.text
    r = post(c, "upload", "../case.yaml", files={"file": ("letter.docx", before)})
    assert r.status_code == 400 and "is not a document of this case" in html.unescape(r.text)
    assert (cases / "tenzin" / "edits" / letter).read_bytes() == before
    assert sorted(p.name for p in (cases / "tenzin" / "edits").iterdir()) == [letter]
    assert c.post("/case/tenzin/edits/start", data={"document": letter}).status_code == 403
    assert post(c, "erase", letter).status_code == 404
