"""The sending commands, end to end: drafts, send, log, and the ledger rows they leave.

api.py exposes these; the CLI only parses and prints.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from email.utils import format_datetime, localtime, make_msgid
from pathlib import Path

from assembler import atomic
from assembler.casefile.case import Case, case_settings, today
from assembler.casefile.settings import Settings
from assembler.documents.edits import stale_in_manifest
from assembler.errors import ExitCode, FilingCheckError, OutputError, PdpacketError, UsageError, command
from assembler.files import sha256
from assembler.options import NO_OPTIONS, BuildOptions, CommandOptions
from assembler.pdf import approval, preflight
from assembler.send import dated, delivery, draft, gate, office
from assembler.send.built import Built, content_key, load_built
from assembler.send.ledger import Delivery, Event, Kind, Ledger, LedgerError, ledger_path
from assembler.validate import validate_case


class NotSentError(PdpacketError):
    """pdpacket refused to send: the filing is out of date, or the case was already sent."""

    exit_code = ExitCode.not_sent


@dataclass
class Context:
    case: Case
    settings: Settings
    notes: list[str] = field(default_factory=list)  # for stderr: a new ledger started, stale inputs...
    cases_folder: Path | None = None  # where the ledger is looked for (default: the folder holding the case)
    options: CommandOptions = NO_OPTIONS  # as the command was given them: a filing dated anew is built with them

    @classmethod
    def load(cls, case_path: Path, options: CommandOptions, strict: bool = False) -> Context:
        settings = case_settings(Path(case_path), options)  # read once: validation uses them too
        return cls(validate_case(Path(case_path), options, strict, settings), settings, options=options)

    @property
    def a_number(self) -> str:
        return self.case.respondent.a_number

    def ledger(self, announce: bool = True) -> Ledger:
        """The ledger, started if missing; `announce` says so on stderr (a build starts one quietly:
        its output is the filing, and scripts read its stderr for problems)."""
        opened = Ledger.open(ledger_path(self.settings, self.cases_folder or self.case.dir.parent), create=True)
        assert opened is not None
        if opened.created and announce:
            self.notes.append(f"started a new ledger: {opened.path}")
        return opened

    def record(self, event: Event, announce: bool = True) -> Event:
        with self.ledger(announce) as ledger:
            event.case_path = shown(self.case.dir, ledger.path.parent)
            return ledger.record(event)

    def event(self, kind: str, **fields) -> Event:
        return Event(self.a_number, "", kind, fields.pop("day", None) or today().isoformat(), **fields)

    def own_events(self) -> list[Event]:
        """The case's ledger rows, the ledger only read (none yet: no rows)."""
        opened = Ledger.open(ledger_path(self.settings, self.cases_folder or self.case.dir.parent), create=False)
        if opened is None:
            return []
        with opened as ledger:
            return ledger.case_events(self.a_number, self.case.dir).own

    def approval_fields(self, templates_dir: Path | None = None) -> dict:
        """The approval a filing sent (or drafted) rests on, for its ledger rows; {} when none holds."""
        found = approval.state(self.case, self.settings, templates_dir)
        if not found.current or found.approval is None:
            return {}
        return {k: found.approval.get(k) for k in ("approved_by", "approved_at", "content_key")}


