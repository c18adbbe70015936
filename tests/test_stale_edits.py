"""A hand-edited document made before the case changed: named in plain words, refused by send and
email, a warning in validate, build and status, an error with --strict; `edit --refresh` brings it up
to date without losing the hand-edited copy."""
from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from docx import Document

from assembler import resources
from assembler.documents import edits, feeds
from assembler.documents.context import DERIVED, context_tree
from assembler.documents.variables import walk
from assembler.errors import ExitCode
from helpers import SAMPLES, TODAY, approve_case, make_pdf, minimal, page_texts, write_case

OFFICE = {"name": "Office of the Chief Counsel, Chicago", "address": ["55 E Monroe St", "Chicago, IL 60603"],
          "email": "pd-requests@occ-chicago.example"}
# Words that would give away an internal field name in a message meant for a person.
INTERNAL_NAMES = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:office|service|proceedings|request|respondent)\.[a-z]")


def _cases(tmp_path, **office) -> tuple:
    """A cases folder with its settings (the office, an SMTP server nobody listens on) and one case
    served by first-class mail, its next hearing on June 15, 2027."""
    root = tmp_path / "cases"
    root.mkdir()
    _settings(root, **office)
    data = minimal(**{"proceedings.next_hearing": {"date": "2027-06-15", "type": "master"},
                      "proceedings.judge": "Hon. Ana Ruiz"})
    return write_case(root / "c", data), data


def _settings(root, **office):
    doc = {"offices": {"chicago": {**OFFICE, **office}},
           "smtp": {"host": "127.0.0.1", "port": 9, "security": "none", "timeout": 2}}
    (root / "pdpacket.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")


def _move_hearing_and_serve_by_email(folder, data):
    data["proceedings"]["next_hearing"]["date"] = "2028-06-15"
    data["service"]["method"] = "email"
    write_case(folder, data)


def _hand_edit(docx, text="MY OWN SENTENCE."):
    doc = Document(str(docx))
    doc.add_paragraph(text)
    doc.save(str(docx))


PLAIN = "hearing date: June 15, 2027 -> June 15, 2028; service: first-class mail -> e-mail"


# --- validate and --strict (no LibreOffice) -----------------------------------------------------

def test_validate_names_what_changed_in_plain_words_and_how_to_refresh(run, tmp_path):
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    _hand_edit(folder / "edits" / "01-request-letter.docx")
    _move_hearing_and_serve_by_email(folder, data)
    result = run("validate", folder)
    assert result.code == 0, result.err
    [line] = [x for x in result.err.splitlines() if "edits/" in x]
    assert (f"warning: edits/01-request-letter.docx is out of date: the case changed since it was made ({PLAIN}): "
            f"run `pdpacket edit {folder} 01-request-letter --refresh`") in line
    assert not INTERNAL_NAMES.search(line.split(": run `")[0]), line
    strict = run("validate", folder, "--strict")
    assert strict.code == ExitCode.invalid_case
    assert PLAIN in strict.err


def test_an_unchanged_case_leaves_the_edited_copy_current(run, tmp_path):
    folder, _ = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    _hand_edit(folder / "edits" / "01-request-letter.docx")
    result = run("validate", folder, "--strict")
    assert "edits/" not in result.err


def test_bookkeeping_and_what_the_letter_does_not_print_are_not_changes(run, tmp_path):
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    # Where the office's details come from (office.source, office.provenance), the office's e-mail while
    # the letter goes by mail, the respondent's language: the letter prints none of them.
    _settings(folder.parent, source="checked by phone", email="other@occ-chicago.example")
    data["respondent"]["language"] = "Tibetan"
    write_case(folder, data)
    result = run("validate", folder)
    assert result.code == 0 and "edits/" not in result.err, result.err


def test_a_change_the_letter_prints_through_a_derived_line_is_named_by_its_own_words(run, tmp_path):
    folder, data = _cases(tmp_path)
    data["service"]["method"] = "email"
    write_case(folder, data)
    assert run("edit", folder, "01-request-letter").code == 0
    _settings(folder.parent, email="other@occ-chicago.example")  # printed in the VIA line now
    result = run("validate", folder)
    assert ("(office's e-mail: pd-requests@occ-chicago.example -> other@occ-chicago.example)"
            in result.err), result.err


def test_an_old_copy_kept_by_refresh_is_not_taken_for_a_document(tmp_path):
    folder = tmp_path / "c" / "edits"
    folder.mkdir(parents=True)
    for name in ("01-request-letter.docx", "01-request-letter.old-2026-11-28.docx",
                 "01-request-letter.old-2026-11-28-2.docx", "~$-request-letter.docx"):
        (folder / name).write_bytes(b"")
    assert list(edits.edited_copies(tmp_path / "c")) == ["01-request-letter.docx"]


