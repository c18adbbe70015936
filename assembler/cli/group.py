"""The `pdpacket` command group and the options its commands share."""
from __future__ import annotations

from pathlib import Path

import click

from assembler import __version__

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


no_cache_option = click.option(
    "--no-cache", "no_cache", is_flag=True,
    help="Convert every document with LibreOffice (and redo what builds keep: template checks, font subsets...), "
         "neither using nor filling the cache of converted PDFs.")


no_ocr_option = click.option(
    "--no-ocr", "no_ocr", is_flag=True,
    help="Leave scanned exhibits without a text layer (no OCR), whatever the settings' ocr.enabled say.")
no_keep_option = click.option(
    "--no-keep", "no_keep", is_flag=True,
    help="Neither use nor leave running the LibreOffice kept between commands (the keeper): "
         "this command starts its own and stops it.")


def build_options(quiet_help: str):
    """The options `build`, `court` and `batch` share."""
    def apply(command):
        for option in (no_ocr_option, no_cache_option, split_option, templates_option, click.option("-q", "--quiet", is_flag=True, help=quiet_help),
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