def shown(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


# --- builds --------------------------------------------------------------------------

def record_build(ctx: Context, filing: Path, templates_dir: Path | None = None) -> None:
    """The hook called after a build (not a stage of it): one `build` row, and the manifest's content_key."""
    manifest = json.loads((filing.parent / "manifest.json").read_text(encoding="utf-8"))
    manifest["content_key"] = content_key(ctx.case, ctx.settings, templates_dir)
    _write_manifest(filing.parent, manifest)
    ctx.record(ctx.event(Kind.build, filing_sha256=manifest["filing"]["sha256"], content_key=manifest["content_key"],
                         file=shown(filing, ctx.case.dir), output=str(filing.parent.resolve())), announce=False)
    if (manifest.get("approval") or {}).get("state") == "draft":  # the filing's build, not the court papers'
        state = approval.state(ctx.case, ctx.settings, templates_dir)
        if state.approval is not None:  # stale: say what changed (a case never approved is a draft, quietly)
            ctx.notes.append(f"{filing.name}: {state.line()}")


# --- the service date -----------------------------------------------------------------

def served_on(ctx: Context, built: Built, day: date, templates_dir: Path | None = None,
              note: str | None = None) -> Built:
    """The built filing dated `day` (dated.py): the same when it says that day, else built again from the
    case with that service date (the case file untouched) into the same folder, recorded as a build, and
    `note` (else dated.rebuilt_note) said. From here on `ctx.case` is the case as served on `day`."""
    served = dated.dated(ctx.case, day)
    if dated.needs_dating(built, day) or built.changed:
        from assembler import drive

        if dated.hand_edited(built):
            raise NotSentError(f"{built.filing.name}: not sent: {dated.hand_edited_refusal(built, ctx.case, day)}")

        templates_dir = templates_dir or getattr(ctx.options, "templates_dir", None)
        how = BuildOptions(settings_file=ctx.options.settings_file, templates_dir=templates_dir,
                           split_parts=bool(built.manifest.get("parts")))
        note = note or dated.rebuilt_note(built, ctx.case, day)
        result = drive.build_filing(served, ctx.settings, built.out, how)
        ctx.case = served
        record_build(ctx, result.filing, templates_dir)
        ctx.notes.append(note)
        built = load_built(served, ctx.settings, built.out, templates_dir)
        _require_current_edits(ctx, built)  # a copy edited by hand keeps the date it was edited with
    ctx.case = served
    return built


# --- drafts --------------------------------------------------------------------------

@dataclass
class Drafts:
    files: list[Path]
    recipients: list[str]
    notes: list[str]


def write_drafts(case_path: Path, out: Path | None = None, options: CommandOptions = NO_OPTIONS,
                 when: str | date | None = None, templates_dir: Path | None = None,
                 unsigned_draft: bool = False) -> Drafts:
    ctx = Context.load(case_path, options)
    return drafts_for(ctx, Path(out) if out else ctx.case.dir / "out", when, templates_dir, unsigned_draft)


def drafts_for(ctx: Context, out: Path, when: str | date | None = None, templates_dir: Path | None = None,
               unsigned_draft: bool = False, redate: bool = True) -> Drafts:
    """The e-mail drafts of the built filing, once it is approved and signed (send/gate.py); with
    `unsigned_draft`, a marked draft for internal review instead, whatever its state: a file of its own
    (<filing>_UNSIGNED-DRAFT.eml), not in the manifest's drafts, not in the ledger.
    A draft is dated the day it is made, or `when`: with `redate`, the filing it carries is built again
    with that service date when it says another (dated.py); a batch's drafts keep their build's date."""
    office.require_email_route(ctx.case, ctx.settings)  # before anything else: the most likely thing to fix
    built = load_built(ctx.case, ctx.settings, out, templates_dir)
    if not unsigned_draft:
        _require_current_edits(ctx, built)
    moment = draft.date_of(when)
    day = moment.date() if moment else today()
    if moment is not None and not unsigned_draft:
        dated.require_servable(ctx.case, day, f"--date {when}", built,
                               dated.first_built(ctx.own_events(), built))
    if unsigned_draft:
        _old_filing_warning(ctx, built)
        return _unsigned_draft(ctx, built, when, templates_dir)
    gate.require_ready(ctx.case, ctx.settings, built, templates_dir)
    if redate:  # the approval holds (checked just now): a filing built again from these inputs is approved
        built = served_on(ctx, built, day, templates_dir)
        gate.require_ready(ctx.case, ctx.settings, built, templates_dir)
    else:
        _old_filing_warning(ctx, built)
    messages = draft.compose(ctx.case, ctx.settings, built, draft=True, when=moment, templates_dir=templates_dir)
    names = draft.draft_names(built.filing, len(messages))
    files = [out / n for n in names]
    try:
        for target, m in zip(files, messages, strict=True):
            atomic.write_bytes(target, m.as_bytes())
        for old in built.manifest.get("drafts") or []:
            if old.get("file") not in names:
                (out / Path(old["file"]).name).unlink(missing_ok=True)
        built.manifest["drafts"] = [
            {"file": f.name, "sha256": sha256(f), "message_id": m.message_id, "recipients": m.recipients,
             "attachments": [{"file": a.name, "sha256": _sha(a.data), "size_bytes": len(a.data)}
                             for a in m.attachments]} for f, m in zip(files, messages, strict=True)]
        _write_manifest(out, built.manifest)
    except OSError as exc:
        raise OutputError(f"cannot write the e-mail draft into {out}: {exc.strerror}: check free space and "
                          "permissions") from exc
    recipients = messages[0].recipients
    ctx.record(ctx.event(Kind.draft, filing_sha256=built.sha256, message_ids=[m.message_id for m in messages],
                         recipients=recipients, method="email", file=", ".join(shown(f, ctx.case.dir) for f in files),
                         **ctx.approval_fields(templates_dir)))
    return Drafts(files, recipients, ctx.notes)


def _old_filing_warning(ctx: Context, built: Built) -> None:
    if built.changed:
        ctx.notes.append(f"warning: {', '.join(built.changed)} changed since {built.filing.name} was built: "
                         "the draft carries the old filing; build again before sending")


def _unsigned_draft(ctx: Context, built: Built, when: str | date | None, templates_dir: Path | None) -> Drafts:
    messages = draft.compose(ctx.case, ctx.settings, built, draft=True, when=draft.date_of(when),
                             templates_dir=templates_dir, marked=gate.UNSIGNED_DRAFT)
    files = [built.out / n for n in draft.draft_names(built.filing, len(messages), "_UNSIGNED-DRAFT")]
    try:
        for target, m in zip(files, messages, strict=True):
            atomic.write_bytes(target, m.as_bytes())
    except OSError as exc:
        raise OutputError(f"cannot write the unsigned draft into {built.out}: {exc.strerror}: check free space and "
                          "permissions") from exc
    todo = gate.readiness(ctx.case, ctx.settings, built, templates_dir).problems()
    ctx.notes.append(f"{gate.UNSIGNED_DRAFT}: not recorded in the ledger, never sent by pdpacket"
                     + (f"; before it can be sent: {'; and '.join(todo)}" if todo else ""))
    return Drafts(files, messages[0].recipients, ctx.notes)


def _write_manifest(out: Path, manifest: dict) -> None:
    try:
        atomic.write_bytes(out / "manifest.json",
                             (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot update {out / 'manifest.json'}: {exc.strerror}: check free space and "
                          "permissions") from exc


def _sha(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()


# --- sending -------------------------------------------------------------------------

@dataclass
class Sent:
    messages: list[draft.Message]
    server: str
    dry_run: bool
    notes: list[str]


def send_case(case_path: Path, out: Path | None = None, options: CommandOptions = NO_OPTIONS, again: bool = False,
              dry_run: bool = False, possibly_sent: str | None = None, unsigned_draft: bool = False) -> Sent:
    """Send the built filing; a retry sends only the messages not yet accepted (`again`: all of them).
    `possibly_sent` ("arrived" or "resend") is the user's word on messages whose delivery is unknown.
    `unsigned_draft`: refused: an unsigned draft is never sent (`email --unsigned-draft` writes one)."""
    if unsigned_draft:
        raise UsageError(f"send --unsigned-draft: an unsigned draft is never sent: "
                         f"`{command('email', case_path, '--unsigned-draft')}` writes one for internal review")
    ctx = Context.load(case_path, options)
    _require_consent(ctx)
    office.require_email_route(ctx.case, ctx.settings)
    built = load_built(ctx.case, ctx.settings, Path(out) if out else ctx.case.dir / "out")
    if built.changed:
        raise NotSentError(f"{built.filing.name}: not sent: {', '.join(built.changed)} changed since it was built: "
                           f"build it again (`{command('build', ctx.case.dir)}`) and check it before sending")
    _require_current_edits(ctx, built)
    gate.require_ready(ctx.case, ctx.settings, built)
    _require_preflight(built)
    from assembler.send import smtp  # here: smtplib and ssl are no part of a build's imports (issue 25)

    server = smtp.server(ctx.settings)
    with ctx.ledger() as ledger:
        events = ledger.case_events(ctx.a_number, ctx.case.dir).own
    e = delivery.last_sent(events)
    found = delivery.latest_round(events)
    if e is not None and (found is None or found.complete) and not again:
        whom = f" to {', '.join(e.recipients)}" if e.recipients else ""
        raise NotSentError(f"{ctx.case.file}: not sent: this case ({ctx.a_number}) was already sent on {e.day} "
                           f"by {e.method}{whom} (ledger {ledger.path}, by {e.user}): pass --again to send it again")
    built = _dated_for_sending(ctx, built, found, again, dry_run)
    messages = _outgoing(ctx, built)
    again_with = command("send", case_path, *(("-o", out) if out else ()))
    plan = delivery.plan(events, messages, built.sha256, again, possibly_sent, again_with)
    if isinstance(plan, str):
        raise NotSentError(f"{ctx.case.file}: not sent: {plan} (ledger {ledger.path})")
    if plan.note:
        ctx.notes.append(f"{'would send' if dry_run else 'sending'} {plan.note}")
    if dry_run:
        return Sent(plan.messages, str(server), True, ctx.notes)
    rests_on = ctx.approval_fields()
    with ctx.ledger() as ledger:
        def row(m: draft.Message, state: str) -> None:
            # Each message is recorded the moment its fate is known: a connection lost later keeps it.
            event = ctx.event(Kind.send, filing_sha256=built.sha256, message_ids=[m.message_id],
                              recipients=m.recipients, method="email", file=shown(built.filing, ctx.case.dir),
                              message_number=m.number, message_total=m.total, delivery=state, send_round=plan.round,
                              **rests_on)
            event.case_path = shown(ctx.case.dir, ledger.path.parent)
            try:
                ledger.record(event)
            except LedgerError as exc:
                went = {Delivery.accepted: "went out", Delivery.uncertain: "is possibly sent",
                        Delivery.confirmed: "arrived, as you say"}[state]
                raise LedgerError(f"message {m.number} of {m.total} {went}, but the ledger could not record it "
                                  f"({exc.message}); sending stopped there: once the ledger works, record the request "
                                  "with `pdpacket log --sent --method email`") from exc

        for m in plan.arrived:
            row(m, Delivery.confirmed)
        try:
            smtp.send_all(ctx.settings, plan.messages, lambda m: row(m, Delivery.accepted),
                          lambda m: row(m, Delivery.uncertain))
        except smtp.SendError as exc:
            planned = {m.number for m in plan.messages}  # the others went before, in this round
            accepted = sorted(set(exc.accepted) | {m.number for m in messages if m.number not in planned})
            tail = delivery.failure_tail(accepted, exc.uncertain, len(messages), again_with, office.cc(ctx.settings))
            raise smtp.SendError(f"{exc.message}; {tail}", exc.accepted, exc.uncertain) from exc
    return Sent(plan.messages, str(server), False, ctx.notes)


def _dated_for_sending(ctx: Context, built: Built, found: delivery.Round | None, again: bool,
                       dry_run: bool) -> Built:
    """The filing dated today, the day it is served (dated.py), checked again as it now is. A sending
    left unfinished goes on with the filing its first messages carried, dated the day it began."""
    day = today()
    if found is not None and not found.complete and not again and found.filing_sha256 == built.sha256:
        ctx.case = dated.dated(ctx.case, date.fromisoformat(dated.built_date(built) or day.isoformat()))
        return built
    if dry_run:  # nothing is built or recorded: say what sending would do
        if dated.needs_dating(built, day):
            ctx.notes.append(f"would build {built.filing.name} again with the service date {day.isoformat()} "
                             "(the day it is sent) before sending it")
        return built
    built = served_on(ctx, built, day)
    gate.require_ready(ctx.case, ctx.settings, built)
    _require_preflight(built)
    return built


def _outgoing(ctx: Context, built: Built) -> list[draft.Message]:
    """The drafts' messages with the real Date and fresh Message-IDs: a request sent again must not be
    taken for a duplicate of the first."""
    domain = ctx.case.attorney.email_domain
    messages = draft.compose(ctx.case, ctx.settings, built, draft=False)
    now = format_datetime(localtime())
    for m in messages:
        m.message.replace_header("Date", now)
        m.message.replace_header("Message-ID", make_msgid(f"pd-{built.sha256[:12]}-{m.number}of{m.total}", domain))
    return messages


def _require_consent(ctx: Context) -> None:
    """A request can lead to arrest or expedited removal (reported since 2025): it goes only with the
    client's recorded informed consent, unless the firm's settings turn the check off."""
    if not ctx.settings.require_consent or ctx.case.data.get("consent"):
        return
    risks = ", ".join(ctx.settings.consent_risks)
    raise NotSentError(f"{ctx.case.file}: not sent: consent: the case records no informed consent of the client "
                       "to this request: after explaining the risks, record it as consent: {date: YYYY-MM-DD, "
                       f"explained_by: NAME, language: LANGUAGE, risks: [{risks}]}}, or turn this check off for "
                       "the firm with send: {require_consent: false} in the settings")


def _require_current_edits(ctx: Context, built: Built) -> None:
    """A hand-edited copy made before the case changed says what the case no longer says: the
    filing does not go out (`email` writes no draft of it either)."""
    stale = stale_in_manifest(built.manifest)
    if stale:
        raise NotSentError(f"{built.filing.name}: not sent: " + "; and ".join(
            f"{e['file']} was edited by hand before the case changed ({'; '.join(e.get('changed_since') or [])})"
            for e in stale) + ": bring the edited copy up to date (`"
            f"{command('edit', ctx.case.dir, Path(stale[0]['file']).stem, '--refresh')}` makes a fresh copy and keeps yours beside it), "
            f"build again (`{command('build', ctx.case.dir)}`) and check the filing before sending")


def _require_preflight(built: Built) -> None:
    report = preflight.check_filing(built.filing, built.manifest, size_limit_mb=1e9)  # e-mail size: split above
    if report.errors:
        raise FilingCheckError(f"{built.filing}: not sent: it fails its check: "
                               + "; ".join(f.message for f in report.errors) + " (see `pdpacket check`)")
