"""The ledger: rows written whole by parallel processes, damaged files refused and never replaced,
and `pdpacket log` / `pdpacket status` over a cases folder (no build needed)."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys

import pytest
import yaml

from assembler.errors import ExitCode
from assembler.send.ledger import Event, Ledger, LedgerError
from helpers import REPO, minimal, write_case


def _cases(tmp_path, monkeypatch, **cases):
    """A cases folder holding pdpacket.yaml and the given cases; the ledger at its default place."""
    monkeypatch.delenv("PDPACKET_LEDGER")
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump({"follow_up": {"after_days": 30, "hearing_days": 21}}))
    for name, data in cases.items():
        write_case(folder / name, data)
    return folder


def test_parallel_processes_lose_no_row(tmp_path):
    db = tmp_path / "pdpacket.db"
    writer = (
        "import sys; from pathlib import Path\n"
        "from assembler.send.ledger import Event, Ledger\n"
        "n = int(sys.argv[2])\n"
        "for i in range(25):\n"
        "    with Ledger.open(Path(sys.argv[1])) as ledger:\n"
        "        ledger.record(Event(f'A{n:03d}{i:06d}', f'case{n}', 'build', '2026-11-28', message_ids=[str(i)]))\n")
    env_path = {"PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(db), str(n)], env={**env_path, "PATH": ""})
             for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with Ledger.open(db) as ledger:
        events = ledger.events()
    assert len(events) == 100
    assert len({e.a_number for e in events}) == 100
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("content", [b"not a database at all\n", b"SQLite format 3\x00" + b"\xff" * 5000])
def test_a_damaged_ledger_is_an_error_and_stays_as_it_was(run, tmp_path, monkeypatch, content):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    (folder / "pdpacket.db").write_bytes(content)
    result = run("log", folder / "c", "--sent", "--method", "mail")
    assert result.code == ExitCode.input_file
    assert f"{folder / 'pdpacket.db'}: the ledger is damaged" in result.err
    assert "never replaces it" in result.err and "Traceback" not in result.err
    assert (folder / "pdpacket.db").read_bytes() == content


def test_another_programs_database_is_not_taken_for_a_ledger(tmp_path):
    db = tmp_path / "other.db"
    sqlite3.connect(db).execute("CREATE TABLE notes (x)")
    with pytest.raises(LedgerError) as exc:
        Ledger.open(db)
    assert "not a pdpacket ledger" in exc.value.message


def test_a_ledger_whose_folder_is_missing_is_not_created_elsewhere(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump({"ledger": {"path": "../shared-drive/pdpacket.db"}}))
    result = run("log", folder / "c", "--sent", "--method", "hand")
    assert result.code == ExitCode.input_file
    assert "the ledger's folder does not exist" in result.err
    assert not (tmp_path / "shared-drive").exists()


def test_a_new_ledger_is_announced(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    first = run("log", folder / "c", "--sent", "--method", "portal", "--date", "2026-11-02")
    second = run("log", folder / "c", "--response", "granted", "--date", "2026-11-20")
    assert first.code == 0 and second.code == 0
    assert f"started a new ledger: {folder / 'pdpacket.db'}" in first.err
    assert "new ledger" not in second.err
    with Ledger.open(folder / "pdpacket.db") as ledger:
        kinds = [(e.kind, e.day, e.method, e.outcome, e.case_path) for e in ledger.events("A087654321")]
    assert kinds == [("sent-other", "2026-11-02", "portal", None, "c"), ("response", "2026-11-20", None, "granted", "c")]


def test_a_decision_file_is_copied_into_the_case_folder(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    decision = tmp_path / "decision.pdf"
    decision.write_bytes(b"%PDF-1.4 the office agrees")
    result = run("log", folder / "c", "--response", "partial", "--date", "2026-11-20", "--note", "closure only",
                 "--file", decision)
    assert result.code == 0, result.err
    kept = folder / "c" / "responses" / "2026-11-20_partial_decision.pdf"
    assert kept.read_bytes() == decision.read_bytes()
    with Ledger.open(folder / "pdpacket.db") as ledger:
        [event] = ledger.events()
    assert (event.file, event.note) == ("responses/2026-11-20_partial_decision.pdf", "closure only")


def test_log_needs_one_kind_of_event(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    assert run("log", folder / "c").code == ExitCode.usage
    assert run("log", folder / "c", "--sent").code == ExitCode.usage
    assert not (folder / "pdpacket.db").exists()


# --- status ------------------------------------------------------------------------------

def _status(run, folder, *flags):
    result = run("status", folder, *flags)
    assert result.code == 0, result.err
    return result


def test_status_lists_every_case_most_urgent_first(run, tmp_path, monkeypatch):
    # Today is pinned to 2026-11-28 (conftest).
    folder = _cases(
        tmp_path, monkeypatch,
        answered=minimal(**{"respondent.a_number": "A111111111"}),
        waiting=minimal(**{"respondent.a_number": "A222222222"}),
        overdue=minimal(**{"respondent.a_number": "A333333333"}),
        hearing_close=minimal(**{"respondent.a_number": "A444444444",
                                 "proceedings.next_hearing": {"date": "2026-12-10", "type": "master"}}),
        detained=minimal(**{"respondent.a_number": "A555555555", "respondent.detained": True,
                            "respondent.detention_facility": "Broadview Processing Center",
                            "respondent.detained_since": "2026-10-08"}),
    )
    log = {"answered": ("2026-09-01", "granted"), "waiting": ("2026-11-20", None), "overdue": ("2026-10-01", None),
           "hearing_close": ("2026-11-25", None)}
    for name, (sent, answer) in log.items():
        assert run("log", folder / name, "--sent", "--method", "mail", "--date", sent).code == 0
        if answer:
            assert run("log", folder / name, "--response", answer, "--date", "2026-10-15").code == 0
    rows = json.loads(_status(run, folder, "--json").out)["cases"]
    assert [r["case"] for r in rows] == ["detained", "overdue", "hearing_close", "waiting", "answered"]
    by = {r["case"]: r for r in rows}
    assert by["detained"]["due"] == "build and send the request" and by["detained"]["detained"] is True
    assert by["overdue"]["due"] == "follow up: no answer 58 days after sending"
    assert by["hearing_close"]["due"] == "hearing in 12 days and no answer; no answer yet (follow up on 2026-12-25)"
    assert by["waiting"]["due"] == "no answer yet (follow up on 2026-12-20)"
    assert (by["answered"]["response"], by["answered"]["due"]) == ("granted", "")
    assert (by["waiting"]["sent"], by["waiting"]["method"]) == ("2026-11-20", "mail")


def test_a_granted_request_before_a_hearing_to_come_asks_for_the_court_papers(run, tmp_path, monkeypatch):
    # the CLI and web walk-throughs: "granted", then "due: nothing" above a hearing still on the calendar
    folder = _cases(tmp_path, monkeypatch, c=minimal(**{"proceedings.next_hearing": {"date": "2027-03-09", "type": "master"}}))
    assert run("log", folder / "c", "--sent", "--method", "mail", "--date", "2026-11-02").code == 0
    assert run("log", folder / "c", "--response", "granted", "--date", "2026-11-20").code == 0
    [row] = json.loads(_status(run, folder, "--json").out)["cases"]
    assert row["due"].startswith("the office agreed: prepare the court papers for the hearing on 2027-03-09")
    assert f"pdpacket court {folder / 'c'}" in row["due"]  # the folder's path: pasted anywhere, it works
    (folder / "c" / "out").mkdir()
    (folder / "c" / "out" / "court-manifest.json").write_text("{}")  # what `pdpacket court` leaves
    [row] = json.loads(_status(run, folder, "--json").out)["cases"]
    assert row["due"].startswith("the office agreed: the court papers were prepared on 2026-")
    assert f"(in {folder / 'c' / 'out'}): the attorney files them with the court before the hearing on 2027-03-09" \
        in row["due"] and "pdpacket court" not in row["due"]


def test_status_follows_the_settings_and_prints_csv_and_text(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    (folder / "pdpacket.yaml").write_text(yaml.safe_dump({"follow_up": {"after_days": 5}}))
    assert run("log", folder / "c", "--sent", "--method", "hand", "--date", "2026-11-20").code == 0
    rows = list(csv.DictReader(io.StringIO(_status(run, folder, "--csv").out)))
    assert rows[0]["due"] == "follow up: no answer 8 days after sending" and rows[0]["due_on"] == "2026-11-25"
    text = _status(run, folder).out
    assert "c: A087654321; not built; sent 2026-11-20 by hand; no answer; no hearing set" in text


def test_status_without_a_ledger_still_lists_and_creates_nothing(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal(), broken={"respondent": {}})
    result = _status(run, folder)
    assert f"no ledger yet at {folder / 'pdpacket.db'}" in result.err
    assert "broken: ; not built" in result.out and "fix the case data" in result.out
    assert not (folder / "pdpacket.db").exists()


def test_a_ledger_event_reads_back_as_written(tmp_path):
    with Ledger.open(tmp_path / "l.db") as ledger:
        written = ledger.record(Event("A123456789", "c", "send", "2026-11-28", "ab" * 32, ["<1@x.example>"],
                                      ["occ@office.example"], "email"))
        [read] = ledger.events("A123456789")
    assert read == written and read.user and read.at.endswith("+00:00")


# --- a ledger of the released version (schema 1): opened, migrated, read ----------------------------

# The CREATE statements of schema 1, as the released pdpacket ran them (send/ledger.py before messages
# were recorded one by one): its ledgers must open in every later version.
SCHEMA_1 = [
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, a_number TEXT NOT NULL, case_path TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('build', 'draft', 'send', 'sent-other', 'response')),
        at TEXT NOT NULL, day TEXT NOT NULL, user TEXT NOT NULL, filing_sha256 TEXT,
        message_ids TEXT NOT NULL DEFAULT '[]', recipients TEXT NOT NULL DEFAULT '[]',
        method TEXT, outcome TEXT, note TEXT, file TEXT, output TEXT)""",
    "CREATE INDEX events_case ON events (a_number, id)",
    "PRAGMA application_id = 1885630563",
    "PRAGMA user_version = 1",
]


