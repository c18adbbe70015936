"""`pdpacket serve` in process (Starlette's TestClient): the security rules, saving, uploads, the JSON twins."""
from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import anyio
import pytest
import yaml
from starlette.testclient import TestClient

from assembler import resources
from assembler.web import jobs, uploads
from assembler.web.app import Config, create_app
from assembler.web.security import csrf_token
from helpers import SAMPLES, cases_folder, form_of, load_yaml, make_pdf, minimal, write_case

TOKEN = "test-token-123"
BASE = "http://127.0.0.1:8765"  # where Config says the app listens: its Host is the only one answered


@pytest.fixture
def cases(tmp_path) -> Path:
    detained = minimal(**{"respondent.detained": "true", "respondent.detention_facility": "Broadview", "respondent.detained_since": "2026-10-08",
                          "respondent.family_names": "Okoro", "respondent.a_number": "A123456789"})
    return cases_folder(tmp_path, tenzin=minimal(), okoro=detained,
                        broken=minimal(**{"respondent.date_of_birth": "2090-01-01", "respondent.family_names": "Ruiz"}))


def client(root: Path, login: bool = True) -> TestClient:
    c = TestClient(create_app(Config(root, TOKEN)), base_url=BASE, follow_redirects=False)
    if login:
        c.get(f"/?token={TOKEN}")
    return c


def csrf() -> str:
    return csrf_token(TOKEN)


# --- the token --------------------------------------------------------------------------------

def test_a_request_without_the_token_is_refused(cases):
    c = client(cases, login=False)
    for url in ("/", "/cases.json", "/case/tenzin", "/static/app.js", "/case/tenzin/file/case.yaml"):
        r = c.get(url)
        assert r.status_code == 403, url
        assert "open the address that `pdpacket serve` printed" in r.text
    assert c.get("/?token=wrong").status_code == 403
    assert "tenzin" not in c.get("/?token=wrong").text


def test_the_token_in_the_address_becomes_a_cookie_and_leaves_the_address(cases):
    c = client(cases, login=False)
    r = c.get(f"/case/tenzin?token={TOKEN}&x=1")
    assert r.status_code == 303
    assert r.headers["location"] == "/case/tenzin?x=1"
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    assert c.get("/case/tenzin").status_code == 200


def test_pages_forbid_framing_by_other_sites(cases):
    r = client(cases).get("/")
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"


# --- the Host header (DNS rebinding) ------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1:8766", "127.0.0.1", "localhost.:8765",
                                  "127.0.0.1:8765@evil.example", ""])
def test_a_request_naming_another_host_gets_400_before_anything_else(cases, host):
    c = client(cases)  # logged in: the cookie is valid
    headers = {"host": host}
    for url in ("/", "/cases.json", "/case/tenzin", f"/?token={TOKEN}"):
        r = c.get(url, headers=headers)
        assert r.status_code == 400, (url, r.status_code)
        assert "answers only to 127.0.0.1:8765, localhost:8765" in r.text
        assert "set-cookie" not in r.headers
    r = c.post("/new", data={"name": "rebound", "csrf": csrf()},
               headers={**headers, "origin": f"http://{host}", "x-csrf-token": csrf()})
    assert r.status_code == 400
    assert not (cases / "rebound").exists()


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765"])
def test_the_address_listened_on_and_localhost_are_answered(cases, host):
    c = client(cases)
    assert c.get("/cases.json", headers={"host": host}).status_code == 200
    r = c.post("/new", data={"name": "via-" + host.split(":")[0].lower(), "csrf": csrf()},
               headers={"host": host, "origin": f"http://{host}"})
    assert r.status_code == 303


