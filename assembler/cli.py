"""The `pdpacket` command: translates arguments into library calls.

All user-caused failures are PdpacketError subclasses; `main` prints their
message and exits with their code. Anything else is a bug: exit 1, and the
traceback only with -v.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from assembler import __version__
from assembler.errors import ExitCode, InvalidCaseError, InvalidSettingsError, PdpacketError

templates_option = click.option(
    "--templates", "templates_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
    help="A folder of templates that overrides the firm's and the default ones, role by role.")

strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")

split_option = click.option("--split", "split_parts", is_flag=True,
                            help="When a filing is over the size limit, also write it in numbered parts.")

settings_option = click.option(
    "--settings", "settings_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (overrides PDPACKET_SETTINGS and the usual places).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, prog_name="pdpacket")
@click.pass_context
def cli(ctx, verbose):
    """Assemble prosecutorial-discretion request filings."""
    ctx.obj = {"verbose": verbose}


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
@settings_option
@strict_option
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@templates_option
@split_option
def build(case, out, settings_file, strict, quiet, templates_dir, split_parts):
    """Build the filing PDF, the Word copies and the manifest for a case."""
    from assembler.build import build as build_case
    from assembler.progress import Progress

    result = build_case(case, out, settings_file=settings_file, strict=strict,
                        progress=Progress(False if quiet else None), templates_dir=templates_dir,
                        split_parts=split_parts)
    for problem in result.warnings:
        click.echo(problem.render(), err=True)
    click.echo(f"{result.filing} ({result.pages} pages)")
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
@settings_option
@strict_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@templates_option
@split_option
def batch(source, out, jobs, force, validate_only, exhibits_dir, settings_file, strict, quiet, templates_dir,
          split_parts):
    """Build (or check) every case of a folder of case folders, or of a CSV/XLSX export."""
    from assembler.batch import BatchFailed, run_batch, summarize

    outcomes = run_batch(source, out, jobs=jobs, force=force, strict=strict, validate_only=validate_only,
                         settings_file=settings_file, exhibits_dir=exhibits_dir, quiet=quiet,
                         templates_dir=templates_dir, split_parts=split_parts)
    for o in outcomes:
        if o.status in ("failed", "invalid"):
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
def offices(settings_file, case):
    """List the Offices of the Chief Counsel that a case can name."""
    from assembler.casefile.settings import load_settings

    settings = load_settings(settings_file, case)
    for key in sorted(settings.offices):
        office = settings.offices[key]
        mark = "" if office.get("verified") else "  (unverified)"
        click.echo(f"{key:16} {office['name']}{mark}")
        click.echo(f"{'':16} {'; '.join(office['address'][2:] or office['address'])}")
        click.echo(f"{'':16} source: {office.get('source', '?')}, as of {office.get('as_of', '?')}")


@cli.command()
@click.argument("filing", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--limit", "limit_mb", type=click.FloatRange(min=0.1), default=None,
              help="Size limit in MB (default: the settings' filing.size_limit_mb, 25).")
@click.option("--split", "split_parts", is_flag=True, help="Over the limit: write numbered parts beside the file.")
@settings_option
def check(filing, limit_mb, split_parts, settings_file):
    """Preflight a filing: opens, Letter pages, text, active content, size, manifest."""
    from assembler.pdf import preflight
    from assembler.pdf import split
    from assembler.errors import FilingCheckError, InputFileError
    from assembler.casefile.settings import load_settings

    if not filing.is_file():
        raise InputFileError(f"{filing}: no such file: check the path")
    limit = limit_mb or load_settings(settings_file, filing.parent).size_limit_mb
    manifest = preflight.load_manifest_beside(filing)
    report = preflight.check_filing(filing, manifest, limit)
    too_big = [f for f in report.errors if f.kind == "size"]
    if too_big and split_parts:
        from pypdf import PdfReader
        reader = PdfReader(filing)
        units = split.units_from_manifest(manifest) if manifest else split.units_from_outline(reader)
        title = (reader.metadata or {}).get("/Title") or filing.stem
        for part in split.split(filing, units, int(limit * 1048576), str(title)):
            click.echo(f"wrote {part} ({part.stat().st_size / 1048576:.1f} MB)")
        report.findings = [f for f in report.findings if f not in too_big]
    for f in report.findings:
        click.echo(f"{filing}: {'warning: ' if f.severity == 'warning' else ''}{f.message}", err=True)
    summary = (f"{filing}: {report.pages} pages, {report.size_bytes / 1048576:.1f} MB"
               + (", checked against its manifest" if manifest else ""))
    if report.errors:
        raise FilingCheckError(f"{summary}: {len(report.errors)} problem(s)")
    click.echo(f"{summary}: OK" + (f" ({len(report.warnings)} warning(s))" if report.warnings else ""))


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
    from assembler.casefile.settings import load_settings
    from assembler.documents.choose import choose

    data = None
    if case is not None:
        from assembler.api import validate_case
        loaded = validate_case(case, settings_file=settings_file)
        data, settings = loaded.data, load_settings(settings_file, loaded.dir)
    else:
        settings = load_settings(settings_file, None)
    for role, choice in choose(settings, data, templates_dir).items():
        click.echo(f"{role:24} {choice.source:18} {choice.path}")


@templates.command("export")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite templates already in DEST.")
def templates_export(dest, force):
    """Copy the default templates into DEST, to start a firm's own set."""
    from assembler.documents.choose import export_defaults

    for path in export_defaults(dest, overwrite=force):
        click.echo(str(path))
    click.echo(f"now set `templates: {dest}` in the settings file, edit the copies in Word, and run "
               f"`pdpacket templates check {dest}`", err=True)


