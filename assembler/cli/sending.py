"""`pdpacket email, send, log, status`: sending a filing and following it up."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from assembler.cli.group import (
    cli,
    settings_option,
)
from assembler.options import CommandOptions
from assembler.vocab import MB

# --- sending and following up ---------------------------------------------------------

out_option = click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                          help="The build's output folder (default: CASE/out).")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@out_option
@click.option("--date", "when", default=None, metavar="WHEN",
              help="The drafts' Date (YYYY-MM-DD or an ISO time; default: today, 12:00 UTC), the service date "
                   "their filing is dated with (built again when it says another day); never ahead of today.")
@click.option("--unsigned-draft", is_flag=True,
              help="For internal review only: a draft marked UNSIGNED DRAFT in its subject and body "
                   "(OUT/<filing>_UNSIGNED-DRAFT.eml), written even though the filing is not approved or not "
                   "signed; never recorded in the ledger, never sent.")
@settings_option
def email(case, out, when, unsigned_draft, settings_file):
    """Write the e-mail draft(s) carrying the built filing to the office (OUT/<filing>.eml), once the attorney
    approved the filing and every signature in ink is in. The drafts are dated the day they are made: the
    certificate of service and the letter carry that date (the filing is built again if it says another)."""
    from assembler.api import write_drafts

    drafts = write_drafts(case, out, CommandOptions.of(settings_file), when, unsigned_draft=unsigned_draft)
    for note in drafts.notes:
        click.echo(note, err=True)
    for path in drafts.files:
        click.echo(str(path))
    if unsigned_draft:
        return
    click.echo(f"to {', '.join(drafts.recipients)}: open the draft in the mail program, check it and send it "
               "(or use `pdpacket send`)", err=True)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@out_option
@click.option("--again", is_flag=True, help="Send every message, even though the ledger says the case (or some "
              "of its messages) was already sent.")
@click.option("--possibly-sent", type=click.Choice(["arrived", "resend"]), default=None,
              help="What the mailbox showed of a message recorded as possibly sent: it arrived (record it, send "
                   "the rest), or it did not (send it again with the rest).")
@click.option("--dry-run", is_flag=True, help="Print what would go where; send nothing, record nothing.")
@click.option("--unsigned-draft", is_flag=True,
              help="Refused: an unsigned draft is never sent (`pdpacket email CASE --unsigned-draft` writes one).")
@settings_option
def send(case, out, again, possibly_sent, dry_run, unsigned_draft, settings_file):
    """Send the built filing to the office through the firm's SMTP server, recording each message as the
    server accepts it; run again after a failure, it sends the messages not yet accepted. Refused while the
    filing is a draft (not approved) or a signature in ink is missing (exit 15). The certificate of service and
    the letter carry the day it is sent: a filing dated another day is built again first (the case file is
    not changed; the approval holds)."""
    from assembler.api import send_case

    sent = send_case(case, out, CommandOptions.of(settings_file), again=again, dry_run=dry_run,
                     possibly_sent=possibly_sent, unsigned_draft=unsigned_draft)
    for note in sent.notes:
        click.echo(note, err=True)
    for m in sent.messages:
        files = ", ".join(f"{a.name} ({len(a.data) / MB:.1f} MB)" for a in m.attachments)
        verb = "would send" if dry_run else "sent"
        # From and Cc said too: what a paralegal checks before a first real sending (the CLI walk-through)
        to, cc = ([a.addr_spec for a in m.message[h].addresses] if m.message[h] else [] for h in ("To", "Cc"))
        copies = f" (cc {', '.join(cc)})" if cc else ""
        click.echo(f"{verb} {m.number} of {m.total} from {m.message['From']} to {', '.join(to)}{copies} via "
                   f"{sent.server}: {m.message['Subject']} [{files}]")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--sent", "sent", is_flag=True, help="Record a request sent by other means.")
@click.option("--method", type=click.Choice(["portal", "mail", "hand", "fax", "eservice", "email"]),
              help="How it was sent (with --sent).")
@click.option("--response", type=click.Choice(["granted", "denied", "partial", "no-response"]),
              help="Record the office's answer.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="When (default: today). With --sent --method mail or hand, the built filing's certificate of "
                   "service is dated that day (the filing is built again).")
@click.option("--note", default=None, help="A short note kept with the event.")
@click.option("--file", "file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The decision (with --response), copied into CASE/responses/.")
@settings_option
def log(case, sent, method, response, day, note, file, settings_file):
    """Record in the ledger a request sent by other means, or the office's answer. Served by mail or by hand,
    the built filing is built again with its certificate of service dated the day of service."""
    from assembler.api import log_response, log_sent

    if sent == bool(response):
        raise click.UsageError("give either --sent (with --method) or --response")
    if sent and not method:
        raise click.UsageError("--sent needs --method (portal, mail, hand, fax, eservice, email)")
    if file and not response:
        raise click.UsageError("--file goes with --response")
    when, options = day.date() if day else None, CommandOptions.of(settings_file)
    event, notes = (log_sent(case, when, method, options, note) if sent
                    else log_response(case, response, when, note, file, options))
    for line in notes:
        click.echo(line, err=True)
    what = f"sent by {event.method}" if sent else f"response: {event.outcome}"
    click.echo(f"{event.a_number}: {what} on {event.day}" + (f" (file: {event.file})" if event.file else ""))


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@settings_option
def status(folder, as_json, as_csv, settings_file):
    """Every case of a cases folder (or the one case FOLDER is): built, sent, answered, next hearing, signatures
    awaited, and what is due (most urgent first)."""
    import csv
    import json

    from assembler.api import SIGNATURES_NOTE
    from assembler.api import STATUS_FIELDS as FIELDS
    from assembler.api import status as case_statuses

    found = case_statuses(folder, CommandOptions.of(settings_file))
    rows = [c.row() for c in found.cases]
    if not found.ledger_found:
        click.echo(f"no ledger yet at {found.ledger}: nothing was built, sent or logged there", err=True)
    if as_json:
        click.echo(json.dumps({"folder": str(found.folder), "ledger": str(found.ledger), "cases": rows}, indent=2,
                              ensure_ascii=False))
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for r in rows:
            flags = ("DETAINED " if r["detained"] else "") + (f"{r['a_number']}" if r["a_number"] else "")
            built = (f"built {r['built']}" + (" (inputs changed)" if r["changed"] else "")) if r["built"] else "not built"
            sent = (f"sent {r['sent']} by {r['method']}" if r["sent"]
                    else "sent in part" if r["delivery"] else "not sent")
            answer = f"answer: {r['response']} {r['response_date']}" if r["response"] else "no answer"
            hearing = f"hearing {r['next_hearing']}" if r["next_hearing"] else "no hearing set"
            click.echo(f"{r['case']}: {flags}; {built}; {sent}; {answer}; {hearing}")
            if r["delivery"]:
                click.echo(f"    sent in part: {r['delivery']}")
            if r["signatures"]:
                click.echo(f"    {r['signatures']}")
            if r["approval"]:
                click.echo(f"    {r['approval']}")
            click.echo(f"    due: {r['due'] or 'nothing'}")
        if any(r["signatures"].startswith("awaiting signatures:") and " 0 of" not in r["signatures"] for r in rows):
            click.echo(f"note: {SIGNATURES_NOTE}")
