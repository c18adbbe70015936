"""Electronic signatures only by the attorney's act, and the send gate (issue 23 points 5 and 8).

Until `pdpacket approve CASE --as NAME` holds for the case's inputs as they are, the filing is a
draft: "(unsigned draft)" where the letter's and the certificate of service's "/s/" go, a DRAFT
mark on every page. `email` and `send` refuse a draft, and a filing whose signatures in ink are
missing or outdated, naming each; `email --unsigned-draft` writes a marked draft that is never
recorded as sent.
"""
from __future__ import annotations

import email
import email.policy
import json
import shutil
import subprocess

import pytest
import yaml
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from assembler.errors import ExitCode
from assembler.pdf import approval
from assembler.pdf.draft_mark import TEXT as DRAFT_TEXT
from assembler.pdf.draft_mark import mark_box, mark_draft
from assembler.send.ledger import Ledger
from helpers import SAMPLES, TODAY, approve_case, load_yaml, minimal, page_texts, write_case

OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example"}


def _settings(folder, **more):
    doc = {"offices": {"chicago": OFFICE}, "approval": {"attorneys": ["Daniel Okafor", "Ana Reyes"]},
           "smtp": {"host": "127.0.0.1", "port": 9, "security": "none", "timeout": 2}, **more}
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


@pytest.fixture(scope="module")
def draft_case(tmp_path_factory):
    """A cases folder with one e-mailed case (letter, certificate of service, an exhibit: no signature in
    ink), built once without an approval: a draft."""
    from assembler.api import build
    root = tmp_path_factory.mktemp("approval") / "cases"
    root.mkdir()
    _settings(root)
    data = minimal(**{"service.method": "email", "service.served_by": "Ana Reyes"})
    data["exhibits"] = [{"id": "lease", "file": "lease.pdf", "title": "Lease"}]
    case = write_case(root / "tenzin", data)
    _top_heavy_pdf(case / "lease.pdf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPACKET_TODAY", TODAY)
        mp.setenv("PDPACKET_LEDGER", str(root / "pdpacket.db"))
        mp.delenv("PDPACKET_SETTINGS", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(root.parent / "xdg"))
        build(case)
    return root


@pytest.fixture
def cases(draft_case, tmp_path, monkeypatch):
    folder = tmp_path / "cases"
    shutil.copytree(draft_case, folder)
    monkeypatch.setenv("PDPACKET_LEDGER", str(folder / "pdpacket.db"))
    return folder


def _top_heavy_pdf(path):
    """An exhibit that prints to the very top of its page, where the DRAFT mark goes."""
    c = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    c.setFont("Helvetica", 12)
    c.drawString(200, 775, "TOPMOST LINE OF THE LEASE")
    c.drawString(72, 400, "The lease itself.")
    c.showPage()
    c.save()


def _filing(case):
    manifest = json.loads((case / "out" / "manifest.json").read_text(encoding="utf-8"))
    return case / "out" / manifest["filing"]["file"], manifest


def _events(folder):
    with Ledger.open(folder / "pdpacket.db", create=False) as ledger:
        return ledger.events()


# --- the draft and the approved filing ------------------------------------------------------------

@pytest.mark.libreoffice
def test_an_unapproved_build_is_a_draft_on_every_page_without_any_s_signature(draft_case):
    filing, manifest = _filing(draft_case / "tenzin")
    texts = page_texts(filing)
    assert all(DRAFT_TEXT in t for t in texts), [i for i, t in enumerate(texts) if DRAFT_TEXT not in t]
    whole = "\n".join(texts)
    assert "/s/" not in whole
    assert whole.count(approval.UNSIGNED) == 2  # the letter's signature and the certificate of service's
    assert manifest["approval"] == {"state": "draft", "approved_by": None, "content_key": None}


@pytest.mark.libreoffice
def test_the_draft_mark_never_covers_what_an_exhibit_prints_at_the_top(draft_case, tmp_path):
    """The exhibit's top line lies where the mark goes: its page is shrunk below the mark's band."""
    filing, _ = _filing(draft_case / "tenzin")
    texts = page_texts(filing)
    page = next(i for i, t in enumerate(texts) if "TOPMOST LINE" in t) + 1
    words = _words(filing, page)
    mark_bottom = 792 - mark_box(PdfReader(filing).pages[page - 1].cropbox)[1]  # from the top, as pdftotext
    top_line = [w for w in words if w["text"] == "TOPMOST"]
    assert top_line and top_line[0]["yMin"] > mark_bottom, (top_line, mark_bottom)