# --- edit --refresh (no LibreOffice) -------------------------------------------------------------

def test_refresh_renders_a_fresh_copy_keeps_the_old_one_and_lists_the_passages(run, tmp_path):
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    copy = folder / "edits" / "01-request-letter.docx"
    _hand_edit(copy, "A SENTENCE ONLY I WROTE.")
    mine = copy.read_bytes()
    _move_hearing_and_serve_by_email(folder, data)
    result = run("edit", folder, "01-request-letter", "--refresh")
    assert result.code == 0, result.err
    kept = folder / "edits" / "01-request-letter.old-2026-11-28.docx"
    assert kept.read_bytes() == mine
    assert f"your edited copy is kept as {kept}" in result.err
    out = result.out
    assert "  - VIA FIRST-CLASS MAIL\n  + VIA E-MAIL TO pd-requests@occ-chicago.example\n" in out
    assert ("  - Next hearing: June 15, 2027, master calendar hearing\n"
            "  + Next hearing: June 15, 2028, master calendar hearing\n") in out
    assert "  - A SENTENCE ONLY I WROTE.\n" in out  # the hand change to carry over
    fresh = "\n".join(p.text for p in Document(str(copy)).paragraphs)
    assert "A SENTENCE ONLY I WROTE." not in fresh and "VIA E-MAIL TO" in fresh.replace("\u2011", "-")
    assert "edits/" not in run("validate", folder, "--strict").err  # the fresh copy is current
    # a second refresh the same day never overwrites the first old copy
    _hand_edit(copy, "SECOND EDIT.")
    again = run("edit", folder, "01-request-letter", "--refresh")
    assert again.code == 0, again.err
    assert kept.read_bytes() == mine
    assert "SECOND EDIT." in "".join(p.text for p in Document(
        str(folder / "edits" / "01-request-letter.old-2026-11-28-2.docx")).paragraphs)


def test_edit_of_a_document_already_hand_edited_says_so_and_how_to_go_on(run, tmp_path):
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    copy = folder / "edits" / "01-request-letter.docx"
    _hand_edit(copy)
    mine = copy.read_bytes()
    result = run("edit", folder, "letter")
    assert result.code == ExitCode.usage
    [line] = result.err.splitlines()
    assert line.startswith(f"error: {copy} is already the hand-edited copy of 01-request-letter "
                           "(made from the case as it is now): open it in Word to go on editing it; ")
    assert f"`pdpacket edit {folder} 01-request-letter --refresh`" in line and "--force" in line
    assert copy.read_bytes() == mine
    _move_hearing_and_serve_by_email(folder, data)
    stale = run("edit", folder, "01-request-letter")
    assert stale.code == ExitCode.usage
    assert "(the case changed since it was made: hearing date" in stale.err
    assert copy.read_bytes() == mine


def test_the_list_of_documents_marks_the_hand_edited_ones_current_or_stale(run, tmp_path):
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    listed = run("edit", folder)
    assert listed.code == 0, listed.err
    assert listed.out.splitlines() == ["01-request-letter.docx  (hand-edited: edits/01-request-letter.docx, current)",
                                       "99-certificate-of-service.docx"]
    _move_hearing_and_serve_by_email(folder, data)
    assert run("edit", folder).out.splitlines()[0] == (
        "01-request-letter.docx  (hand-edited: edits/01-request-letter.docx, out of date: --refresh)")


# --- the table of plain words ---------------------------------------------------------------------

def test_every_labelled_variable_exists_and_every_derived_one_says_what_it_is_made_of():
    known = {path for path, _ in walk(context_tree()) if path}
    table = resources.data("labels")
    assert set(table["labels"]) <= known
    assert {s for sources in table["sources"].values() for s in sources} | set(table["sources"]) <= known
    assert set(table["internal"]) <= known
    derived = {d.path for d in DERIVED}
    assert set(table["sources"]) <= derived


def test_the_default_templates_name_no_variable_by_its_internal_name():
    from assembler.resources import templates_dir
    for template in templates_dir().glob("*.docx"):
        for path in feeds.used_leaves(feeds.template_paths(template)):
            assert not INTERNAL_NAMES.search(feeds.label(path)) and "." not in feeds.label(path), (template, path)


# --- the scenario end to end: build, email, send, status ------------------------------------------

