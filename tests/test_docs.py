"""The README and the documentation site say only what is true of the program: every `pdpacket` command
they show (with its options) is a real command, every `make` target a real target, every exit code is
in the README's table; the README stays short enough to read in two minutes; and the site's strict build
fails on a broken link or anchor."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess

import click
import pytest
import yaml

from assembler.cli import cli
from assembler.errors import ExitCode
from helpers import REPO

README = REPO / "README.md"
PAGES = sorted((REPO / "docs").rglob("*.md"))
MAX_README_LINES = 120

# `pdpacket` as a command (also `.venv/bin/pdpacket`), not as part of a name (pdpacket.yaml, pdpacket-env).
SHOWN = re.compile(r"(?<![\w.-])pdpacket(?:\s+-v)?\s+([a-z][\w-]*)(.*)")
OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


def code_in(text: str) -> list[str]:
    """The lines of the fenced code blocks (less their `#` comments) and the inline code spans."""
    found, prose, fenced = [], [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced:
            found.append(re.split(r"\s#\s", line)[0])
        else:
            prose.append(line)
    found += re.findall(r"`([^`]+)`", "\n".join(prose))
    return found


def options_of(command: click.Command) -> set[str]:
    return {name for param in command.params if isinstance(param, click.Option) for name in param.opts} | {
        "-h", "--help"}


def problems_in(text: str) -> list[str]:
    """Each `pdpacket ...` shown whose command, subcommand or option the CLI does not have."""
    problems = []
    for code in code_in(text):
        for name, rest in SHOWN.findall(code):
            command = cli.commands.get(name)
            if command is None:
                problems.append(f"`pdpacket {name}`: no such command ({code.strip()})")
                continue
            commands = [command]
            if isinstance(command, click.Group):
                first = re.match(r"\s+([a-z][\w|-]*)", rest)
                asked = first.group(1).split("|") if first else []
                unknown = [sub for sub in asked if sub not in command.commands]
                problems += [f"`pdpacket {name} {sub}`: no such command ({code.strip()})" for sub in unknown]
                words = set(re.findall(r"[a-z][\w-]*", rest))
                commands = [sub for key, sub in command.commands.items() if key in words] or [command]
            allowed = set().union(*(options_of(c) for c in commands))
            problems += [f"`pdpacket {name}`: no option {option} ({code.strip()})"
                         for option in OPTION.findall(rest) if option not in allowed]
    return problems


def make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split())


def test_every_pdpacket_command_shown_is_a_real_command_with_real_options():
    assert len(PAGES) > 15  # the site's pages are found
    problems = {str(path.relative_to(REPO)): problems_in(path.read_text(encoding="utf-8"))
                for path in [README, *PAGES]}
    assert {page: found for page, found in problems.items() if found} == {}


def test_the_command_check_catches_a_command_and_an_option_that_do_not_exist():
    assert problems_in("Run `.venv/bin/pdpacket build CASE --strict` then `pdpacket offices --court X`.") == []
    assert problems_in("```\npdpacket templates list|export DIR [--role R]   # the templates\n```") == []
    assert len(problems_in("Run `pdpacket setup FOLDER`.")) == 1
    assert len(problems_in("```\npdpacket build CASE --fast\n```")) == 1
    assert len(problems_in("Run `pdpacket templates lint DIR`.")) == 1


def test_every_make_target_the_readme_shows_exists():
    shown = {name for code in code_in(README.read_text(encoding="utf-8"))
             for name in re.findall(r"(?<![\w-])make\s+([a-z][\w-]*)", code)}
    assert {"demo", "test", "shell", "docs"} <= shown
    assert sorted(shown - make_targets()) == []


def test_the_readme_is_read_in_two_minutes():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < MAX_README_LINES
    text = "\n".join(lines)
    # What pdpacket does comes first, then the two commands, then the first case.
    assert text.index("assembles prosecutorial-discretion") < text.index("make demo") < text.index(
        "## Your first case") < text.index("## Exit codes")
    assert ".venv/bin/pdpacket" in text and "make shell" in text


def test_every_exit_code_is_in_the_readme_and_on_the_site():
    readme = README.read_text(encoding="utf-8")
    table = readme[readme.index("[start:exit-codes]"):readme.index("[end:exit-codes]")]
    rows = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert rows == {int(code) for code in ExitCode}
    page = (REPO / "docs" / "reference" / "exit-codes.md").read_text(encoding="utf-8")
    assert '--8<-- "README.md:exit-codes"' in page


def test_every_page_is_in_the_nav():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = set(re.findall(r"[\w/-]+\.md", str(config["nav"])))
    assert sorted(str(p.relative_to(REPO / "docs")) for p in PAGES) == sorted(listed)


def _site(folder, link: str, caplog) -> str | None:
    """Build a two-page site with the project's validation settings, its index linking to `link`, as
    `mkdocs build --strict` does (in this process: mkdocs's own build function): None when it built, else
    the warnings that stopped it."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text(f"# Home\n\nSee [the other page]({link}).\n")
    (folder / "docs" / "other.md").write_text("# Other\n\n## A section\n\nText.\n")
    site = {"site_name": "t", "docs_dir": "docs", "site_dir": "site", "theme": {"name": "mkdocs"},
            "validation": config["validation"], "nav": ["index.md", "other.md"]}
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(site))
    caplog.clear()
    try:
        build(load_config(str(folder / "mkdocs.yml"), strict=True))
    except Abort:
        return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    return None


def test_the_strict_build_fails_on_a_broken_link_or_anchor(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    assert _site(tmp_path / "good", "other.md#a-section", caplog) is None
    for name, link in (("anchor", "other.md#no-such-section"), ("page", "missing.md")):
        warnings = _site(tmp_path / name, link, caplog)
        assert warnings is not None, f"a broken {name} link built"
        assert link.split("#")[-1] in warnings


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_shell_puts_the_checkouts_pdpacket_on_path(tmp_path):
    # Stand-ins say every system package is installed: the test never runs apt-get.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg-query").write_text("#!/bin/sh\nprintf 'install ok installed'\n")
    (bin_dir / "dpkg-query").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "SHELL": "/bin/bash"}
    result = subprocess.run(["make", "-s", "shell"], cwd=REPO, env=env, input="command -v pdpacket\nexit\n",
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert str(REPO / ".venv" / "bin" / "pdpacket") in result.stdout.splitlines()


def test_the_command_reference_names_every_command():
    # the CLI walk-through found `init` and `smtp-password` in `pdpacket --help` and not in the reference
    page = (REPO / "docs" / "paralegal" / "commands.md").read_text(encoding="utf-8")
    named = {name for row in re.findall(r"^\| (`.*?) \|", page, flags=re.M) for name in re.findall(r"`([a-z-]+)", row)}
    assert sorted(set(cli.commands) - named) == []
