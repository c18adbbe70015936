"""`pdpacket validate, build, new, edit, court, batch, check`: one case, or many, from its data to its filing."""
from __future__ import annotations

from pathlib import Path

import click

from assembler.cli.group import (
    build_options,
    cli,
    email_option,
    no_keep_option,
    settings_option,
    strict_option,
    templates_option,
)
from assembler.errors import ExitCode, command
from assembler.options import BuildOptions, CommandOptions
from assembler.vocab import MB


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@settings_option
@strict_option
def validate(case, settings_file, strict):
    """Check a case folder (or case file) and report every problem."""
    from assembler.api import case_settings, filing_notes, validate_case

    options = CommandOptions.of(settings_file)
    result = validate_case(case, options, strict=strict)
    notes = filing_notes(result, case_settings(result.dir, options))
    for problem in result.problems + notes:
        click.echo(problem.render(), err=True)
    count = len(result.warnings) + len(notes)
    click.echo(f"{result.file}: valid" + (f" ({count} warning(s))" if count else ""))


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: CASE/out).")
@email_option
@no_keep_option
@build_options("No progress lines.")
def build(case, out, settings_file, strict, quiet, templates_dir, split_parts, no_cache, no_ocr, email, no_keep):
    """Build the filing PDF, the Word copies and the manifest for a case."""
    from assembler.convert import early

    options = BuildOptions.of(settings_file, templates_dir, strict=strict, split_parts=split_parts, email=email,
                              no_cache=no_cache, no_ocr=no_ocr, keep=not no_keep)
    early.start(case, options)  # LibreOffice boots while the library is imported and the case read
    try:
        from assembler.api import Progress, build_said
        from assembler.api import build as build_case

        result = build_case(case, out, options, progress=Progress(False if quiet else None))
    finally:
        early.discard()  # when the build failed before taking it over
    lines = build_said(result)  # the same words whether it built or found nothing changed (start.py)
    for line in lines["stderr"]:
        click.echo(line, err=True)
    for line in lines["stdout"]:
        click.echo(line)


@cli.command()
@click.argument("case", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--spreadsheet", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Instead, write a spreadsheet of cases to fill: .xlsx (a sheet per list) or .csv (one row a case).")
@click.option("--force", is_flag=True, help="Replace the spreadsheet if it exists.")
@settings_option
def new(case, spreadsheet, force, settings_file):
    """Start a case folder (case.yaml to fill, exhibits/, a README), or a spreadsheet of cases."""
    from assembler.api import new_case, new_spreadsheet

    if (case is None) == (spreadsheet is None):
        raise click.UsageError("give a case folder to create, or --spreadsheet FILE (not both)")
    if spreadsheet is not None:
        written = new_spreadsheet(spreadsheet, force, CommandOptions.of(settings_file))
        click.echo(str(written[0]))
        if len(written) > 1:
            click.echo(f"the example case's exhibits: {', '.join(str(p) for p in written[1:])}", err=True)
        click.echo(f"fill one row per case, then `{command('batch', spreadsheet)} -o OUT --validate-only`", err=True)
        return
    for path in new_case(case, CommandOptions.of(settings_file)):
        click.echo(str(path))
    click.echo(f"fill in case.yaml, put the exhibits in exhibits/, then run `{command('validate', case)}`", err=True)


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

    started = start_edit(case, document, BuildOptions.of(settings_file, templates_dir), force=force, refresh=refresh)
    if started.copy is None:
        for name in started.names:
            e = started.edited.get(name)  # already hand-edited: say so, and whether the case changed since
            if e is None:
                click.echo(name)
            else:
                click.echo(f"{name}  (hand-edited: {e.shown}, {e.state}{': --refresh' if e.state == 'out of date' else ''})")
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
@no_keep_option
@build_options("No progress lines.")
def court(case, out, settings_file, strict, quiet, templates_dir, split_parts, no_cache, no_ocr, no_keep):
    """Write, in a file of its own, the joint motion (and proposed order) of each relief the court grants (for when the office agrees)."""
    from assembler.api import Progress, court_papers

    options = BuildOptions.of(settings_file, templates_dir, strict=strict, split_parts=split_parts, no_cache=no_cache,
                                no_ocr=no_ocr, keep=not no_keep)
    result = court_papers(case, out, options, progress=Progress(False if quiet else None))
    for problem in result.warnings:
        click.echo(problem.render(), err=True)
    for paper in result.files or [result.filing]:  # one file per motion
        click.echo(f"{paper}")
    for part in result.parts:
        click.echo(f"{part}")


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
          split_parts, no_cache, no_ocr, email):
    """Build (or check) every case of a folder of case folders, or of a CSV/XLSX export."""
    from assembler.api import FAILED, BatchFailed, run_batch, summarize
    from assembler.vocab import BatchStatus

    notes: list[str] = []
    options = BuildOptions.of(settings_file, templates_dir, strict=strict, split_parts=split_parts, email=email,
                              no_cache=no_cache, no_ocr=no_ocr)
    outcomes = run_batch(source, out, options, jobs=jobs, force=force, validate_only=validate_only,
                         exhibits_dir=exhibits_dir, quiet=quiet, notes=notes)
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
@click.argument("filing", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--limit", "limit_mb", type=click.FloatRange(min=0.1), default=None,
              help="Size limit in MB (default: the settings' filing.size_limit_mb, 25).")
@click.option("--split", "split_parts", is_flag=True, help="Over the limit: write numbered parts beside the file.")
@settings_option
def check(filing, limit_mb, split_parts, settings_file):
    """Preflight a filing: opens, Letter pages, text, active content, size, manifest."""
    from assembler.api import check_filing, images_saying
    from assembler.errors import FilingCheckError

    checked = check_filing(filing, limit_mb, split_parts, CommandOptions.of(settings_file))
    report = checked.report
    for part in checked.parts:
        click.echo(f"wrote {part} ({part.stat().st_size / MB:.1f} MB)")
    for f in report.findings:
        click.echo(f.render(), err=True)
    plural = "" if report.pages == 1 else "s"
    pages = (f"{report.pages} page{plural}, searchable: {report.searchable} of {report.pages} page{plural}, "
             if report.pages else "")
    images = images_saying(checked)
    summary = (f"{filing}: {pages}{report.size_bytes / MB:.1f} MB"
               + (f" ({images})" if images else "")
               + (", checked against its manifest" if checked.with_manifest else ""))
    if checked.signature.startswith(("no ", "digital signature: valid")):
        click.echo(f"{filing}: {checked.signature}")
    if report.errors:
        raise FilingCheckError(f"{summary}: {len(report.errors)} problem(s)")
    click.echo(f"{summary}: OK" + (f" ({len(report.warnings)} warning(s))" if report.warnings else ""))