def _words(pdf, page: int) -> list[dict]:
    """Each word of `page` with its box (points from the top left), as pdftotext -bbox gives them."""
    from lxml import etree
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, check=True).stdout
    tree = etree.fromstring(out.replace(b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"'
                                        b' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">', b""))
    return [{"text": w.text, **{k: float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")}}
            for w in tree.iter("{*}word")]


def test_the_draft_mark_shrinks_only_a_crowded_page_and_is_drawn_on_every_page(tmp_path):
    source = tmp_path / "two.pdf"
    c = canvas.Canvas(str(source), pagesize=letter, invariant=1)
    for _ in range(2):
        c.drawString(200, 778, "TOPMOST")
        c.drawString(72, 300, "BODY")
        c.showPage()
    c.save()
    writer = PdfWriter(clone_from=source)
    mark_draft(writer, lambda i, rects: i == 0)
    out = tmp_path / "marked.pdf"
    writer.write(out)
    assert all(DRAFT_TEXT in t for t in page_texts(out))
    mark_bottom = 792 - mark_box(PdfReader(out).pages[0].cropbox)[1]
    shrunk, left = (next(w for w in _words(out, n) if w["text"] == "TOPMOST") for n in (1, 2))
    assert shrunk["yMin"] > mark_bottom  # moved below the mark
    assert left["yMin"] < mark_bottom  # the page not said to be crowded is left as it was


@pytest.mark.libreoffice
def test_approve_then_build_makes_the_final_filing_recorded_and_byte_stable(cases, run):
    case = cases / "tenzin"
    draft, _ = _filing(case)
    before = draft.read_bytes()
    r = run("approve", case, "--as", "daniel okafor", "--build")
    assert r.code == 0, r.err
    record = json.loads((case / approval.FILE).read_text(encoding="utf-8"))
    assert record["approved_by"] == "Daniel Okafor"  # as the settings spell the name
    filing, manifest = _filing(case)
    whole = "\n".join(page_texts(filing))
    assert DRAFT_TEXT not in whole and approval.UNSIGNED not in whole
    assert "/s/ Daniel Okafor" in whole and "/s/ Ana Reyes" in whole
    assert manifest["approval"]["state"] == "approved" and manifest["approval"]["approved_by"] == "Daniel Okafor"
    approve_rows = [e for e in _events(cases) if e.kind == "approve"]
    assert [(e.approved_by, e.content_key, e.filing_sha256) for e in approve_rows] == [
        ("Daniel Okafor", manifest["content_key"], __import__("hashlib").sha256(before).hexdigest())]
    final = filing.read_bytes()
    # The approval's time is in approval.json only: approved again later, the filing is the same.
    record["approved_at"] = "2027-01-05T09:00:00+00:00"
    (case / approval.FILE).write_text(json.dumps(record), encoding="utf-8")
    assert run("build", case, "-q").code == 0
    assert _filing(case)[0].read_bytes() == final


@pytest.mark.libreoffice
def test_approve_refuses_a_name_the_firm_does_not_list_and_an_empty_one(cases, run):
    case = cases / "tenzin"
    r = run("approve", case, "--as", "Somebody Else")
    assert r.code == ExitCode.usage
    assert "Somebody Else" in r.err and "Daniel Okafor, Ana Reyes" in r.err and "approval.attorneys" in r.err
    assert run("approve", case, "--as", "  ").code == ExitCode.usage
    assert not (case / approval.FILE).exists()
    assert not [e for e in _events(cases) if e.kind == "approve"]


@pytest.mark.libreoffice
def test_approve_accepts_any_name_when_the_firm_lists_none_and_says_so(cases, run):
    _settings(cases, approval={})
    r = run("approve", cases / "tenzin", "--as", "Ana Reyes")
    assert r.code == 0, r.err
    assert "lists no attorneys who may approve" in r.err and "any name is accepted" in r.err


@pytest.mark.libreoffice
def test_approve_refuses_a_build_older_than_the_case(cases, run):
    case = cases / "tenzin"
    text = (case / "case.yaml").read_text(encoding="utf-8")
    (case / "case.yaml").write_text(text.replace("summary: S.", "summary: Another summary."), encoding="utf-8")
    r = run("approve", case, "--as", "Daniel Okafor")
    assert r.code == ExitCode.input_file
    assert "changed since it was built" in r.err and "pdpacket build" in r.err
    assert not (case / approval.FILE).exists()


@pytest.mark.libreoffice
def test_an_approval_goes_stale_when_the_case_changes_and_says_what_changed(cases, run):
    case = cases / "tenzin"
    assert run("approve", case, "--as", "Daniel Okafor", "--build").code == 0
    text = (case / "case.yaml").read_text(encoding="utf-8")
    # (the service date alone would not do: the approval holds over it, test_service_date_approval.py)
    (case / "case.yaml").write_text(text.replace("summary: S.", "summary: Amended."), encoding="utf-8")
    status = run("status", case)
    assert "approval by Daniel Okafor" in status.out and "out of date" in status.out
    assert "summary: S. -> Amended." in status.out
    r = run("build", case, "-q")
    assert r.code == 0
    assert "out of date" in r.err and "summary: S. -> Amended." in r.err
    filing, manifest = _filing(case)
    assert manifest["approval"]["state"] == "draft"
    assert all(DRAFT_TEXT in t for t in page_texts(filing))
    r = run("email", case)
    assert r.code == ExitCode.not_ready
    assert "out of date" in r.err and "summary: S. -> Amended." in r.err and "pdpacket approve" in r.err
    due = run("status", case).out
    # one step: approve --build makes the final filing (it listed "build again" as a step of its own)
    assert "approves the filing and builds it again" in due and "--build" in due and "build again (`" not in due


# --- the send gate -------------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_an_unapproved_filing_is_neither_drafted_nor_sent(cases, run):
    case = cases / "tenzin"
    rows = len(_events(cases))
    for command in (("email", case), ("send", case), ("send", case, "--dry-run")):
        r = run(*command)
        assert r.code == ExitCode.not_ready, (command, r.err)
        assert "not approved" in r.err and "pdpacket approve" in r.err and "--unsigned-draft" in r.err
    assert not list((case / "out").glob("*.eml"))
    assert len(_events(cases)) == rows


@pytest.mark.libreoffice
def test_a_filing_built_before_the_approval_is_still_the_draft(cases, run):
    case = cases / "tenzin"
    assert run("approve", case, "--as", "Daniel Okafor").code == 0
    r = run("email", case)
    assert r.code == ExitCode.not_ready
    assert "built before the approval by Daniel Okafor" in r.err and "pdpacket build" in r.err


@pytest.mark.libreoffice
def test_approved_without_ink_signatures_goes(cases, run):
    case = cases / "tenzin"
    assert run("approve", case, "--as", "Daniel Okafor", "--build").code == 0
    r = run("email", case)
    assert r.code == 0, r.err
    [draft] = (case / "out").glob("*.eml")
    message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert "UNSIGNED" not in message["Subject"] and message["X-Unsent"] == "1"
    assert [e.kind for e in _events(cases)][-1] == "draft"


@pytest.mark.libreoffice
def test_an_unsigned_draft_is_marked_and_never_recorded_and_send_refuses_one(cases, run):
    case = cases / "tenzin"
    rows = _events(cases)
    r = run("email", case, "--unsigned-draft")
    assert r.code == 0, r.err
    [draft] = (case / "out").glob("*.eml")
    assert draft.name.endswith("_UNSIGNED-DRAFT.eml")
    message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("UNSIGNED DRAFT - internal review only: ")
    body = message.get_body(("plain",)).get_content()
    assert body.splitlines()[0] == "UNSIGNED DRAFT - internal review only"
    assert message["X-Unsent"] is None  # opens as a message to read, not as a draft to send
    [attached] = list(message.iter_attachments())
    assert DRAFT_TEXT in (PdfReader(__import__("io").BytesIO(attached.get_content())).pages[0].extract_text() or "")
    assert "not approved" in r.err and "never sent" in r.err
    manifest = _filing(case)[1]
    assert not manifest.get("drafts")
    r = run("send", case, "--unsigned-draft")
    assert r.code == ExitCode.usage and "never sent" in r.err
    assert _events(cases) == rows  # nothing recorded: no draft row, no send row


# --- ink signatures: sample 1 ---------------------------------------------------------------------

def _sample1(tmp_path, sample1_build):
    """Sample 1 (eight signatures in ink) with its build, in a folder of its own."""
    case = tmp_path / "cases" / "1-garcia-lopez"
    shutil.copytree(SAMPLES / "1-garcia-lopez", case)
    shutil.copy(SAMPLES / "pdpacket.yaml", case.parent)
    shutil.copy(SAMPLES / "g28-stand-in.pdf", case.parent)
    shutil.copytree(sample1_build.result.filing.parent, case / "out")
    return case


def _built(case):
    from assembler.casefile.case import case_settings, validate_case
    from assembler.options import NO_OPTIONS
    from assembler.send.built import load_built
    settings = case_settings(case, NO_OPTIONS)
    c = validate_case(case, NO_OPTIONS, False, settings)
    return c, settings, load_built(c, settings, case / "out")


def _sign_all(case, manifest, but=(), outdated=()):
    """CASE/signed/ as `pdpacket signed` leaves it once every page came back signed (its reading of
    real scans is tested in test_signed_scans.py): an entry per signature, with the build's page hash."""
    from assembler.documents import signed
    docs = {d["id"]: d for d in manifest["signatures"]["documents"]}
    folder = case / signed.FOLDER
    folder.mkdir(exist_ok=True)
    pages = []
    for n, s in enumerate(s for s in manifest["signatures"]["required"] if s["kind"] == "ink"):
        if s["signer"] in but:
            continue
        text = docs[s["document"]]["page_text_sha256"][s["page"] - 1]
        name = f"page{n}.pdf"
        (folder / name).write_bytes(b"%PDF-1.4 signed page stand-in")
        pages.append({"document": s["document"], "page": s["page"], "signer": s["signer"], "role": s["role"],
                      "text_sha256": "0" * 12 if s["signer"] in outdated else text, "file": name})
    signed.record_path(case).write_text(json.dumps({"format": 1, "pages": pages}), encoding="utf-8")


@pytest.mark.libreoffice
def test_an_unsigned_sample_is_refused_naming_each_signature(tmp_path, run):
    """Sample 1 as it was before its signing round (it ships with its signed pages read back)."""
    case = tmp_path / "cases" / "1-garcia-lopez"
    shutil.copytree(SAMPLES / "1-garcia-lopez", case, ignore=shutil.ignore_patterns("signed", "out", "approval.json"))
    shutil.copy(SAMPLES / "pdpacket.yaml", case.parent)
    shutil.copy(SAMPLES / "g28-stand-in.pdf", case.parent)
    out = case / "out"
    assert run("build", case, "-q").code == 0
    r = run("send", case, "-o", out, "--dry-run")
    assert r.code == ExitCode.not_ready
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ink = [s for s in manifest["signatures"]["required"] if s["kind"] == "ink"]
    assert f"{len(ink)} signature(s) in ink missing" in r.err
    for s in ink:
        assert f"page {s['page']} (filing page {s['filing_page']}): {s['signer']} ({s['role']})" in r.err
    assert "Declaration of Sofía García, page 1" in r.err and "Form G-28, page 1" in r.err
    assert "pdpacket sign" in r.err and "pdpacket signed" in r.err and "not approved" in r.err


@pytest.mark.libreoffice
def test_approved_and_signed_goes_and_a_missing_or_outdated_signature_does_not(tmp_path, sample1_build):
    from assembler.send import gate
    case = _sample1(tmp_path, sample1_build)
    manifest = _filing(case)[1]
    c, settings, built = _built(case)
    # The final filing of an approved case: what its manifest says once built after the approval (signed/ is an
    # input of the build: the pages are read back, then the attorney approves).
    _sign_all(case, manifest)
    approve_case(case)
    built.manifest["approval"] = {"state": "approved", "approved_by": "Daniel Okafor"}
    assert gate.readiness(c, settings, built).problems() == []
    _sign_all(case, manifest, but=("Robert Chen",), outdated=("Sofía García",))
    found = gate.readiness(c, settings, built)
    assert found.missing == [next(f"Declaration of Robert Chen, page 1 (filing page {s['filing_page']}): "
                                  "Robert Chen (declarant)" for s in manifest["signatures"]["required"]
                                  if s["signer"] == "Robert Chen")]
    assert len(found.outdated) == 1 and "Sofía García (declarant)" in found.outdated[0]
    assert "signed on a text that changed since" in " ".join(found.problems())


@pytest.mark.libreoffice
def test_once_the_build_says_which_scans_are_in_the_filing_a_signature_counts_only_there(tmp_path, sample1_build):
    """The build that places signed scans marks each signature `in_filing` (branch signin): a signature
    read back after that build is not in the filing until the case is built again."""
    from assembler.send import gate
    case = _sample1(tmp_path, sample1_build)
    manifest = _filing(case)[1]
    c, settings, built = _built(case)
    _sign_all(case, manifest)
    approve_case(case)
    built.manifest["approval"] = {"state": "approved", "approved_by": "Daniel Okafor"}
    required = built.manifest["signatures"]["required"]
    for s in required:
        if s["kind"] == "ink":
            s[gate.IN_FILING] = "signed"
    chen = next(s for s in required if s["signer"] == "Robert Chen")
    chen[gate.IN_FILING] = "generated"
    found = gate.readiness(c, settings, built)
    assert found.missing == [] and len(found.not_in_filing) == 1 and "Robert Chen" in found.not_in_filing[0]
    assert "build again" in found.problems()[0]


@pytest.mark.libreoffice
def test_a_batch_rerun_rebuilds_a_case_approved_since_and_skips_it_after(cases, run, tmp_path):
    """The approval changes the filing without changing an input: a re-run must not keep the draft."""
    out = tmp_path / "batch-out"
    assert run("batch", cases, "-o", out, "-q").code == 0
    approve_case(cases / "tenzin")
    assert run("batch", cases, "-o", out, "-q").code == 0
    report = {c["case"]: c for c in json.loads((out / "batch-report.json").read_text())["cases"]}
    assert report["tenzin"]["status"] == "built"
    filing = out / "tenzin" / _filing(cases / "tenzin")[0].name
    assert DRAFT_TEXT not in "\n".join(page_texts(filing))
    assert run("batch", cases, "-o", out, "-q").code == 0
    report = {c["case"]: c for c in json.loads((out / "batch-report.json").read_text())["cases"]}
    assert report["tenzin"]["status"] == "skipped"


def test_an_approved_case_folder_moved_with_its_firm_folder_stays_approved(tmp_path):
    """So a case folder can be handed over (or shipped, as a sample) approved: the firm's G-28 beside the
    settings is named by its bytes, not by where the folder happens to be."""
    from assembler.casefile.case import case_settings, validate_case
    from assembler.options import NO_OPTIONS
    first = tmp_path / "a" / "cases"
    shutil.copytree(SAMPLES / "1-garcia-lopez", first / "1-garcia-lopez")
    for name in ("pdpacket.yaml", "g28-stand-in.pdf"):
        shutil.copy(SAMPLES / name, first)
    approve_case(first / "1-garcia-lopez")
    moved = tmp_path / "b" / "elsewhere"
    shutil.copytree(first, moved)

    def state(case):
        settings = case_settings(case, NO_OPTIONS)
        return approval.state(validate_case(case, NO_OPTIONS, False, settings), settings)
    assert state(moved / "1-garcia-lopez").current
    (moved / "g28-stand-in.pdf").write_bytes((moved / "g28-stand-in.pdf").read_bytes() + b"\n% another G-28\n")
    stale = state(moved / "1-garcia-lopez")
    assert not stale.current and any("g28-stand-in.pdf" in c for c in stale.changed), stale.changed


@pytest.mark.libreoffice
def test_sample_1_ships_signed_and_approved_and_builds_its_final_filing(sample1_build):
    """Done-when of issue 23: `make demo` builds sample 1 signed and approved (the others build as drafts).
    Built from wherever the repository is (the approval names inputs by their bytes, not their paths). When
    what the filing is made of changes (the case, an exhibit, a template, the office's data), this fails:
    run tools/make_samples.py's approve_sample_1 again, as the attorney would approve again."""
    from assembler.send import gate
    manifest = json.loads((sample1_build.result.filing.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["approval"]["state"] == "approved", manifest["approval"]
    texts = page_texts(sample1_build.result.filing)
    assert not any(DRAFT_TEXT in t for t in texts)
    assert any("/s/ Daniel Okafor" in t for t in texts)
    ink = [s for s in manifest["signatures"]["required"] if s["kind"] == "ink"]
    assert ink and all(s[gate.IN_FILING] == "signed" for s in ink)


def test_a_stale_approval_names_the_firms_files_by_name_wherever_the_folders_were(tmp_path):
    # the same walk: "changed since: the exhibit file /tmp/clone/samples/g28-stand-in.pdf; the exhibit file
    # /work/wt/integrate/samples/g28-stand-in.pdf": one file, the same bytes, named by two machines' paths
    from assembler.casefile.case import case_settings, validate_case
    from assembler.options import NO_OPTIONS
    from assembler.pdf.manifest import changes

    shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "1-garcia-lopez", ignore=shutil.ignore_patterns("out"))
    for name in ("pdpacket.yaml", "g28-stand-in.pdf"):
        shutil.copy(SAMPLES / name, tmp_path)
    case_dir = tmp_path / "1-garcia-lopez"
    record = json.loads((case_dir / "approval.json").read_text(encoding="utf-8"))["build"]
    record["content_key"] = "stale"  # as if anything had changed: the list of what changed is what is read
    settings = case_settings(case_dir, NO_OPTIONS)
    found = changes(validate_case(case_dir, NO_OPTIONS, False, settings), settings, record)
    assert not [f for f in found if "g28-stand-in.pdf" in f or str(tmp_path) in f], found


def test_the_court_papers_section_filled_after_a_grant_leaves_the_filings_approval_as_it_was(tmp_path):
    # the CLI walk-through: granted, then `status` asked for the court papers; filling court: for `pdpacket
    # court` turned the sent filing into a stale draft ("court facts: changed") though no filing page prints it
    from assembler.casefile.case import case_settings, validate_case
    from assembler.options import NO_OPTIONS
    from assembler.pdf.manifest import content_key

    shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "c", ignore=shutil.ignore_patterns("out"))
    for name in ("pdpacket.yaml", "g28-stand-in.pdf"):
        shutil.copy(SAMPLES / name, tmp_path)

    def key(**changes):
        data = load_yaml((SAMPLES / "1-garcia-lopez" / "case.yaml").read_text(encoding="utf-8"))
        for path, value in changes.items():
            section, field = path.split(".")
            data[section][field] = value
        (tmp_path / "c" / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        settings = case_settings(tmp_path / "c", NO_OPTIONS)
        return content_key(validate_case(tmp_path / "c", NO_OPTIONS, False, settings), settings)

    before = key()
    assert key(**{"court.facts": "Other facts for the joint motion.", "court.waive_appeal": False}) == before
    assert key(**{"request.summary": "Another summary of the request."}) != before  # the letter prints it


def test_what_changed_since_the_approval_is_worked_out_again_only_when_what_it_depends_on_changed(monkeypatch, tmp_path):
    # A build asks for its approval's state twice (its plan, then the ledger's note): the list of what
    # changed, which remakes the whole templates' context, is worked out once for the same question
    # (issue 25), and again for another content key, case data, office, approval or settings.
    from types import SimpleNamespace

    from assembler.pdf import approval as approval_mod

    asked: list[str] = []
    record = {"content_key": "approved-key", "approved_by": "A. Attorney"}
    key = ["key-1"]
    monkeypatch.setattr(approval_mod, "read", lambda folder: dict(record))
    monkeypatch.setattr(approval_mod, "content_key", lambda case, settings, templates_dir=None: key[0])
    monkeypatch.setattr(approval_mod, "_what_changed",
                        lambda case, settings, found, templates_dir: asked.append(key[0]) or [f"changed {key[0]}"])
    monkeypatch.setattr(approval_mod, "_last_changed", [], raising=False)
    settings = SimpleNamespace()
    case = SimpleNamespace(dir=tmp_path, data={"a": 1}, office={"name": "OCC"})

    first = approval_mod.state(case, settings)
    again = approval_mod.state(case, settings)
    assert first.changed == again.changed == ("changed key-1",) and asked == ["key-1"]
    key[0] = "key-2"  # a file, a template or the case data printed changed
    assert approval_mod.state(case, settings).changed == ("changed key-2",) and asked == ["key-1", "key-2"]
    approval_mod.state(SimpleNamespace(dir=tmp_path, data={"a": 2}, office={"name": "OCC"}), settings)
    approval_mod.state(case, SimpleNamespace())  # other settings (their law, their forms)
    record["approved_by"] = "B. Attorney"
    approval_mod.state(case, settings)
    assert asked == ["key-1", "key-2", "key-2", "key-2", "key-2"]
