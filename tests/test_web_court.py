"""The web app's Court papers page (issue 26 point 3, "the web app covers the whole job"): after the office
agreed, the web walk found the court papers left to "the attorney ... with the command line", the Build page
still pushing "Build again" and "Send", and the case page saying "The case is ready: build the filing"."""
from __future__ import annotations

import html
import json
import re
import time
from datetime import date
from pathlib import Path

import pytest

from assembler import api
from assembler.documents import court as papers
from assembler.web import plain
from helpers import make_pdf, minimal, write_case
from test_web_http import client, csrf

HEARING = {"date": "2027-03-09", "type": "master"}
CLOSE = "TENZIN_A087654321_joint-motion-to-administratively-close.pdf"


def _granted(root: Path, name: str = "c") -> Path:
    folder = write_case(root / name, minimal(**{"proceedings.next_hearing": HEARING}))
    api.log_sent(folder, date(2026, 11, 2), "portal")
    api.log_response(folder, "granted", date(2026, 11, 20))
    return folder


def _made(folder: Path, *names: str) -> None:
    """out/ as `pdpacket court` leaves it: the files and the manifest naming them."""
    out = folder / "out"
    out.mkdir(exist_ok=True)
    for name in names:
        make_pdf(out / name, pages=3, text="JOINT MOTION")
    manifest = {"files": [{"filing": {"file": n, "pages": 3}} for n in names], "outputs": list(names)}
    (out / "court-manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_the_court_papers_page_after_a_grant_says_what_goes_in_and_offers_the_button(tmp_path):
    _granted(tmp_path)
    c = client(tmp_path)
    page = c.get("/case/c/court")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Joint Motion to Administratively Close Proceedings" in text
    assert 'href="/case/c#section-court"' in text and 'href="/case/c#list-court-forms"' in text
    assert re.search(r'id="court-button"[^>]*>\s*Prepare the court papers</button>', text)
    assert "granted on 2026-11-20" in text and "before the hearing on 2027-03-09" in text
    assert 'id="court-tab"' in c.get("/case/c/build").text  # a tab of the case once granted
    # a motion to dismiss names its ground in the regulation's words, from the one table
    dismiss = write_case(tmp_path / "d", minimal(**{"request.relief": ["dismissal"], "court": {
        "dismissal_ground": "a6", "facts": "DHS agreed on 2026-11-20."}}))
    text = html.unescape(c.get(f"/case/{dismiss.name}/court").text)
    assert "Joint Motion to Dismiss Proceedings" in text and "DHS agreed on 2026-11-20." in text
    assert "the notice to appear was improvidently issued (8\u00a0C.F.R.\u00a0\u00a7\u00a0239.2(a)(6))" in text
    # the list the form's "+ Add form" fills is where the page's link lands
    assert 'id="list-court-forms"' in c.get("/case/c").text


def test_before_a_grant_the_page_says_when_it_is_used_and_the_tab_is_not_shown(tmp_path):
    write_case(tmp_path / "c", minimal())
    c = client(tmp_path)
    text = html.unescape(c.get("/case/c/court").text)
    assert "for when the office has agreed to the request" in text and 'href="/case/c/record"' in text
    assert 'id="court-tab"' not in c.get("/case/c/build").text


def test_the_due_note_after_a_grant_links_to_the_court_papers_page_in_words(tmp_path):
    folder = _granted(tmp_path)
    c = client(tmp_path)
    for path in ("/", "/case/c/build"):
        page = c.get(path).text
        assert ('the office agreed: <a href="/case/c/court" class="court-link">prepare the court papers</a> for the '
                'hearing on 2027-03-09') in page, path
        assert "with the command line" not in page and "pdpacket court" not in page and "`" not in page
    _made(folder, CLOSE)
    page = c.get("/").text
    assert re.search(r'<a href="/case/c/court" class="court-link">the court papers were prepared on 20\d\d-\d\d-\d\d'
                     r'</a>', page), page
    assert "(in /" not in page


def test_after_a_grant_the_build_page_points_to_the_court_papers_not_to_build_or_send(tmp_path):
    _granted(tmp_path)
    page = client(tmp_path).get("/case/c/build").text
    note = page[page.index('id="answered-note"'):]
    note = note[:note.index("</div>")]
    assert "sent and answered" in note and "granted</strong> on 2026-11-20" in note
    assert 'href="/case/c/court"' in note
    build = re.search(r'<button[^>]*id="build-button"', page)[0]
    assert "primary" not in build and 'id="send-button"' in page  # kept, not pushed


def test_saving_the_case_after_a_grant_points_to_the_court_papers(tmp_path):
    _granted(tmp_path)
    c = client(tmp_path)
    text = c.get("/case/c?saved=yes").text
    assert "build the filing" not in text and 'id="saved-court-link"' in text
    write_case(tmp_path / "d", minimal())
    assert "The case is ready" in c.get("/case/d?saved=yes").text  # before a grant: as it was


def test_the_download_serves_the_papers_and_nothing_else(tmp_path):
    folder = _granted(tmp_path)
    _made(folder, CLOSE)
    make_pdf(folder / "out" / "other.pdf")  # in out/, named by no court manifest
    make_pdf(folder / "secret.pdf")
    c = client(tmp_path)
    page = c.get("/case/c/court").text
    assert f'href="/case/c/court/file/{CLOSE}"' in page and str(tmp_path) not in page
    assert re.search(r"<td>3</td>", page)  # its pages
    got = c.get(f"/case/c/court/file/{CLOSE}")
    assert got.status_code == 200 and got.content == (folder / "out" / CLOSE).read_bytes()
    assert got.headers["content-type"] == "application/pdf"
    for name in ("other.pdf", "manifest.json", "court-manifest.json", "..%2Fsecret.pdf", "%2E%2E%2Fsecret.pdf"):
        assert c.get(f"/case/c/court/file/{name}").status_code == 404, name
    # a manifest edited to name a file outside out/ does not reach it
    (folder / "out" / "court-manifest.json").write_text(json.dumps({"files": [{"filing": {"file": "../secret.pdf"}}]}))
    assert c.get("/case/c/court/file/..%2Fsecret.pdf").status_code == 404
    assert c.get("/case/c/court/file/secret.pdf").status_code == 404


def test_the_eoir28_advice_says_to_add_it_in_the_court_sections_forms_with_a_link():
    data = minimal()
    [(path, message)] = [w for w in papers.warnings(data, [], "case.yaml") if w[0] == "court.forms"]
    shown = str(plain.linked(message, "c", "court"))
    assert '<a href="/case/c#list-court-forms">the Forms of the Court section</a>' in shown
    assert "\u201c+ Add form\u201d" in shown and "prepare the court papers</a> again" in shown
    assert "case.yaml" not in shown and "kind:" not in shown and "run this command" not in shown
    assert plain.where(path) == "Court › Forms"


@pytest.mark.libreoffice
def test_pressing_prepare_makes_the_papers_lists_them_and_serves_the_pdf(tmp_path):
    _granted(tmp_path)
    c = client(tmp_path)
    started = c.post("/case/c/court", data={"csrf": csrf()}, headers={"accept": "application/json"})
    assert started.status_code == 202
    deadline = time.monotonic() + 300  # a hang, not a slow machine
    while (job := c.get("/case/c/court.json").json()["job"])["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert job["state"] == "done", job
    assert job["files"] == [CLOSE]
    page = c.get("/case/c/court").text
    assert f'href="/case/c/court/file/{CLOSE}"' in page and "Prepare the court papers again" in page
    assert "EOIR-28" in page and 'href="/case/c#list-court-forms"' in page  # the warning, in the web's words
    assert "`" not in page and "case.yaml" not in page
    got = c.get(f"/case/c/court/file/{CLOSE}")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
