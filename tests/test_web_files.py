"""The case's exhibit files from the browser (issue 26 point 3): an upload left without Save is no
longer stuck; a file is renamed with the case file following it; nothing the case names is deleted."""
from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml

from helpers import cases_folder, make_pdf, minimal
from test_web_http import client, csrf, leftovers, upload


@pytest.fixture
def cases(tmp_path) -> Path:
    return cases_folder(tmp_path, tenzin=minimal(), okoro=minimal(**{"respondent.family_names": "Okoro"}))

@pytest.fixture
def named(cases) -> Path:
    """The tenzin case naming exhibits/lease.pdf, with a comment and a value quoted by hand."""
    folder = cases / "tenzin"
    data = minimal()
    data["exhibits"] = [{"id": "lease", "title": "Lease & rent receipts", "file": "exhibits/lease.pdf"}]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    text = "# Tenzin's case: keep this comment\n" + text.replace("title: Lease & rent receipts",
                                                                    'title: "Lease & rent receipts"   # by hand')
    assert 'title: "Lease & rent receipts"   # by hand' in text
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    make_pdf(folder / "exhibits" / "lease.pdf")
    return folder


def test_an_upload_left_without_save_can_be_deleted_and_uploaded_again(cases, tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf").read_bytes()
    c = client(cases)
    assert upload(c, "birth.pdf", pdf).json()["results"][0]["ok"]
    [again] = upload(c, "birth.pdf", pdf).json()["results"]
    assert not again["ok"] and "Rename or delete exhibit files" in again["message"]

    listing = c.get("/case/tenzin/files")
    assert listing.status_code == 200
    assert "exhibits/birth.pdf" in listing.text and "not named by the case yet" in listing.text
    confirm = c.get("/case/tenzin/files/delete", params={"file": "exhibits/birth.pdf"})
    assert confirm.status_code == 200 and "Delete the file" in confirm.text
    assert (cases / "tenzin" / "exhibits" / "birth.pdf").exists()  # the confirmation page deletes nothing

    assert c.post("/case/tenzin/files/delete", data={"file": "exhibits/birth.pdf"}).status_code == 403  # no CSRF
    done = c.post("/case/tenzin/files/delete", data={"file": "exhibits/birth.pdf", "csrf": csrf()})
    assert done.status_code == 303
    assert not (cases / "tenzin" / "exhibits" / "birth.pdf").exists()
    assert "exhibits/birth.pdf deleted" in c.get(done.headers["location"]).text
    assert upload(c, "birth.pdf", pdf).json()["results"][0]["ok"]
    assert leftovers(cases / "tenzin" / "exhibits") == []


def test_a_file_the_case_names_is_never_deleted(named):
    c = client(named.parent)
    before = (named / "case.yaml").read_bytes()
    r = c.post("/case/tenzin/files/delete", data={"file": "exhibits/lease.pdf", "csrf": csrf()})
    assert r.status_code == 409
    assert "is named by exhibit 'Lease & rent receipts'" in html.unescape(r.text)
    assert "Delete the file" not in r.text  # the refused confirmation offers no button
    assert (named / "exhibits" / "lease.pdf").exists()
    assert (named / "case.yaml").read_bytes() == before
    assert "Delete…" not in c.get("/case/tenzin/files").text  # no delete offered for it


def test_renaming_a_named_file_renames_it_in_the_case_file_and_keeps_the_rest_as_typed(named):
    c = client(named.parent)
    content = (named / "exhibits" / "lease.pdf").read_bytes()
    before = (named / "case.yaml").read_text(encoding="utf-8")
    confirm = c.get("/case/tenzin/files/rename", params={"file": "exhibits/lease.pdf"})
    assert "the case file will name the new name" in confirm.text
    r = c.post("/case/tenzin/files/rename", data={"file": "exhibits/lease.pdf", "new_name": "Contrato de alquiler.PDF",
                                                  "csrf": csrf()})
    assert r.status_code == 303
    assert not (named / "exhibits" / "lease.pdf").exists()
    assert (named / "exhibits" / "Contrato-de-alquiler.pdf").read_bytes() == content
    after = (named / "case.yaml").read_text(encoding="utf-8")
    assert after == before.replace("file: exhibits/lease.pdf", "file: exhibits/Contrato-de-alquiler.pdf")
    assert after != before


def test_a_rename_onto_a_taken_name_or_to_another_kind_of_file_changes_nothing_it_should_not(named, tmp_path):
    make_pdf(named / "exhibits" / "taken.pdf", text="Other")
    c = client(named.parent)
    before = (named / "case.yaml").read_bytes()
    r = c.post("/case/tenzin/files/rename", data={"file": "exhibits/lease.pdf", "new_name": "taken.pdf", "csrf": csrf()})
    assert r.status_code == 409 and "the file taken.pdf is already among the case's files" in html.unescape(r.text)
    assert (named / "case.yaml").read_bytes() == before
    assert (named / "exhibits" / "lease.pdf").exists()
    # a new ending never changes what kind of file it is: validate checks the content against the name
    r = c.post("/case/tenzin/files/rename", data={"file": "exhibits/lease.pdf", "new_name": "contract.jpg", "csrf": csrf()})
    assert r.status_code == 303
    assert sorted(p.name for p in (named / "exhibits").iterdir()) == ["contract.pdf", "taken.pdf"]
    assert "file: exhibits/contract.pdf" in (named / "case.yaml").read_text(encoding="utf-8")


def test_only_the_case_s_exhibit_files_can_be_touched(named):
    c = client(named.parent)
    for file in ("case.yaml", "../okoro/case.yaml", "exhibits/../case.yaml", "exhibits/missing.pdf"):
        r = c.post("/case/tenzin/files/delete", data={"file": file, "csrf": csrf()})
        assert r.status_code == 409, file
        assert "is not an exhibit file of this case" in r.text
    assert (named / "case.yaml").exists() and (named.parent / "okoro" / "case.yaml").exists()
    assert c.get("/case/tenzin/files/chmod", params={"file": "exhibits/lease.pdf"}).status_code == 404
    assert c.post("/case/tenzin/files/chmod", data={"file": "exhibits/lease.pdf", "csrf": csrf()}).status_code == 404


def test_a_file_the_court_papers_forms_name_is_never_deleted(cases):
    # issue 26: the court papers' own forms (court.forms) name files too
    folder = cases / "tenzin"
    data = minimal(**{"court.forms": [{"kind": "eoir28", "file": "exhibits/eoir28.pdf"}]})
    (folder / "case.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    make_pdf(folder / "exhibits" / "eoir28.pdf")
    r = client(cases).post("/case/tenzin/files/delete", data={"file": "exhibits/eoir28.pdf", "csrf": csrf()})
    assert r.status_code == 409
    assert "is named by the Form EOIR-28 of the court papers" in html.unescape(r.text)  # never its key 'eoir28'
    assert (folder / "exhibits" / "eoir28.pdf").exists()
