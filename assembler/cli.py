"""The `pdpacket` command: translates arguments into library calls.

All user-caused failures are PdpacketError subclasses; `main` prints their
message and exits with their code. Anything else is a bug: exit 1, and the
traceback only with -v.
"""
from __future__ import annotations

import atexit
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

import click

from assembler import __version__, stopping
from assembler.errors import ExitCode, InvalidCaseError, InvalidSettingsError, PdpacketError
from assembler.vocab import MB, Role

templates_option = click.option(
    "--templates", "templates_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="A folder of templates that overrides the firm's and the default ones, role by role.")

strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")

split_option = click.option("--split", "split_parts", is_flag=True,
                            help="When a filing is over the size limit, also write it in numbered parts.")

settings_option = click.option(
    "--settings", "settings_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (overrides PDPACKET_SETTINGS and the usual places).")


email_option = click.option("--email", is_flag=True,
                            help="Also write the e-mail draft(s) to the office beside the filing (see `email`).")


def build_options(quiet_help: str):
    """The options `build` and `batch` share."""
    def apply(command):
        for option in (split_option, templates_option, click.option("-q", "--quiet", is_flag=True, help=quiet_help),
                       strict_option, settings_option):
            command = option(command)
        return command
    return apply


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, prog_name="pdpacket")
def cli(verbose):
    """Assemble prosecutorial-discretion request filings."""
    # -v is read by `main`, which turns errors into messages.


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@settings_option
@strict_option
def validate(case, settings_file, strict):
    """Check a case folder (or case file) and report every problem."""
    from assembler.api import validate_case

    result = validate_case(case, settings_file=settings_file, strict=strict)
    for problem in result.problems:
        click.echo(problem.render(), err=True)
    click.echo(f"{result.file}: valid" + (f" ({len(result.warnings)} warning(s))" if result.warnings else ""))


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: CASE/out).")
@email_option
@build_options("No progress lines.")
def build(case, out, settings_file, strict, quiet, templates_dir, split_parts, email):
    """Build the filing PDF, the Word copies and the manifest for a case."""
    from assembler.convert import early

    early.start(case, settings_file)  # LibreOffice boots while the library is imported and the case read
    try:
        from assembler.api import build as build_case
        from assembler.progress import Progress

        result = build_case(case, out, settings_file=settings_file, strict=strict,
                            progress=Progress(False if quiet else None), templates_dir=templates_dir,
                            split_parts=split_parts, email=email)
    finally:
        early.discard()  # when the build failed before taking it over
    for name in result.edited:
        click.echo(f"from {name} (edited by hand, used instead of a render)", err=True)
    for problem in result.warnings:
        click.echo(problem.render(), err=True)
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(f"{result.filing} ({result.pages} pages)")
    for part in result.parts + result.drafts:
        click.echo(f"{part}")


@cli.command()
@click.argument("case", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--spreadsheet", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Instead, write a spreadsheet (.csv or .xlsx) to fill with one row per case.")
@click.option("--force", is_flag=True, help="Replace the spreadsheet if it exists.")
@settings_option
def new(case, spreadsheet, force, settings_file):
    """Start a case folder (case.yaml to fill, exhibits/, a README), or a spreadsheet of cases."""
    from assembler.api import new_case, new_spreadsheet

    if (case is None) == (spreadsheet is None):
        raise click.UsageError("give a case folder to create, or --spreadsheet FILE (not both)")
    if spreadsheet is not None:
        click.echo(str(new_spreadsheet(spreadsheet, force)))
        click.echo(f"fill one row per case, then `pdpacket batch {spreadsheet} -o OUT --validate-only`", err=True)
        return
    for path in new_case(case, settings_file):
        click.echo(str(path))
    click.echo(f"fill in case.yaml, put the exhibits in exhibits/, then run `pdpacket validate {case}`", err=True)


def _print_passages(passages) -> None:
    """The passages where the old copy and the fresh render differ: yours first, then the fresh text."""
    if not passages:
        click.echo("the fresh copy reads the same as yours, paragraph by paragraph")
        return
    click.echo(f"{len(passages)} passage(s) differ (- your edited copy, + the fresh render):")
    for number, p in enumerate(passages, start=1):
        click.echo(f"{number}.")
        for text in p.yours:
            click.echo(f"  - {text}")
        for text in p.fresh:
            click.echo(f"  + {text}")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("document", required=False)
