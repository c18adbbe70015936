"""`pdpacket forms ..., templates ..., sign, signed`: the official forms, the Word templates, the pages to sign and
the signed pages read back."""
from __future__ import annotations

from pathlib import Path

import click

from assembler.cli.group import (
    cli,
    settings_option,
    templates_option,
)
from assembler.errors import command
from assembler.options import BuildOptions, CommandOptions
from assembler.vocab import IMAGE_SUFFIXES, Role


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
    if not fields and form.suffix.lower() in IMAGE_SUFFIXES:
        click.echo(f"{form}: no form fields (a picture: a scan or a photo of a form, which goes into the filing "
                   "as it is, a page per picture)", err=True)
    elif not fields:
        click.echo(f"{form}: no form fields (a flat PDF: it goes into the filing as it is)", err=True)
        return
    for f in fields:
        values = f"  [{', '.join(f.values)}]" if f.values and f.kind != "checkbox" else ""
        on = f"  (on: {f.values[0]})" if f.kind == "checkbox" and f.values else ""
        click.echo(f"{f.name:48} {f.kind:9} page {f.page}{values}{on}")


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

    for role, choice in list_templates(CommandOptions.of(settings_file), templates_dir, case).items():
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
               f"`{command('templates', 'check', dest)}`", err=True)


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

    findings = check_templates(folder, CommandOptions.of(settings_file), case)
    for finding in findings:
        click.echo(finding.render(), err=True)
    errors = errors_of(findings)
    if errors:
        raise TemplateError(f"{len(errors)} error(s) in the templates")
    click.echo("templates OK" + (f" ({len(findings)} warning(s))" if findings else ""))


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

    packet = sign_packet(case, out, target, BuildOptions.of(settings_file, templates_dir))
    for section in packet.sections:
        docs = ", ".join(d.get("label") or d["title"] for d in section.documents)
        click.echo(f"{section.copy}. {section.name} ({section.language}): {docs}", err=True)
        if section.cover_note:  # the re-walk: "(Portuguese)" above a cover all in English
            click.echo(f"   {section.cover_note}", err=True)
    for note in packet.notes:
        click.echo(note.render(), err=True)
    click.echo(f"{packet.file} ({packet.pages} pages, {len(packet.sections)} signer(s))")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.argument("scans", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Read and report, write nothing.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The build's output folder (default: CASE/out).")
@settings_option
@templates_option
def signed(case, scans, dry_run, out, settings_file, templates_dir):
    """Read signed pages back: scans (PDF) and photos (JPEG, PNG, TIFF) in any order and rotation, each page
    found by its page code and checked against the case's current build; the signed pages go into CASE/signed/."""
    from assembler.api import read_signed
    from assembler.errors import InputFileError

    reading = read_signed(case, list(scans), out, dry_run, BuildOptions.of(settings_file, templates_dir))
    signer = None
    for st in reading.states:
        if st.signer != signer:
            signer = st.signer
            click.echo(signer)
        said = {"signed": f"signed (page {st.page}, {st.note})", "missing": f"missing page {st.page}",
                "outdated": f"outdated page {st.page}: {st.note}"}[st.state]
        click.echo(f"  {st.document}: {said}")
        if st.warning:
            click.echo(f"  WARNING: {st.document}: {st.warning}")
    for line in reading.refused + reading.unreadable:
        click.echo(line, err=True)
    pages = len(reading.accepted)
    if reading.dry_run:
        click.echo(f"dry run: {pages} signed page(s) would go into {reading.folder}; nothing written")
    else:
        click.echo(f"{pages} signed page(s) written to {reading.folder}" if pages else "no signed page written")
        if pages:  # what the paralegal does next: the filing has them only once built again
            click.echo(f"next: build again to put them into the filing (`{command('build', Path(case))}`)", err=True)
    if not reading.ok:
        raise InputFileError(f"{len(reading.refused)} page(s) refused, {len(reading.unreadable)} unreadable: see above")


@cli.command()
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--as", "name", required=True, metavar="NAME",
              help="The attorney who read the built filing and approves it (one of approval.attorneys in the "
                   "settings, when the firm lists them).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The build's output folder (default: CASE/out).")
@click.option("--build", "then_build", is_flag=True, help="Build the final filing right after approving.")
@settings_option
@templates_option
def approve(case, name, out, then_build, settings_file, templates_dir):
    """Approve the filing built now, as the attorney who read it: the next build prints the "/s/" signatures of
    the letter and the certificate of service and drops the DRAFT mark. Recorded in CASE/approval.json and the
    ledger; any later change to the case makes the approval stale."""
    from assembler.api import approve as approve_case

    options = BuildOptions.of(settings_file, templates_dir)
    approved = approve_case(case, name, out, options)
    for note in approved.notes:
        click.echo(note, err=True)
    click.echo(f"{approved.filing.name}: approved by {approved.by} ({approved.file})")
    if not then_build:
        click.echo(f"now build the final filing: {approved.rebuild}", err=True)
        return
    from assembler.api import Progress
    from assembler.api import build as build_case

    result = build_case(case, out, options, progress=Progress(False))
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(f"{result.filing} ({result.pages} pages)")
