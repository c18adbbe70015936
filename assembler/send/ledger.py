"""The ledger: one SQLite row per event (build, draft, send, sent by other means, response).

It lives in the cases folder (`pdpacket.db` beside the firm's `pdpacket.yaml`)
unless the settings or PDPACKET_LEDGER name another file. WAL mode and a busy
timeout let several paralegals record at once; every event is one INSERT, so
a row is written whole or not at all. A file that is not a pdpacket ledger, or
a damaged one, is an error and is never replaced; a missing one is started
anew only where its folder exists, and the caller says so.
"""
from __future__ import annotations

import getpass
import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assembler.errors import InputFileError

if TYPE_CHECKING:  # a type only: the settings' module brings Cerberus, python-docx and the schemas (0.4 s)
    from assembler.casefile.settings import Settings

FILE_NAME = "pdpacket.db"
APP_ID = 0x70647063  # "pdpc": marks the file as a pdpacket ledger
VERSION = 4  # 2: a send row per numbered message (message_number, message_total, delivery, send_round); 3: approvals;
# 4: approved_at, so a send or draft row names the approval it rests on (approved_by, approved_at, content_key)
BUSY_SECONDS = 30


class Kind:
    build = "build"
    draft = "draft"
    send = "send"
    sent_other = "sent-other"  # portal, mail, hand, fax: recorded with `pdpacket log --sent`
    response = "response"
    approve = "approve"  # the attorney approved a build (`pdpacket approve`): approved_by, content_key


KINDS = (Kind.build, Kind.draft, Kind.send, Kind.sent_other, Kind.response, Kind.approve)
OUTCOMES = ("granted", "denied", "partial", "no-response")


class Delivery:
    """What became of one numbered message of a `send` row (send/delivery.py reads them)."""

    accepted = "accepted"  # the server answered 250 to it
    uncertain = "uncertain"  # handed over whole, final "." included, and no answer came: possibly sent
    confirmed = "confirmed"  # possibly sent, then the user said it arrived (send --possibly-sent arrived)


DELIVERIES = (Delivery.accepted, Delivery.uncertain, Delivery.confirmed)
METHODS = ("email", "portal", "mail", "hand", "eservice", "fax")

# Version 2's columns, added to a version 1 ledger as it is (ALTER TABLE keeps its rows and ids); a
# send row of version 1 has none of them: one row for every message of the filing, all accepted.
_added_in_2 = [
    "ALTER TABLE events ADD COLUMN message_number INTEGER",  # 1 of message_total; NULL: the whole filing
    "ALTER TABLE events ADD COLUMN message_total INTEGER",
    f"ALTER TABLE events ADD COLUMN delivery TEXT CHECK (delivery IN ({', '.join(repr(d) for d in DELIVERIES)}))",
    "ALTER TABLE events ADD COLUMN send_round TEXT",  # the send rows of one sending and its retries share it
]


def _table(name: str, kinds: tuple[str, ...]) -> str:
    """The events table as version 3 has it (version 1's columns, then those added since)."""
    return f"""CREATE TABLE {name} (
        id INTEGER PRIMARY KEY AUTOINCREMENT, a_number TEXT NOT NULL, case_path TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ({", ".join(f"'{k}'" for k in kinds)})),
        at TEXT NOT NULL, day TEXT NOT NULL, user TEXT NOT NULL, filing_sha256 TEXT,
        message_ids TEXT NOT NULL DEFAULT '[]', recipients TEXT NOT NULL DEFAULT '[]',
        method TEXT, outcome TEXT, note TEXT, file TEXT, output TEXT,
        message_number INTEGER, message_total INTEGER,
        delivery TEXT CHECK (delivery IN ({', '.join(repr(d) for d in DELIVERIES)})), send_round TEXT,
        approved_by TEXT, content_key TEXT, approved_at TEXT)"""


_INDEX = "CREATE INDEX events_case ON events (a_number, id)"
# Version 3 adds a kind of row (`approve`): SQLite cannot change a CHECK constraint, so the table is
# copied into a new one, every row and id kept (the rows' order and AUTOINCREMENT's counter too).
_COLUMNS_2 = ("id, a_number, case_path, kind, at, day, user, filing_sha256, message_ids, recipients, method, "
              "outcome, note, file, output, message_number, message_total, delivery, send_round")