@click.option("--force", is_flag=True, help="Replace an edited copy already in CASE/edits/.")
@click.option("--refresh", is_flag=True, help="A fresh render in place of an out-of-date edited copy; the old "
                                              "copy is kept beside it and the passages that differ are listed.")
@settings_option
@templates_option
def edit(case, document, force, refresh, settings_file, templates_dir):
    """Copy a document's current render into CASE/edits/ to edit it by hand (no DOCUMENT: list them)."""
    from assembler.api import start_edit

    started = start_edit(case, document, settings_file=settings_file, templates_dir=templates_dir, force=force,
                         refresh=refresh)
    if started.copy is None:
        for name in started.names:
            click.echo(name)
        return
    click.echo(str(started.copy))
    if started.kept is not None:
        click.echo(f"your edited copy is kept as {started.kept}", err=True)
        _print_passages(started.passages)
        click.echo("carry your hand changes over into the fresh copy, then build again", err=True)
        return
    click.echo("edit it in Word; `pdpacket build` now uses it instead of rendering the document, and warns when "
               "the case data it was made from changes", err=True)


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: CASE/out, beside the filing).")
@build_options("No progress lines.")
def court(case, out, settings_file, strict, quiet, templates_dir, split_parts):
    """Write, in a file of its own, the joint motion (and proposed order) of each relief the court grants (for when the office agrees)."""
    from assembler.api import court_papers
    from assembler.progress import Progress

    result = court_papers(case, out, settings_file=settings_file, strict=strict,
                          progress=Progress(False if quiet else None), templates_dir=templates_dir,
                          split_parts=split_parts)
    for problem in result.warnings:
        click.echo(problem.render(), err=True)
    for paper in result.files or [result.filing]:  # one file per motion
        click.echo(f"{paper}")
    for part in result.parts:
        click.echo(f"{part}")


@cli.group()
def forms():
    """Official forms (G-28, EOIR-28, EOIR-27...) to put in a filing."""