def test_allow_host_adds_names_and_an_ipv6_loopback_answers_to_its_own(cases):
    app = create_app(Config(cases, TOKEN, host="::1", port=9000, allow_hosts=("pd.firm.example", "10.0.0.5:80")))
    c = TestClient(app, base_url="http://[::1]:9000", follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    for host, status in (("[::1]:9000", 200), ("localhost:9000", 200), ("pd.firm.example:9000", 200),
                         ("10.0.0.5", 200), ("pd.firm.example", 400), ("127.0.0.1:9000", 400)):
        assert c.get("/cases.json", headers={"host": host}).status_code == status, host


def test_the_serve_command_refuses_an_allow_host_that_is_not_a_host(run, cases):
    result = run("serve", cases, "--allow-host", "evil.example/path")
    assert result.code == 2
    assert "'evil.example/path' is not a host name or address" in result.err


# --- CSRF -----------------------------------------------------------------------------------------

def test_every_post_needs_the_csrf_token_and_this_origin(cases):
    c = client(cases)
    assert c.post("/new", data={"name": "new-one"}).status_code == 403
    assert c.post("/new", data={"name": "new-one", "csrf": "forged"}).status_code == 403
    assert c.post("/case/tenzin/build", data={}).status_code == 403
    assert c.post("/case/tenzin/check.json", data={}).status_code == 403
    r = c.post("/new", data={"name": "new-one", "csrf": csrf()}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    assert not (cases / "new-one").exists()
    r = c.post("/new", data={"name": "new-one", "csrf": csrf()}, headers={"origin": BASE})
    assert r.status_code == 303 and (cases / "new-one" / "case.yaml").is_file()


# --- paths from the browser ------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/case/..", "/case/%2e%2e", "/case/.%2e/file/etc/passwd", "/case/tenzin%2F..%2F..", "/case/.hidden",
    "/case/tenzin/file/../pdpacket.yaml", "/case/tenzin/file/%2e%2e/pdpacket.yaml",
    "/case/tenzin/file/..%2Fpdpacket.yaml", "/case/tenzin/file/%252e%252e%252fpdpacket.yaml",
    "/case/tenzin/file//etc/passwd", "/case/tenzin/file/%2Fetc%2Fpasswd", "/case/tenzin/file/exhibits%5C..%5C..%5Cx",
    "/case/tenzin/thumb/%2e%2e/%2e%2e/secret.pdf",
])
def test_no_path_reaches_outside_the_cases_folder(cases, url):
    (cases.parent / "secret.pdf").write_bytes(b"%PDF-1.4 secret")
    status, body = raw_get(create_app(Config(cases, TOKEN)), url)
    assert status == 404, url
    assert b"secret" not in body and b"Okafor" not in body and b"root:" not in body