_to_3 = [
    _table("events_3", KINDS),
    f"INSERT INTO events_3 ({_COLUMNS_2}) SELECT {_COLUMNS_2} FROM events ORDER BY id",
    "DELETE FROM sqlite_sequence WHERE name = 'events_3'",
    "UPDATE sqlite_sequence SET name = 'events_3' WHERE name = 'events'",
    "DROP TABLE events",
    "ALTER TABLE events_3 RENAME TO events",
    _INDEX,
]

# Version 4's column: added as it is (a ledger copied to version 3 by this pdpacket has it already).
_ADDED_IN_4 = ("approved_at", "ALTER TABLE events ADD COLUMN approved_at TEXT")

# What each column holds: see Event. The ids of one case's events grow with time.
_SCHEMA = [
    _table("events", KINDS),
    _INDEX,
    f"PRAGMA application_id = {APP_ID}",
    f"PRAGMA user_version = {VERSION}",
]


class LedgerError(InputFileError):
    """The ledger cannot be used: damaged, not a ledger, or its folder is missing (exit 5)."""


@dataclass
class Event:
    """One row. `case_path`: the case folder, relative to the ledger's folder when inside it; `at`: when
    it was recorded (UTC); `day`: when it happened (`log --date`); `file`: a filing, draft or decision."""

    a_number: str
    case_path: str
    kind: str
    day: str
    filing_sha256: str | None = None
    message_ids: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    method: str | None = None
    outcome: str | None = None
    note: str | None = None
    file: str | None = None
    output: str | None = None
    message_number: int | None = None
    message_total: int | None = None
    delivery: str | None = None
    send_round: str | None = None
    approved_by: str | None = None  # an `approve` row: the attorney's name as given (--as); a send or draft
    content_key: str | None = None  # row: the approval it rests on; the inputs approved (pdf/approval.py); a build
    # row: the key of the inputs it was built from (send/dated.py finds when a text was first built by it)
    approved_at: str | None = None  # a send, draft or sent-other row: when that approval was given
    user: str = ""
    at: str = ""
    id: int = 0


def ledger_path(settings: Settings, cases_folder: Path) -> Path:
    env = os.environ.get("PDPACKET_LEDGER")
    if env:
        return Path(env)
    return settings.ledger_path or cases_folder / FILE_NAME


def current_user() -> str:
    try:
        return os.environ.get("PDPACKET_USER") or getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return f"uid {os.getuid()}"


class Ledger:
    """An open ledger. `Ledger.open(path)` checks it; `created` tells whether it was started now."""

    def __init__(self, path: Path, conn: sqlite3.Connection, created: bool):
        self.path, self.conn, self.created = path, conn, created

    @classmethod
    def open(cls, path: Path, create: bool = True) -> Ledger | None:
        """The ledger at `path`; None when it does not exist and `create` is false."""
        exists = path.exists()
        if exists and not path.is_file():
            raise LedgerError(f"{path}: the ledger's place holds a folder, not a file: rename it, or set "
                              "ledger.path in the settings")
        if not exists:
            if not create:
                return None
            if not path.parent.is_dir():
                raise LedgerError(f"{path}: the ledger's folder does not exist (a drive not mounted?): connect it, "
                                  "or correct ledger.path in the settings")
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode={'rw' if exists else 'rwc'}", uri=True,
                                   timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"{path}: the ledger cannot be opened ({exc}): check the file's permissions") from exc
        try:
            created = _prepare(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _damaged(path, exc) from exc
        except LedgerError as exc:
            conn.close()
            raise LedgerError(f"{path}: {exc.message}") from exc
        return cls(path, conn, created)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, event: Event) -> Event:
        event.user = event.user or current_user()
        event.at = event.at or datetime.now(UTC).isoformat(timespec="seconds")
        row = asdict(event)
        row.pop("id")
        row["message_ids"], row["recipients"] = json.dumps(event.message_ids), json.dumps(event.recipients)
        try:
            cur = self.conn.execute(f"INSERT INTO events ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                    list(row.values()))
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc, writing=True) from exc
        event.id = int(cur.lastrowid or 0)
        return event

    def events(self, a_number: str | None = None) -> list[Event]:
        query = "SELECT * FROM events" + (" WHERE a_number = ?" if a_number else "") + " ORDER BY id"
        try:
            cur = self.conn.execute(query, [a_number] if a_number else [])
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from exc
        for r in rows:
            r["message_ids"], r["recipients"] = json.loads(r["message_ids"]), json.loads(r["recipients"])
        return [Event(**r) for r in rows]


    def case_events(self, a_number: str, case_dir: Path) -> CaseEvents:
        """The events of one case: its A-number *and* its folder, so a copied folder (a new client's case
        started from an old one, a backup) does not inherit the history of the one it was copied from.
        A row belongs to `case_dir` when its `case_path` names that folder (the same spelling, or the same
        folder by another path: a symlink, a drive's other letter case), or names a folder that no longer
        exists: the case was moved or renamed, and its history moves with it. No schema change: every
        ledger has kept `case_path` since its first version."""
        mine: list[Event] = []
        others: list[Event] = []
        for e in self.events(a_number):
            (mine if _names(self.path.parent, e.case_path, case_dir) else others).append(e)
        return CaseEvents(mine, others)