@templates.command("vars")
@click.option("--role", type=click.Choice(["letter", "declaration", "index", "tab", "translator_certificate",
                                           "certificate_of_service"]), default=None,
              help="Only what this role's template can use.")
def templates_vars(role):
    """Every variable and filter a template may use, with its type and an example."""
    import json

    from assembler.documents.variables import FILTERS, ROLE_ONLY, context_tree, walk

    tree = context_tree()
    click.echo("Variables (a[] is an item of the list a: use it in {%p for x in a %}):")
    for path, var in walk(tree):
        if not path:
            continue
        top = path.split(".")[0].split("[")[0]
        owner = ROLE_ONLY.get(top)
        if role and owner and owner != role:
            continue
        example = "" if var.example is None else json.dumps(var.example, ensure_ascii=False)
        note = f"  [{owner} template only]" if owner and not role else ""
        hint = f"  -- {var.doc}" if var.doc else ""
        click.echo(f"  {path:48} {var.type:8} {example[:60]}{note}{hint}")
    click.echo("Filters ({{ value|filter }}):")
    for name, doc in FILTERS.items():
        click.echo(f"  {name:48} {doc}")


@templates.command("check")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path), required=False)
@settings_option
def templates_check(folder, settings_file):
    """Check a folder of templates (default: the ones that would be used)."""
    from assembler.errors import TemplateError
    from assembler.documents.check import check_template
    from assembler.casefile.settings import load_settings
    from assembler.documents.choose import choose

    if folder is not None:
        files = sorted(folder.glob("*.docx"))
        if not files:
            raise TemplateError(f"{folder}: no .docx templates in it")
        findings = [f for path in files if not path.name.startswith("~$") for f in check_template(path)]
    else:
        from assembler.documents.choose import check_set
        findings = check_set(choose(load_settings(settings_file, None)))
        files = []
    for finding in findings:
        click.echo(finding.render(), err=True)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise TemplateError(f"{len(errors)} error(s) in the templates")
    click.echo("templates OK" + (f" ({len(findings)} warning(s))" if findings else ""))


def main(argv=None):
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    try:
        rv = cli.main(args=argv, prog_name="pdpacket", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(ExitCode.interrupted)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(ExitCode.interrupted)
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