def _ledger_of_schema_1(path):
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in SCHEMA_1:
        conn.execute(statement)
    conn.execute("PRAGMA journal_mode = WAL")
    rows = [("A087654321", "c", "build", "2026-11-01T10:00:00+00:00", "2026-11-01", "mm", "ab" * 32, "[]", "[]", None),
            ("A087654321", "c", "send", "2026-11-02T10:00:00+00:00", "2026-11-02", "mm", "ab" * 32,
             '["<1@x.example>", "<2@x.example>"]', '["pd@office.example"]', "email")]
    conn.executemany("INSERT INTO events (a_number, case_path, kind, at, day, user, filing_sha256, message_ids, "
                     "recipients, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()


def test_a_ledger_of_schema_1_opens_keeps_its_rows_and_takes_new_ones(tmp_path):
    db = tmp_path / "pdpacket.db"
    _ledger_of_schema_1(db)
    with Ledger.open(db) as ledger:
        assert not ledger.created
        build, send = ledger.events()
        ledger.record(Event("A087654321", "c", "send", "2026-11-28", "cd" * 32, ["<3@x.example>"], [], "email",
                            message_number=1, message_total=2, delivery="uncertain", send_round="r1"))
        *_, new = ledger.events()
    assert (build.kind, build.id, send.kind, send.id) == ("build", 1, "send", 2)
    assert send.message_ids == ["<1@x.example>", "<2@x.example>"] and send.user == "mm"
    assert (send.message_number, send.delivery, send.send_round) == (None, None, None)  # the whole filing went
    assert (new.id, new.message_number, new.message_total, new.delivery, new.send_round) == (3, 1, 2, "uncertain", "r1")
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    with pytest.raises(sqlite3.IntegrityError):  # the new column checks what it holds, as `kind` does
        conn.execute("INSERT INTO events (a_number, case_path, kind, at, day, user, delivery) "
                     "VALUES ('A1', 'c', 'send', 'x', 'x', 'u', 'maybe')")
    with pytest.raises(sqlite3.IntegrityError):  # the copied table still checks the kind of row
        conn.execute("INSERT INTO events (a_number, case_path, kind, at, day, user) "
                     "VALUES ('A1', 'c', 'approved?', 'x', 'x', 'u')")


def test_a_ledger_of_schema_3_gains_approved_at_and_keeps_its_rows(tmp_path):
    """Version 4 adds the column naming when the approval a sending rests on was given (send/dated.py)."""
    db = tmp_path / "pdpacket.db"
    with Ledger.open(db) as ledger:
        ledger.record(Event("A087654321", "c", "approve", "2026-11-27", "ab" * 32, approved_by="Daniel Okafor",
                            content_key="k1"))
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("ALTER TABLE events DROP COLUMN approved_at")  # the table as version 3 made it
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with Ledger.open(db) as ledger:
        ledger.record(Event("A087654321", "c", "send", "2026-11-28", "ab" * 32, approved_by="Daniel Okafor",
                            content_key="k1", approved_at="2026-11-27T16:00:00+00:00"))
        approve, send = ledger.events()
    assert (approve.id, approve.approved_by, approve.approved_at) == (1, "Daniel Okafor", None)
    assert (send.id, send.approved_at) == (2, "2026-11-27T16:00:00+00:00")
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 4


def test_a_ledger_of_schema_1_takes_approvals_after_its_migration_ids_kept(tmp_path):
    """Version 3 copies the table to allow `approve` rows: the old rows keep their ids and the next
    id follows the last one (AUTOINCREMENT's counter survives the copy)."""
    db = tmp_path / "pdpacket.db"
    _ledger_of_schema_1(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DELETE FROM events WHERE id = 2")  # the counter is ahead of the last row
    conn.close()
    with Ledger.open(db) as ledger:
        ledger.record(Event("A087654321", "c", "approve", "2026-11-28", "ab" * 32, approved_by="Daniel Okafor",
                            content_key="cd" * 32))
        build, approve = ledger.events()
    assert (build.id, build.kind, build.user) == (1, "build", "mm")
    assert (approve.id, approve.kind, approve.approved_by, approve.content_key) == (3, "approve", "Daniel Okafor",
                                                                                   "cd" * 32)
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")] == ["events_case"]


def test_parallel_processes_migrate_a_schema_1_ledger_once(tmp_path):
    db = tmp_path / "pdpacket.db"
    _ledger_of_schema_1(db)
    opener = ("import sys; from pathlib import Path\n"
              "from assembler.send.ledger import Event, Ledger\n"
              "with Ledger.open(Path(sys.argv[1])) as ledger:\n"
              "    ledger.record(Event('A087654321', 'c', 'send', '2026-11-28', message_number=int(sys.argv[2])))\n")
    procs = [subprocess.Popen([sys.executable, "-c", opener, str(db), str(n)],
                              env={"PYTHONPATH": str(REPO), "PATH": ""}) for n in range(1, 5)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with Ledger.open(db) as ledger:
        assert sorted(e.message_number or 0 for e in ledger.events()) == [0, 0, 1, 2, 3, 4]


def test_an_old_whole_send_still_counts_as_sent_in_status(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    _ledger_of_schema_1(folder / "pdpacket.db")
    [row] = json.loads(_status(run, folder, "--json").out)["cases"]
    assert (row["sent"], row["method"], row["delivery"]) == ("2026-11-02", "email", "")
    assert row["due"] == "no answer yet (follow up on 2026-12-02)"


def test_status_tells_of_a_request_sent_in_part(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, part=minimal(), possibly=minimal(**{"respondent.a_number": "A111111111"}))

    def send(a_number, case, number, delivery, day="2026-11-27"):
        ledger.record(Event(a_number, case, "send", day, "ab" * 32, [f"<{number}@x>"], ["pd@office.example"],
                            "email", message_number=number, message_total=7, delivery=delivery, send_round=case))
    with Ledger.open(folder / "pdpacket.db") as ledger:
        send("A087654321", "part", 1, "accepted")
        send("A087654321", "part", 2, "accepted", "2026-11-28")
        send("A111111111", "possibly", 1, "accepted")
        send("A111111111", "possibly", 2, "uncertain")
    rows = {r["case"]: r for r in csv.DictReader(io.StringIO(_status(run, folder, "--csv").out))}
    assert rows["part"]["delivery"] == ("messages 1-2 of 7 were sent between 2026-11-27 and 2026-11-28; "
                                        "messages 3-7 of 7 not sent")
    assert rows["part"]["sent"] == "" and rows["part"]["due"].startswith("send the rest: `pdpacket send`")
    assert rows["possibly"]["delivery"] == (
        "message 1 of 7 was sent on 2026-11-27; message 2 of 7 is possibly sent on 2026-11-27 (the connection ended "
        "before the server confirmed it): check the mailbox; messages 3-7 of 7 not sent")
    assert rows["possibly"]["due"].startswith("possibly sent: check the mailbox, then `pdpacket send --possibly-sent")
    text = _status(run, folder).out
    assert "possibly: A111111111; not built; sent in part; no answer" in text
    assert "    sent in part: message 1 of 7 was sent on 2026-11-27; message 2 of 7 is possibly sent" in text


@pytest.mark.parametrize("flags", [("--sent", "--method", "mail"), ("--response", "granted")])
def test_log_refuses_a_date_in_the_future(run, tmp_path, monkeypatch, flags):
    # Today is pinned to 2026-11-28 (conftest): the 29th has not happened yet; the 28th has.
    folder = _cases(tmp_path, monkeypatch, c=minimal())
    decision = tmp_path / "decision.pdf"
    decision.write_bytes(b"%PDF-1.4 the office agrees")
    extra = ("--file", decision) if "--response" in flags else ()
    result = run("log", folder / "c", *flags, "--date", "2026-11-29", *extra)
    # a service date given at sending is the case's service.date (send/dated.py); an answer's is an option's
    assert result.code == (ExitCode.invalid_case if "--sent" in flags else ExitCode.usage)
    assert "--date 2026-11-29 is in the future (today is 2026-11-28)" in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert not (folder / "pdpacket.db").exists() and not (folder / "c" / "responses").exists()
    assert run("log", folder / "c", *flags, "--date", "2026-11-28").code == 0


# --- a case is its A-number and its folder ----------------------------------------------------------

def _built_sent_and_answered(run, folder, name):
    """A case with a build (its manifest in out/, its ledger row), sent by mail and granted."""
    out = folder / name / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"filing": {"file": "filing.pdf", "sha256": "ab" * 32}}))
    with Ledger.open(folder / "pdpacket.db") as ledger:
        ledger.record(Event("A087654321", name, "build", "2026-11-02", "ab" * 32, output=str(out.resolve())))
    assert run("log", folder / name, "--sent", "--method", "mail", "--date", "2026-11-03").code == 0
    assert run("log", folder / name, "--response", "granted", "--date", "2026-11-20").code == 0


def test_a_copied_case_folder_does_not_inherit_the_history_of_the_one_it_was_copied_from(run, tmp_path, monkeypatch):
    import shutil
    folder = _cases(tmp_path, monkeypatch, original=minimal())
    _built_sent_and_answered(run, folder, "original")
    shutil.copytree(folder / "original", folder / "copy")
    by = {r["case"]: r for r in json.loads(_status(run, folder, "--json").out)["cases"]}
    assert (by["original"]["built"], by["original"]["sent"], by["original"]["response"]) == (
        "2026-11-02", "2026-11-03", "granted")
    assert (by["copy"]["built"], by["copy"]["sent"], by["copy"]["response"]) == ("", "", "")
    assert by["copy"]["due"] == "build and send the request"
    [line] = [x for x in _status(run, folder / "copy").out.splitlines() if x.startswith("copy:")]
    assert "not built; not sent; no answer" in line
    # what the copy records is its own; the original's history stays the original's
    assert run("log", folder / "copy", "--sent", "--method", "hand", "--date", "2026-11-27").code == 0
    by = {r["case"]: r for r in json.loads(_status(run, folder, "--json").out)["cases"]}
    assert (by["copy"]["sent"], by["copy"]["method"], by["copy"]["response"]) == ("2026-11-27", "hand", "")
    assert (by["original"]["sent"], by["original"]["method"]) == ("2026-11-03", "mail")


def test_a_moved_case_folder_keeps_its_history(run, tmp_path, monkeypatch):
    folder = _cases(tmp_path, monkeypatch, before=minimal())
    _built_sent_and_answered(run, folder, "before")
    (folder / "before").rename(folder / "after")
    [row] = json.loads(_status(run, folder, "--json").out)["cases"]
    assert (row["case"], row["sent"], row["method"], row["response"]) == ("after", "2026-11-03", "mail", "granted")