@pytest.mark.libreoffice
def test_a_stale_hand_edited_letter_is_not_sent(run, tmp_path):
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    _hand_edit(folder / "edits" / "01-request-letter.docx")
    _move_hearing_and_serve_by_email(folder, data)
    strict = run("build", folder, "-q", "--strict")
    assert strict.code == ExitCode.invalid_case and PLAIN in strict.err
    assert not (folder / "out").exists()
    built = run("build", folder, "-q")
    assert built.code == 0, built.err
    assert PLAIN in built.err
    manifest = json.loads((folder / "out" / "manifest.json").read_text())
    assert manifest["sections"][0]["parts"][0]["edited_current"] is False
    assert manifest["edits"][0]["current"] is False
    assert manifest["edits"][0]["changed_since"] == ["hearing date: June 15, 2027 -> June 15, 2028",
                                                     "service: first-class mail -> e-mail"]
    for command in ("email", "send"):
        refused = run(command, folder)
        assert refused.code == ExitCode.not_sent, (command, refused.err)
        assert (f"not sent: edits/01-request-letter.docx was edited by hand before the case changed ({PLAIN}): "
                f"bring the edited copy up to date (`pdpacket edit {folder} 01-request-letter --refresh`"
                in refresh_line(refused.err)), refused.err
        assert "Traceback" not in refused.err
    assert not list((folder / "out").glob("*.eml"))
    status = run("status", folder.parent)
    assert "due: bring edits/01-request-letter.docx up to date" in status.out
    # brought up to date, approved by the attorney (test_approval.py) and built again...
    assert run("edit", folder, "01-request-letter", "--refresh").code == 0
    approve_case(folder)
    rebuilt = run("build", folder, "-q")
    assert rebuilt.code == 0 and "out of date" not in rebuilt.err
    assert "June 15, 2028" in page_texts(next((folder / "out").glob("*.pdf")))[0]
    # ...its sending would date it anew (service date 2026-12-03 in the case file), which a copy edited by
    # hand cannot be: refused, saying how to send it dated right (send/dated.py)
    refused = run("email", folder)
    assert refused.code == ExitCode.not_sent
    assert ("uses the copies edited by hand edits/01-request-letter.docx, whose text pdpacket cannot date 2026-11-28: "
            "set service.date to 2026-11-28 in case.yaml, bring the copies up to date") in refresh_line(refused.err)
    assert not list((folder / "out").glob("*.eml"))
    # served today as the case file says, the copy made again, approved and built: it goes
    data["service"]["date"] = TODAY
    write_case(folder, data)
    assert run("edit", folder, "01-request-letter", "--refresh").code == 0
    approve_case(folder)
    assert run("build", folder, "-q").code == 0
    drafted = run("email", folder)
    assert drafted.code == 0, drafted.err


def refresh_line(err: str) -> str:
    return " ".join(err.split())


def test_the_web_apps_case_page_shows_the_stale_copy(run, tmp_path):
    from starlette.testclient import TestClient

    from assembler.web.app import Config, create_app
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    _move_hearing_and_serve_by_email(folder, data)
    c = TestClient(create_app(Config(folder.parent, "t0ken")), base_url="http://127.0.0.1:8765", follow_redirects=False)
    c.get("/?token=t0ken")
    page = c.get("/case/c")
    assert page.status_code == 200
    assert "edits/01-request-letter.docx is out of date" in page.text
    assert "hearing date: June 15, 2027 -&gt; June 15, 2028" in page.text


# --- the record itself ------------------------------------------------------------------------------

def _letter_record(folder):
    from assembler.api import case_settings, validate_case
    case = validate_case(folder)
    [found] = edits.examine_case(case, case_settings(folder))
    return found


def test_a_long_text_is_named_without_its_values(run, tmp_path):
    folder, data = _cases(tmp_path)
    data["request"]["facts"] = "Long. " * 40
    write_case(folder, data)
    assert run("edit", folder, "01-request-letter").code == 0
    data["request"]["facts"] = "Longer. " * 40
    write_case(folder, data)
    assert [str(c) for c in _letter_record(folder).changes] == ["statement of facts: changed"]