@forms.command("fields")
@click.argument("form", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yaml", "as_yaml", is_flag=True, help="Print a starter `forms:` entry with a fill: line per field.")
def forms_fields(form, as_yaml):
    """List a PDF form's fields: name, kind, allowed values, page."""
    from assembler.api import form_fields, starter_fill

    fields = form_fields(form)
    if as_yaml:
        click.echo(starter_fill(form, fields), nl=False)
        return
    if not fields:
        click.echo(f"{form}: no form fields (a flat PDF: it goes into the filing as it is)", err=True)
        return
    for f in fields:
        values = f"  [{', '.join(f.values)}]" if f.values and f.kind != "checkbox" else ""
        on = f"  (on: {f.values[0]})" if f.kind == "checkbox" and f.values else ""
        click.echo(f"{f.name:48} {f.kind:9} page {f.page}{values}{on}")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder: one subfolder per case, and the batch report.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Parallel workers (default: one per CPU).")
@click.option("--force", is_flag=True, help="Rebuild cases even when nothing changed since their last build.")
@click.option("--validate-only", is_flag=True, help="Only check every case and report every problem.")
@click.option("--exhibits-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="For a spreadsheet: the folder exhibit paths are relative to (default: the spreadsheet's).")
@email_option
@build_options("No progress bar.")
def batch(source, out, jobs, force, validate_only, exhibits_dir, settings_file, strict, quiet, templates_dir,
          split_parts, email):
    """Build (or check) every case of a folder of case folders, or of a CSV/XLSX export."""
    from assembler.api import run_batch
    from assembler.batch import FAILED, BatchFailed, summarize
    from assembler.vocab import BatchStatus

    notes: list[str] = []
    outcomes = run_batch(source, out, jobs=jobs, force=force, strict=strict, validate_only=validate_only,
                         settings_file=settings_file, exhibits_dir=exhibits_dir, quiet=quiet,
                         templates_dir=templates_dir, split_parts=split_parts, email=email, notes=notes)
    for note in notes:
        click.echo(note, err=True)
    for o in outcomes:
        if o.status == BatchStatus.skipped and not o.output:  # not a case (an unchanged case has its filing)
            click.echo(f"{o.case}: skipped: {o.message}", err=True)
        if o.status in FAILED:
            click.echo(f"{o.case}: {o.status}: {o.message}", err=True)
            for line in o.problems:
                click.echo(f"  {line}", err=True)
    summary = summarize(outcomes)
    parts = ", ".join(f"{n} {status}" for status, n in summary.items() if status != "cases")
    click.echo(f"{summary['cases']} cases: {parts} (report: {out / 'batch-report.csv'})")
    bad = summary.get("failed", 0) + summary.get("invalid", 0)
    if bad:
        if validate_only and not summary.get("failed"):
            raise SystemExit(int(ExitCode.invalid_case))
        raise BatchFailed(f"{bad} of {summary['cases']} cases did not build: see {out / 'batch-report.csv'}")


@cli.command()
@settings_option
@click.option("--case", "case", type=click.Path(path_type=Path), default=None,
              help="Look up settings as for this case folder.")
@click.option("--court", default=None, help="Only the offices covering this immigration court (a part of its name).")
def offices(settings_file, case, court):
    """List the Offices of the Chief Counsel a case can name: courts, sub-offices, rules."""
    from assembler.api import list_offices

    for view in list_offices(settings_file, case, court):
        indent = "  " if view.sub else ""
        first, *rest = view.lines()
        click.echo(f"{indent}{view.key:{22 - len(indent)}} {first}")
        for line in rest:
            click.echo(f"{'':22} {line}")


@cli.command()
@settings_option
@click.option("--case", "case", type=click.Path(path_type=Path), default=None,
              help="Look up settings as for this case folder.")
def law(settings_file, case):
    """List the legal rules pdpacket applies: text, authority, source, and the date each was checked."""
    from assembler.api import law_table

    for lines in law_table(settings_file, case):
        click.echo("\n".join(lines))


@cli.command()
@click.argument("filing", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--limit", "limit_mb", type=click.FloatRange(min=0.1), default=None,
              help="Size limit in MB (default: the settings' filing.size_limit_mb, 25).")
@click.option("--split", "split_parts", is_flag=True, help="Over the limit: write numbered parts beside the file.")
@settings_option
def check(filing, limit_mb, split_parts, settings_file):
    """Preflight a filing: opens, Letter pages, text, active content, size, manifest."""
    from assembler.api import check_filing
    from assembler.errors import FilingCheckError

    checked = check_filing(filing, limit_mb, split_parts, settings_file)
    report = checked.report
    for part in checked.parts:
        click.echo(f"wrote {part} ({part.stat().st_size / MB:.1f} MB)")
    for f in report.findings:
        click.echo(f.render(), err=True)
    pages = f"{report.pages} page{'' if report.pages == 1 else 's'}, " if report.pages else ""
    summary = (f"{filing}: {pages}{report.size_bytes / MB:.1f} MB"
               + (", checked against its manifest" if checked.with_manifest else ""))
    if report.errors:
        raise FilingCheckError(f"{summary}: {len(report.errors)} problem(s)")
    click.echo(f"{summary}: OK" + (f" ({len(report.warnings)} warning(s))" if report.warnings else ""))


@cli.command("convert-server")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0: any free one, printed when ready).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="LibreOffice processes to keep running (default: one per CPU).")
@settings_option
def convert_server(port, jobs, settings_file):
    """Keep LibreOffice running for the builds on this machine, until Ctrl-C.

    Builds use it when the settings say `soffice: {server: "127.0.0.1:PORT"}`;
    when it does not answer, they start LibreOffice themselves."""
    import os

    from assembler.casefile.settings import load_settings
    from assembler.convert import server, soffice

    settings = load_settings(settings_file, None)
    jobs = jobs or os.cpu_count() or 1

    def ready(address, token_file):
        click.echo(address)  # on stdout, alone: for scripts that started it with --port 0
        click.echo(server.main_loop_message(address, token_file, jobs), err=True)

    server.serve(port, jobs, soffice.find_soffice(settings.soffice_path), settings.soffice_timeout, ready)
    click.echo("stopped", err=True)


@cli.group()
def templates():
    """List, export, describe and check the Word templates."""


@templates.command("list")
@settings_option
@templates_option
@click.option("--case", "case", type=click.Path(path_type=Path), default=None,
              help="Show the templates this case would use (its template_set, its settings).")
def templates_list(settings_file, templates_dir, case):
    """For each role, the template file that will be used and where it comes from."""
    from assembler.api import list_templates

    for role, choice in list_templates(settings_file, templates_dir, case).items():
        click.echo(f"{role:24} {choice.source:18} {choice.path}")


@templates.command("export")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite templates already in DEST.")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="Only this role's template (repeat for several); the others keep coming from the defaults.")
def templates_export(dest, force, roles):
    """Copy the default templates into DEST, to start a firm's own set."""
    from assembler.api import export_templates

    for path in export_templates(dest, force, [Role(r) for r in roles] or None):
        click.echo(str(path))
    click.echo(f"now set `templates: {dest}` in the settings file, edit the copies in Word, and run "
               f"`pdpacket templates check {dest}`", err=True)


@templates.command("vars")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None,
              help="Only what this role's template can use.")
