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
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
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
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def build(case, out, settings_file, strict, quiet):
    """Build the filing PDF, the Word copies and the manifest for a case."""
    from assembler.build import build as build_case
    from assembler.progress import Progress

    result = build_case(case, out, settings_file=settings_file, strict=strict,
                        progress=Progress(False if quiet else None))
    for problem in result.warnings:
        click.echo(problem.render(), err=True)
    click.echo(f"{result.filing} ({result.pages} pages)")


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
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def batch(source, out, jobs, force, validate_only, exhibits_dir, settings_file, strict, quiet):
    """Build (or check) every case of a folder of case folders, or of a CSV/XLSX export."""
    from assembler.batch import BatchFailed, run_batch, summarize

    outcomes = run_batch(source, out, jobs=jobs, force=force, strict=strict, validate_only=validate_only,
                         settings_file=settings_file, exhibits_dir=exhibits_dir, quiet=quiet)
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
    from assembler.settings import load_settings

    settings = load_settings(settings_file, case)
    for key in sorted(settings.offices):
        office = settings.offices[key]
        mark = "" if office.get("verified") else "  (unverified)"
        click.echo(f"{key:16} {office['name']}{mark}")
        click.echo(f"{'':16} {'; '.join(office['address'][2:] or office['address'])}")
        click.echo(f"{'':16} source: {office.get('source', '?')}, as of {office.get('as_of', '?')}")


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