@dataclass
class CaseEvents:
    """A case's own events, and those recorded for the same A-number from another case folder."""

    own: list[Event]
    elsewhere: list[Event]

    def built_elsewhere(self, filing_sha256: str | None) -> bool:
        """Whether this filing was built from another case folder (its out/ came with a copied folder)."""
        return bool(filing_sha256) and any(e.kind == Kind.build and e.filing_sha256 == filing_sha256
                                           for e in self.elsewhere) \
            and not any(e.kind == Kind.build and e.filing_sha256 == filing_sha256 for e in self.own)


def _names(base: Path, case_path: str, case_dir: Path) -> bool:
    """Whether a row's `case_path` (relative to the ledger's folder, or absolute) is `case_dir`, or a folder
    that is gone (moved: the row follows the case)."""
    recorded = Path(case_path)
    recorded = recorded if recorded.is_absolute() else base / recorded
    if not recorded.is_dir():
        return True
    try:
        return recorded.resolve() == case_dir.resolve() or os.path.samefile(recorded, case_dir)
    except OSError:
        return False


def _prepare(conn: sqlite3.Connection) -> bool:
    """Check (or, for an empty file, set up) the ledger; True when it was set up now."""
    created = False
    conn.execute("BEGIN IMMEDIATE")  # two first users at once: the second waits, then finds it set up
    try:
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app == 0 and not tables:
            for statement in _SCHEMA:
                conn.execute(statement)
            created = True
        elif app != APP_ID or "events" not in tables:
            raise LedgerError("this file is not a pdpacket ledger (another program's database?): move it away, "
                              "or set ledger.path in the settings to another file")
        elif conn.execute("PRAGMA user_version").fetchone()[0] < VERSION:
            _migrate(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if conn.execute("PRAGMA user_version").fetchone()[0] > VERSION:
        raise LedgerError("the ledger was written by a newer pdpacket: upgrade pdpacket")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise sqlite3.DatabaseError(check)
    return created


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an older ledger up to VERSION, inside _prepare's transaction (a second pdpacket opening it
    meanwhile waits, then finds it done). pdpacket versions before it then refuse the file: upgrade them."""
    if conn.execute("PRAGMA user_version").fetchone()[0] < 2:
        for statement in _added_in_2:
            conn.execute(statement)
    if conn.execute("PRAGMA user_version").fetchone()[0] < 3:
        for statement in _to_3:
            conn.execute(statement)
    column, statement = _ADDED_IN_4
    if column not in {r[1] for r in conn.execute("PRAGMA table_info(events)")}:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {VERSION}")


def _damaged(path: Path, exc: Exception, writing: bool = False) -> LedgerError:
    if writing and isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return LedgerError(f"{path}: the ledger stayed locked for {BUSY_SECONDS} s (another pdpacket still "
                           "writing?): try again; nothing was recorded")
    return LedgerError(f"{path}: the ledger is damaged or not a pdpacket ledger ({exc}): restore it from a backup "
                       "(or move it away to start a new one); pdpacket never replaces it")