def templates_vars(role):
    """Every variable and filter a template may use, with its type and an example."""
    import json

    from assembler.api import template_filters, template_variables

    click.echo("Variables (a[] is an item of the list a: use it in {%p for x in a %}):")
    for v in template_variables(Role(role) if role else None):
        example = "" if v.var.example is None else json.dumps(v.var.example, ensure_ascii=False)
        note = f"  [{v.role} template{'s' * (',' in v.role)} only]" if v.role and not role else ""
        hint = f"  -- {v.var.doc}" if v.var.doc else ""
        click.echo(f"  {v.path:48} {v.var.type:8} {example[:60]}{note}{hint}")
    click.echo("Filters ({{ value|filter }}):")
    for name, doc in template_filters().items():
        click.echo(f"  {name:48} {doc}")


@templates.command("check")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path), required=False)
@settings_option
@click.option("--case", "case", type=click.Path(path_type=Path), default=None,
              help="Check against this case's data, its custom fields included (and, without FOLDER, the "
                   "templates it would use).")
def templates_check(folder, settings_file, case):
    """Check a folder of templates (default: the ones that would be used)."""
    from assembler.api import check_templates
    from assembler.errors import TemplateError, errors_of

    findings = check_templates(folder, settings_file, case)
    for finding in findings:
        click.echo(finding.render(), err=True)
    errors = errors_of(findings)
    if errors:
        raise TemplateError(f"{len(errors)} error(s) in the templates")
    click.echo("templates OK" + (f" ({len(findings)} warning(s))" if findings else ""))


# --- sending and following up ---------------------------------------------------------

out_option = click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                          help="The build's output folder (default: CASE/out).")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@out_option
@click.option("--date", "when", default=None, metavar="WHEN",
              help="The drafts' Date (YYYY-MM-DD or an ISO time; default: the letter's date, 12:00 UTC).")
@settings_option
def email(case, out, when, settings_file):
    """Write the e-mail draft(s) carrying the built filing to the office (OUT/<filing>.eml)."""
    from assembler.api import write_drafts

    drafts = write_drafts(case, out, settings_file, when)
    for note in drafts.notes:
        click.echo(note, err=True)
    for path in drafts.files:
        click.echo(str(path))
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
@settings_option
def send(case, out, again, possibly_sent, dry_run, settings_file):
    """Send the built filing to the office through the firm's SMTP server, recording each message as the
    server accepts it; run again after a failure, it sends the messages not yet accepted."""
    from assembler.api import send_case

    sent = send_case(case, out, settings_file, again=again, dry_run=dry_run, possibly_sent=possibly_sent)
    for note in sent.notes:
        click.echo(note, err=True)
    for m in sent.messages:
        files = ", ".join(f"{a.name} ({len(a.data) / MB:.1f} MB)" for a in m.attachments)
        verb = "would send" if dry_run else "sent"
        click.echo(f"{verb} {m.number} of {m.total} to {', '.join(m.recipients)} via {sent.server}: "
                   f"{m.message['Subject']} [{files}]")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--output", "target", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The packet's file (default: beside the filing, <filing>_signing-packet.pdf).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The build's output folder (default: CASE/out).")
@settings_option
@templates_option
def sign(case, target, out, settings_file, templates_dir):
    """Print the pages to sign: for each person who signs in ink, a cover page saying what and how, then every
    page of the documents they sign, each with a page code for reading the signed pages back."""
    from assembler.api import sign_packet

    packet = sign_packet(case, out, target, settings_file, templates_dir)
    for section in packet.sections:
        docs = ", ".join(d.get("label") or d["title"] for d in section.documents)
        click.echo(f"{section.copy}. {section.name} ({section.language}): {docs}", err=True)
    click.echo(f"{packet.file} ({packet.pages} pages, {len(packet.sections)} signer(s))")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--sent", "sent", is_flag=True, help="Record a request sent by other means.")