def test_a_copy_made_by_an_earlier_pdpacket_is_compared_the_earlier_way(run, tmp_path):
    """Its record hashes each top-level name's fields whether printed or not (no format, no values):
    still compared, named in plain words without values, bookkeeping left out."""
    folder, data = _cases(tmp_path)
    assert run("edit", folder, "01-request-letter").code == 0
    copy = folder / "edits" / "01-request-letter.docx"
    from assembler.api import case_settings, validate_case
    from assembler.documents.check import template_names
    from assembler.documents.context import build_context
    from assembler.documents.plan import plan
    from assembler.resources import templates_dir
    case = validate_case(folder)
    _, tabs = plan(case.data, case.dir, [])
    context = build_context(case.data, case.office, tabs, case_settings(folder).decide_days)
    old = edits.legacy_fields(context, template_names(templates_dir() / "letter.docx"))
    edits.record_input(copy, edits.Record(used=old))
    _strip_format(copy)
    assert edits.read_input(copy).legacy
    assert _letter_record(folder).current
    _move_hearing_and_serve_by_email(folder, data)
    named = [str(c) for c in _letter_record(folder).changes]
    assert named == ["next hearing: changed", "service e-mail address: changed", "service: changed",
                     "service address: changed"]


def _strip_format(docx):
    import zipfile
    with zipfile.ZipFile(docx) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    members["docProps/custom.xml"] = re.sub(rb'<property [^>]*name="pdpacket:format"[^>]*>.*?</property>', b"",
                                            members["docProps/custom.xml"])
    with zipfile.ZipFile(docx, "w") as z:
        for name, blob in members.items():
            z.writestr(name, blob)


def test_a_batch_validation_warns_and_its_strict_run_refuses_the_stale_copy(run, tmp_path):
    folder, data = _cases(tmp_path)
    _settings(folder.parent, verified_on="2026-11-01")
    data["forms"] = [{"kind": "g28", "file": "g28.pdf"}]
    make_pdf(folder / "g28.pdf")
    write_case(folder, data)
    assert run("edit", folder, "01-request-letter").code == 0
    out = tmp_path / "out"
    assert run("batch", folder.parent, "-o", out, "--validate-only", "--strict", "-q").code == 0  # no warning
    _move_hearing_and_serve_by_email(folder, data)
    checked = run("batch", folder.parent, "-o", out, "--validate-only", "-q")
    report = json.loads((out / "batch-report.json").read_text())["cases"][0]
    assert checked.code == 0 and report["status"] == "valid"
    assert any(PLAIN in p for p in report["problems"]), report
    for how in (["--validate-only"], []):  # a strict build stops before LibreOffice starts
        strict = run("batch", folder.parent, "-o", out, "--strict", "-q", *how)
        report = json.loads((out / "batch-report.json").read_text())["cases"][0]
        assert strict.code != 0 and report["status"] == "invalid", how
        assert [p for p in report["problems"] if "warning" in p] == [
            p for p in report["problems"] if PLAIN in p], report


def test_the_commands_edit_suggests_are_quoted_for_the_shell(run, tmp_path):
    import shlex
    folder, data = _cases(tmp_path)
    folder = folder.rename(folder.parent / "Pineda Castro O'Neil")
    assert run("edit", folder, "01-request-letter").code == 0
    _move_hearing_and_serve_by_email(folder, data)
    for args in (("edit", folder, "01-request-letter"), ("validate", folder)):
        err = " ".join(run(*args).err.split())
        [shown] = re.findall(r"`(pdpacket edit [^`]*)`", err)
        assert shlex.split(shown) == ["pdpacket", "edit", str(folder), "01-request-letter", "--refresh"], args


@pytest.mark.libreoffice
@pytest.mark.parametrize("command", ["email", "send"])
def test_the_settings_file_named_by_a_relative_path_is_the_same_file(run, tmp_path, monkeypatch, command):
    # Seen by a new paralegal: built with the settings file found beside the case, then `send --settings
    # cases/pdpacket.yaml` refused, exit 13: "the exhibit file /.../cases/g28-stand-in.pdf, the exhibit
    # file cases/g28-stand-in.pdf changed since it was built": one file, spelled two ways.
    root = tmp_path / "cases"
    shutil.copytree(SAMPLES / "2-pierre-louis-detained", root / "c")
    shutil.copy(SAMPLES / "pdpacket.yaml", root)
    shutil.copy(SAMPLES / "g28-stand-in.pdf", root)
    monkeypatch.chdir(tmp_path)
    assert run("build", "-q", "cases/c").code == 0
    # Sample 2 is an unapproved draft awaiting signatures in ink: `send` gets past the check of the inputs to
    # the send gate (exit 15, test_approval.py), and `email` writes only the internal unsigned draft.
    extra = ["--dry-run"] if command == "send" else ["--unsigned-draft"]
    result = run(command, "cases/c", "--settings", "cases/pdpacket.yaml", *extra)
    assert "changed since it was built" not in result.err
    assert result.code == (ExitCode.not_ready if command == "send" else 0), result.err