def raw_get(app, target: str) -> tuple[int, bytes]:
    """A GET with the path exactly as given, decoded the way uvicorn decodes it (HTTP clients would
    resolve the dot segments first; a hostile one need not)."""
    path, _, query = target.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote(path), "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8765"), (b"cookie", f"{app.cookie}={TOKEN}".encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8765)}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)
    anyio.run(app, scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_symlinks_leading_out_are_not_followed(cases, tmp_path):
    outside = tmp_path / "outside"
    write_case(outside, minimal(**{"respondent.family_names": "Elsewhere"}))
    make_pdf(outside / "private.pdf", text="Private")
    (cases / "linked").symlink_to(outside)
    (cases / "tenzin" / "exhibits").mkdir()
    (cases / "tenzin" / "exhibits" / "link.pdf").symlink_to(outside / "private.pdf")
    c = client(cases)
    assert "linked" not in [row["name"] for row in c.get("/cases.json").json()["cases"]]
    assert c.get("/case/linked").status_code == 404
    assert c.get("/case/tenzin/file/exhibits/link.pdf").status_code == 404
    assert c.get("/case/tenzin/thumb/exhibits/link.pdf").status_code == 404


def test_case_files_are_served_from_inside_the_case(cases):
    make_pdf(cases / "tenzin" / "exhibits" / "lease.pdf")
    c = client(cases)
    r = c.get("/case/tenzin/file/exhibits/lease.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    thumb = c.get("/case/tenzin/thumb/exhibits/lease.pdf")
    assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")


# --- uploads --------------------------------------------------------------------------------------------

def upload(c, name, content, case="tenzin"):
    return c.post(f"/case/{case}/upload", data={"csrf": csrf()}, files=[("files", (name, content))],
                  headers={"accept": "application/json"})


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")] if folder.is_dir() else []


def test_an_upload_lands_in_exhibits_under_a_plain_name(cases, tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf").read_bytes()
    c = client(cases)
    r = upload(c, "../../Acta de nacimiento (1).pdf", pdf)
    assert r.status_code == 200
    [result] = r.json()["results"]
    assert result == {"file": "../../Acta de nacimiento (1).pdf", "ok": True, "name": "exhibits/Acta-de-nacimiento-(1).pdf",
                      "size": len(pdf)}
    assert (cases / "tenzin" / "exhibits" / "Acta-de-nacimiento-(1).pdf").read_bytes() == pdf
    assert "exhibits/Acta-de-nacimiento-(1).pdf" in r.json()["files"]
    assert leftovers(cases / "tenzin" / "exhibits") == []


def test_uploads_get_the_checks_validate_makes(cases, tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf").read_bytes()
    c = client(cases)
    assert upload(c, "lease.pdf", pdf).json()["results"][0]["ok"]
    refused = {
        "lease.pdf": (pdf, "the file lease.pdf is already among the case's files: to use it, add an exhibit"),
        "photo.jpg": (pdf, "'photo.jpg' is named .jpg but it is really a PDF file: rename it to match"),
        "empty.pdf": (b"", "'empty.pdf' is empty (0 bytes): copy the document again"),
        "notes.txt": (b"hello", "'notes.txt' is not a kind of file a filing can hold"),
    }
    for name, (content, message) in refused.items():
        [result] = upload(c, name, content).json()["results"]
        assert not result["ok"]
        assert result["message"].startswith(message), result["message"]
    assert sorted(p.name for p in (cases / "tenzin" / "exhibits").iterdir()) == ["lease.pdf"]
    assert (cases / "tenzin" / "exhibits" / "lease.pdf").read_bytes() == pdf


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(cases, tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "UPLOAD_LIMIT_MB", 1)
    c = client(cases)
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    r = upload(c, "scan.pdf", big)
    assert r.status_code == 413
    assert "over 1 MB" in r.json()["error"]
    assert not (cases / "tenzin" / "exhibits" / "scan.pdf").exists()
    assert leftovers(cases / "tenzin" / "exhibits") == []
    # A file over the limit inside a request that claims to be small is cut off as it is written.
    with pytest.raises(uploads.UploadRefused, match="over 1 MB"):
        uploads.store(cases / "tenzin", "scan.pdf", iter([big[:600_000], big[600_000:]]))
    assert leftovers(cases / "tenzin" / "exhibits") == []


# --- the form and saving -------------------------------------------------------------------------------

COMMENTED = """\
# Tenzin: written by hand. This comment must survive a save from the web app.
respondent:
  family_names: Tenzin   # as on the NTA
  a_number: "A087654321"
  date_of_birth: 1990-01-20
  country_of_citizenship: Nepal
proceedings: {court: Chicago Immigration Court, stage: master_calendar}
office: chicago
request:
  relief: [administrative_closure]
  summary: S.
  facts: F.
  favorable_factors:
    - title: T
      text: X
  conclusion: C.
service:
  method: mail
  date: 2026-12-03
  served_by: Daniel Okafor
"""


def test_saving_a_change_keeps_comments_order_and_untouched_values(cases):
    file = cases / "tenzin" / "case.yaml"
    file.write_text(COMMENTED, encoding="utf-8")
    c = client(cases)
    data = form_of(c)
    assert data["respondent.a_number"] == ["A087654321"] and data["request.relief"][-1] == "administrative_closure"
    r = c.post("/case/tenzin/save", data={**data, "csrf": csrf()})
    assert r.status_code == 303 and r.headers["location"] == "/case/tenzin?saved=same"
    assert file.read_text(encoding="utf-8") == COMMENTED  # nothing changed: not even rewritten
    data["respondent.language"] = ["Tibetan"]
    data["request.summary"] = ["First paragraph.\n\nSecond paragraph."]
    r = c.post("/case/tenzin/save", data={**data, "csrf": csrf()})
    assert r.status_code == 303 and r.headers["location"] == "/case/tenzin?saved=yes"
    text = file.read_text(encoding="utf-8")
    assert text.startswith("# Tenzin: written by hand. This comment must survive")
    assert "  family_names: Tenzin   # as on the NTA\n" in text
    assert "  country_of_citizenship: Nepal\n  language: Tibetan\n" in text  # where the schema puts it
    assert "  summary: |\n    First paragraph.\n\n    Second paragraph.\n" in text
    assert "proceedings: {court: Chicago Immigration Court, stage: master_calendar}\n" in text
    assert load_yaml(text)["respondent"]["language"] == "Tibetan"


def test_a_file_changed_on_disk_is_not_overwritten(cases):
    file = cases / "tenzin" / "case.yaml"
    c = client(cases)
    data = form_of(c)
    elsewhere = file.read_text(encoding="utf-8").replace("Nepal", "Bhutan")
    file.write_text(elsewhere, encoding="utf-8")  # someone else saves meanwhile
    data["respondent.language"] = ["Tibetan"]
    r = c.post("/case/tenzin/save", data={**data, "csrf": csrf()})
    assert r.status_code == 409
    assert "was changed on disk after you opened this page" in r.text
    assert re.search(r"<code>respondent.country_of_citizenship</code></td><td>Bhutan</td><td>Nepal</td>", r.text)
    assert 'value="Tibetan"' in r.text  # the user's typing is not lost
    assert file.read_text(encoding="utf-8") == elsewhere
    disk_sha = re.search(r'name="overwrite" value="([0-9a-f]{64})"', r.text)[1]
    r = c.post("/case/tenzin/save", data={**data, "csrf": csrf(), "overwrite": disk_sha})
    assert r.status_code == 303
    assert "language: Tibetan" in file.read_text(encoding="utf-8")


def test_messages_are_placed_next_to_their_field(cases):
    c = client(cases)
    data = form_of(c)
    data.update({"exhibits._order": ["new"], "exhibits[0].id": ["lease"], "exhibits[0].file": ["exhibits/lease.pdf"]})
    r = c.post("/case/tenzin/check.json", data=data, headers={"x-csrf-token": csrf()})
    placed = r.json()["placed"]
    [title] = placed["exhibits[0].title"]
    assert (title["message"], title["fill"]) == ("to fill, e.g. 'Birth certificate of Sofía García'", True)
    data["exhibits[0].title"] = ["Lease"]
    placed = c.post("/case/tenzin/check.json", data=data, headers={"x-csrf-token": csrf()}).json()["placed"]
    assert placed.pop("forms")[0]["message"].startswith("no Form G-28 among the forms")  # a warning, in its place
    placed.pop("proceedings.judge"), placed.pop("proceedings.next_hearing")  # not given: warnings, in their place
    assert placed == {"exhibits[0].file": [{"path": "exhibits[0].file", "severity": "error", "line": None,
                                            "file": str((cases / "tenzin" / "case.yaml").resolve()),
                                            "message": "'exhibits/lease.pdf' does not exist in the case folder: "
                                                       "check the name (it is case-sensitive)",
                                            "where": "Exhibits 1 › File", "fill": False}]}
    # The page itself shows the saved file's problems the same way.
    page = c.get("/case/broken").text
    assert re.search(r'data-path="respondent.date_of_birth">.*?<li class="error">2090-01-01 is in the future: '
                     r'check the year</li>', page, flags=re.S)


def test_a_field_added_to_the_schema_appears_in_the_form(cases, monkeypatch):
    schema = dict(resources.load_schema("case"))
    schema["respondent"] = {**schema["respondent"], "schema": {
        **schema["respondent"]["schema"],
        "entry_date": {"type": "string", "coerce": "date", "nullable": True, "meta": {"hint": "when they entered"}}}}
    monkeypatch.setattr(resources, "load_schema", lambda name: schema)
    page = client(cases).get("/case/tenzin").text
    assert '<input type="date" name="respondent.entry_date" value="">' in page
    assert "When they entered" in page


# --- cases and the JSON twins -------------------------------------------------------------------------------

def test_the_case_list_puts_detained_first_and_says_where_each_stands(cases):
    c = client(cases)
    rows = c.get("/cases.json").json()["cases"]
    assert [(r["name"], r["status"], r["detained"]) for r in rows] == [
        ("okoro", "ready", True), ("broken", "invalid", False), ("tenzin", "ready", False)]
    assert rows[1]["problems"][0]["path"] == "respondent.date_of_birth"
    assert [r["name"] for r in c.get("/cases.json?q=123-456-789").json()["cases"]] == ["okoro"]
    assert [r["name"] for r in c.get("/cases.json?q=TENZIN").json()["cases"]] == ["tenzin"]
    page = c.get("/").text
    assert page.index("okoro") < page.index("tenzin")
    assert c.get("/case/okoro.json").json()["data"]["respondent"]["family_names"] == "Okoro"


def test_a_new_case_from_the_browser_is_a_folder_with_a_case_file(cases):
    c = client(cases)
    for bad in ("../escape", ".hidden", "a/b", "", "tenzin"):
        r = c.post("/new", data={"name": bad, "csrf": csrf()})
        assert r.status_code == 400, bad
    assert not (cases.parent / "escape").exists()
    r = c.post("/new", data={"name": "Pineda Castro Lucía", "csrf": csrf()})
    assert r.headers["location"] == "/case/pineda-castro-lucia"  # a folder name safe in every command and tool
    assert (cases / "pineda-castro-lucia" / "exhibits").is_dir()
    rows = {r["name"]: r for r in c.get("/cases.json").json()["cases"]}
    assert rows["pineda-castro-lucia"]["status"] == "invalid"
    assert "respondent.family_names" in {p["path"] for p in rows["pineda-castro-lucia"]["problems"]}
    assert c.post("/new", data={"name": "PINEDA castro  lucia", "csrf": csrf()}).status_code == 400  # the same folder


def test_templates_page_reports_the_check(cases):
    c = client(cases)
    report = c.get("/templates.json").json()
    assert report["findings"] == [] and {r["role"] for r in report["roles"]} >= {"letter", "index"}
    assert "Every template is fine" in c.get("/templates").text


def test_no_build_is_started_for_an_unknown_case(cases):
    c = client(cases)
    assert c.post("/case/nobody/build", data={"csrf": csrf()}).status_code == 404
    assert c.get("/case/nobody/build.json").status_code == 404
    assert not (cases / "nobody").exists()


# --- builds in workers ------------------------------------------------------------------------------------

class FakeBuilds:
    """Stands in for api.build: each build waits until released, and the fake counts how many run at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.started: list[str] = []
        self.release = threading.Event()
        self.all_started = threading.Semaphore(0)

    def build(self, folder, options=None, progress=None):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.started.append(Path(folder).name)
        progress.step("convert 3 documents")
        self.all_started.release()
        self.release.wait(30)
        with self.lock:
            self.running -= 1
        out = Path(folder) / "out"
        return SimpleNamespace(filing=out / "F.pdf", pages=7, warnings=[])


def test_builds_run_in_workers_one_at_a_time_per_case_up_to_jobs(cases, monkeypatch):
    fake = FakeBuilds()
    monkeypatch.setattr(jobs.api, "build", fake.build)
    monkeypatch.setattr(jobs.api.LibreOfficePool, "take", lambda self, settings: None)  # the fake converts nothing
    write_case(cases / "third", minimal())
    c = TestClient(create_app(Config(cases, TOKEN, jobs=2)), base_url=BASE, follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    first = c.post("/case/tenzin/build", data={"csrf": csrf()}, headers={"accept": "application/json"})
    assert first.status_code == 202
    again = c.post("/case/tenzin/build", data={"csrf": csrf()}, headers={"accept": "application/json"})
    assert again.json()["state"] in ("queued", "running")  # the same job, not a second build
    c.post("/case/okoro/build", data={"csrf": csrf()})
    c.post("/case/third/build", data={"csrf": csrf()})
    assert fake.all_started.acquire(timeout=30) and fake.all_started.acquire(timeout=30)
    job = c.get("/case/tenzin/build.json").json()["job"]
    assert (job["state"], job["step"], job["step_text"]) == (
        "running", "convert", "Converting the documents to PDF (LibreOffice)")
    assert 0 < job["fraction"] < 1
    assert "Converting the documents to PDF" in c.get("/case/tenzin/build").text  # the page shows the bar
    assert sorted(fake.started) == ["okoro", "tenzin"]  # the third waits for a free worker
    assert c.get("/case/third/build.json").json()["job"]["state"] == "queued"
    fake.release.set()
    assert fake.all_started.acquire(timeout=30)
    app_builds = c.app.state.builds
    app_builds.pool.shutdown(wait=True)
    assert fake.most == 2 and sorted(fake.started) == ["okoro", "tenzin", "third"]
    done = c.get("/case/tenzin/build.json").json()["job"]
    assert (done["state"], done["pages"], done["filing"], done["fraction"]) == ("done", 7, "F.pdf", 1.0)


def test_a_build_stopped_by_the_settings_lists_each_problem_and_the_file(cases, monkeypatch):
    from assembler.errors import Finding, InvalidSettingsError

    settings = cases / "pdpacket.yaml"

    def refused(folder, options=None, progress=None):
        raise InvalidSettingsError([Finding(str(settings), "soffice.timeout", "must be a number, not 'soon'")])

    monkeypatch.setattr(jobs.api, "build", refused)
    monkeypatch.setattr(jobs.api.LibreOfficePool, "take", lambda self, settings: None)
    c = TestClient(create_app(Config(cases, TOKEN, jobs=1)), base_url=BASE, follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    c.post("/case/tenzin/build", data={"csrf": csrf()})
    c.app.state.builds.pool.shutdown(wait=True)
    job = c.get("/case/tenzin/build.json").json()["job"]
    assert job["state"] == "failed" and str(settings) in job["message"]
    assert [(p["path"], p["message"]) for p in job["problems"]] == [("soffice.timeout", "must be a number, not 'soon'")]
    page = c.get("/case/tenzin/build").text
    assert "LibreOffice › Timeout" in page and "must be a number, not &#39;soon&#39;" in page


@pytest.mark.libreoffice
def test_web_builds_share_a_libreoffice_kept_running_and_shutdown_stops_it(cases):
    # issue 15: the web app holds its LibreOffice open between builds (about a second a build)
    builds = jobs.Builds(jobs=1)

    def built(name):
        builds.start(name, cases / name)
        deadline = time.monotonic() + 180
        while (job := builds.get(name)).active and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.state == "done", (job.message, job.problems)
        return job

    try:
        assert built("tenzin").pages
        [(_, lo)] = builds.offices.free
        office = lo.current
        assert office is not None and office.proc is not None
        pid, starts = office.proc.pid, office.starts
        assert built("okoro").pages
        assert builds.offices.free == [(builds.offices.free[0][0], lo)]
        assert (office.starts, office.proc.pid) == (starts, pid)  # the same LibreOffice, not a new start
        # Each build's PDFs went into the build's own work folder, removed with it: none pile up
        # in the folder the pool keeps for as long as the web app runs.
        assert not list(lo.profile.parent.rglob("*.pdf"))
    finally:
        builds.shutdown()
    assert office.proc is None
    left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _in_group(p, pid)]
    assert not left, [(p / "cmdline").read_bytes()[:80] for p in left]


def _in_group(proc: Path, pgid: int) -> bool:
    """A live process of the group (a zombie is dead: it waits for init to reap it)."""
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        return fields[0] != "Z" and int(fields[2]) == pgid
    except (OSError, ValueError, IndexError):
        return False


@pytest.mark.libreoffice
def test_the_web_pool_replaces_a_libreoffice_that_failed_and_lends_none_once_stopping(tmp_path):
    from assembler.casefile.settings import load_settings
    offices = jobs.api.LibreOfficePool()
    settings = load_settings(None, tmp_path)
    try:
        first = offices.take(settings)
        assert first is not None and first.current is not None
        offices.give_back(settings, first)
        assert offices.take(settings) is first  # kept running between builds
        offices.give_back(settings, first)
        first.kept[0].unavailable = "the UNO helper stopped"  # as after a failed start
        second = offices.take(settings)
        assert second is not None and second is not first and second.current is not None
        assert first.kept[0].closed  # stopped, not left running
        offices.give_back(settings, second)
    finally:
        offices.close()
    assert offices.take(settings) is None  # the web app is stopping: a build starts its own


def test_the_form_has_the_immigration_history_consent_and_court_sections_and_keeps_them(cases):
    file = cases / "tenzin" / "case.yaml"
    data = load_yaml(file.read_text(encoding="utf-8"))
    data["immigration_history"] = [{"date": "2025-04-12", "kind": "encounter", "description": "Stopped by the police",
                                    "source": "Form I-213"}]
    file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    c = client(cases)
    page = c.get("/case/tenzin").text
    assert '<input type="date" name="immigration_history[0].date" value="2025-04-12">' in page
    assert re.search(r'<select name="immigration_history\[0\]\.kind">.*?<option value="encounter" selected>',
                     page, flags=re.S)
    for name in ("immigration_history[0].description", "immigration_history[0].source", "consent.date",
                 "consent.explained_by", "consent.language", "consent.risks", "court.dismissal_ground",
                 "court.waive_appeal", "proceedings.asylum_pending"):
        assert f'name="{name}"' in page, name
    form = form_of(c)
    form["immigration_history[0].source"] = ["Form I-213 (FOIA response)"]
    r = c.post("/case/tenzin/save", data={**form, "csrf": csrf()})
    assert r.status_code == 303, r.text
    saved = load_yaml(file.read_text(encoding="utf-8"))
    assert saved["immigration_history"] == [{"date": "2025-04-12", "kind": "encounter",
                                             "description": "Stopped by the police",
                                             "source": "Form I-213 (FOIA response)"}]
    assert saved["consent"]["risks"] == ["arrest_after_dismissal", "expedited_removal", "losing_cancellation"]


def test_the_court_papers_forms_show_in_the_court_section_in_words_and_are_kept_on_save(cases):
    # issue 26: the court papers' own forms (court.forms), apart from the request's forms
    file = cases / "tenzin" / "case.yaml"
    make_pdf(cases / "tenzin" / "forms" / "eoir28.pdf")
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["court"] = {"facts": "USCIS approved the petition.", "forms": [{"kind": "eoir28", "file": "forms/eoir28.pdf"}]}
    file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    c = client(cases)
    page = c.get("/case/tenzin").text
    assert re.search(r'<select name="court\.forms\[0\]\.kind">.*?<option value="eoir28" selected>Form EOIR-28 '
                     r'\(appearance before the immigration court\)</option>', page, flags=re.S)
    assert '<option value="g28"' not in page[page.index('name="court.forms[0].kind"'):][:600]  # not a court's form
    assert "The forms filed with the court papers only, never with the request" in page
    r = c.post("/case/tenzin/save", data={**form_of(c), "csrf": csrf()})
    assert r.status_code == 303, r.text
    saved = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert saved["court"]["forms"] == [{"kind": "eoir28", "file": "forms/eoir28.pdf"}]
    assert "forms" not in saved or not any(f.get("kind") == "eoir28" for f in saved["forms"])


# --- a broken case does not take the list down ------------------------------------------------------

def test_a_case_with_a_path_over_the_system_limit_shows_as_broken_and_the_list_still_loads(cases):
    long_path = "exhibits/" + "a" * 5000 + ".pdf"
    write_case(cases / "long", minimal(exhibits=[{"id": "x", "file": long_path, "title": "T"}],
                                       **{"respondent.family_names": "Longpath"}))
    c = client(cases)
    listing = c.get("/cases.json")
    assert listing.status_code == 200
    rows = {row["name"]: row for row in listing.json()["cases"]}
    assert set(rows) == {"tenzin", "okoro", "broken", "long"}
    assert rows["long"]["status"] == "invalid" and rows["long"]["errors"] == 1
    page = c.get("/")
    assert page.status_code == 200 and "Longpath" in page.text and "Tenzin" in page.text
    case_page = c.get("/case/long")
    assert case_page.status_code == 200
    assert re.search(r'data-path="exhibits\[0\].file">.*?<li class="error">the name &#39;a{40}\.\.\.&#39; is 5,004 '
                     r'bytes long; this system allows at most 255', case_page.text, flags=re.S)
    twin = c.get("/case/long.json")
    assert twin.status_code == 200 and twin.json()["status"] == "invalid"
    data = form_of(c, "long")
    assert data["exhibits[0].file"] == [long_path]
    checked = c.post("/case/long/check.json", data=data, headers={"x-csrf-token": csrf()})
    assert checked.status_code == 200
    [finding] = checked.json()["placed"]["exhibits[0].file"]
    assert "5,004 bytes long" in finding["message"]


def test_the_office_is_chosen_by_its_city_not_by_a_key(cases):
    """Issue 26: the list showed raw keys (el_paso, los_angeles_adelanto) with the hint 'A key from
    `pdpacket offices`'."""
    page = client(cases).get("/case/tenzin").text
    start = page.index('<select name="office">')
    select = page[start: page.index("</select>", start)]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)[1:]
    shown = [text for _, text in options]
    assert ("los_angeles_adelanto", "Los Angeles, Adelanto detained docket") in options
    assert ("chicago", "Chicago") in options
    assert shown == sorted(shown, key=str.lower) and not any("_" in text for text in shown)
    assert "pdpacket offices" not in page and "A key from" not in page


def test_a_word_exhibit_asks_for_no_picture_and_a_pdf_one_does(tmp_path):
    # Walking through the web app: sample 1's case page asked a picture of exhibits/church-letter.docx on
    # every load, and got a 404 (an error in the browser's console each time)
    root = tmp_path / "cases"
    shutil.copytree(SAMPLES / "1-garcia-lopez", root / "g", ignore=shutil.ignore_patterns("out", "signed"))
    page = client(root).get("/case/g").text
    assert "/thumb/exhibits/church-letter.docx" not in page
    assert "/thumb/exhibits/passport.pdf" in page


def test_a_missing_disposition_exhibit_is_asked_for_by_choosing_it_not_by_its_id(tmp_path):
    """Issue 26: the warning said "name the exhibit that holds the certified disposition (its id)"; the page
    has a select of the exhibits by title now."""
    data = minimal()
    data["request"]["criminal_history"] = [{"offense": "DWI", "date": "2015-06-01", "disposition": "Convicted",
                                            "explanation": "E."}]
    page = client(cases_folder(tmp_path, dwi=data)).get("/case/dwi").text
    box = page[page.index('data-path="request.criminal_history[0].disposition_exhibit"'):]
    box = box[:box.index("</ul>")]
    assert "choose the exhibit that holds the certified disposition" in box
    assert "its id" not in box and "name the exhibit" not in box