@click.option("--method", type=click.Choice(["portal", "mail", "hand", "fax", "eservice", "email"]),
              help="How it was sent (with --sent).")
@click.option("--response", type=click.Choice(["granted", "denied", "partial", "no-response"]),
              help="Record the office's answer.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="When (default: today).")
@click.option("--note", default=None, help="A short note kept with the event.")
@click.option("--file", "file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The decision (with --response), copied into CASE/responses/.")
@settings_option
def log(case, sent, method, response, day, note, file, settings_file):
    """Record in the ledger a request sent by other means, or the office's answer."""
    from assembler.api import log_response, log_sent

    if sent == bool(response):
        raise click.UsageError("give either --sent (with --method) or --response")
    if sent and not method:
        raise click.UsageError("--sent needs --method (portal, mail, hand, fax, eservice, email)")
    if file and not response:
        raise click.UsageError("--file goes with --response")
    when = day.date() if day else None
    event, notes = (log_sent(case, when, method, settings_file, note) if sent
                    else log_response(case, response, when, note, file, settings_file))
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

    from assembler.api import status as case_statuses
    from assembler.documents.signers import NOT_READ_YET
    from assembler.send.status import FIELDS

    found = case_statuses(folder, settings_file)
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
            click.echo(f"    due: {r['due'] or 'nothing'}")
        if any(r["signatures"].startswith("awaiting signatures:") and " 0 of" not in r["signatures"] for r in rows):
            click.echo(f"note: {NOT_READ_YET}")


def _host_names(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    from assembler.web.security import split_host

    for value in values:
        try:
            split_host(value)
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a host name or address (with an optional :PORT), e.g. "
                                     "pdpacket.firm.example or 192.168.1.20:8765") from None
    return values


@cli.command()
@click.argument("cases", required=False, default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; another than this computer's own needs care (a warning is printed).")
@click.option("--allow-host", "allow_hosts", multiple=True, callback=_host_names, metavar="NAME[:PORT]",
              help="Also answer requests addressed to NAME (repeat for several); others than the address listened "
                   "on (and localhost) get 400.")
@click.option("--open", "open_browser", is_flag=True, help="Open the web app in the browser.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Builds that may run at the same time (of different cases).")
@settings_option
def serve(cases, port, host, allow_hosts, open_browser, jobs, settings_file):
    """Start the web app on the cases in CASES (default: this folder): edit, check, build."""
    from assembler.web.server import serve as run_server

    run_server(cases, host=host, port=port, open_browser=open_browser, jobs=jobs, settings_file=settings_file,
               allow_hosts=allow_hosts)


def main(argv=None):
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    stopping.install()
    try:
        rv = cli.main(args=argv, prog_name="pdpacket", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # click wraps Ctrl-C in Abort; the signal that stopped the run is the cause
        code, word = stopping.exit_code(exc.__cause__ or exc.__context__ or exc
                                        if isinstance(exc, click.exceptions.Abort) else exc)
        click.echo(word, err=True)
        _exit_interrupted(code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (InvalidCaseError, InvalidSettingsError) as exc:
        for problem in exc.problems:
            click.echo(problem.render(), err=True)
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except PdpacketError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except Exception:  # noqa: BLE001 - the boundary for bugs
        if verbose:
            traceback.print_exc()
        else:
            click.echo("internal error (a bug in pdpacket): run again with -v for details and report it",
                       err=True)
        sys.exit(ExitCode.internal_error)
    sys.exit(rv if isinstance(rv, int) else 0)



def _exit_interrupted(code: int = ExitCode.interrupted) -> NoReturn:
    """Exit with the documented code after Ctrl-C (130), SIGTERM (143) or SIGHUP (129).

    Not sys.exit: CPython 3.11 remembers a KeyboardInterrupt that passed through code run
    by exec() of a string (dataclasses builds its methods that way, so an import can be
    caught in one) and, at exit, kills itself with SIGINT instead of returning our code,
    even though we handled it. So run the exit handlers (the early LibreOffice's stop,
    weakref finalizers), flush, and leave with os._exit.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
