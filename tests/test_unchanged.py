"""A rebuild with nothing changed (assembler/unchanged.py): `pdpacket build` says what the last build said,
exits 0 and touches nothing, before importing the library; anything it came from or made that changed
since means a full build, whose filing is the one a build from scratch makes.

The builds run as `pdpacket build`, each in a process of its own, sharing one cache of converted PDFs
(so that a full rebuild takes seconds); a full build is told from the fast path by the line it does
not print ("unchanged since the build of ...")."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, SAMPLES, TODAY, copy_firm_settings, page_texts

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

SAID = "unchanged since the build of "
LETTER_FIELD = "exercise prosecutorial discretion and move to dismiss these proceedings."


class Case:
    """A copy of sample 1 beside the samples' settings, built into `out` by `pdpacket build`."""

    def __init__(self, root: Path):
        self.root = root
        copy_firm_settings(root / "cases")
        self.dir = root / "cases" / "1-garcia-lopez"
        shutil.copytree(SAMPLES / "1-garcia-lopez", self.dir, ignore=shutil.ignore_patterns("approval.json"))
        self.out = root / "out"
        self.env = {**os.environ, "PDPACKET_CACHE": str(root / "cache"), "PDPACKET_TODAY": TODAY,
                    "XDG_CONFIG_HOME": str(root / "xdg"), "PDPACKET_LEDGER": str(root / "ledger.db"),
                    "PDPACKET_KEEPER": "off"}
        self.env.pop("PDPACKET_SETTINGS", None)

    def build(self, *more: str, out: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "assembler", "build", str(self.dir), "-o", str(out or self.out),
                               "-q", *more], cwd=REPO, env=env or self.env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    def fresh(self, *more: str, env: dict | None = None) -> str:
        """The filing's sha256 from a build into a new folder (no record there: a full build)."""
        out = self.root / f"fresh-{len(list(self.root.glob('fresh-*')))}"
        done = self.build(*more, out=out, env=env)
        assert SAID not in done.stderr
        return _sha(next(out.glob("*.pdf")))

    def settled(self) -> None:
        """Built, and a second build found nothing changed: the start of every test."""
        self.build()
        assert SAID in self.build().stderr

    def filing(self) -> Path:
        return next(self.out.glob("*.pdf"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, tuple[int, str]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, _sha(p)) for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return Case(tmp_path_factory.mktemp("unchanged"))


def test_a_rebuild_with_nothing_changed_says_the_same_and_touches_nothing(case):
    full = case.build()
    before = _tree(case.out)
    again = case.build()
    assert _tree(case.out) == before, "no output file rewritten: same bytes, same modification time"
    lines = again.stderr.splitlines()
    [since] = [line for line in lines if line.startswith(SAID)]
    assert since.endswith(str(case.filing()))
    assert [line for line in lines if line != since] == full.stderr.splitlines(), "the same warnings, in order"
    assert "warning:" in full.stderr, "the sample's build has warnings: the fast path must repeat them"
    assert again.stdout == full.stdout


def test_the_fast_path_imports_no_pdf_or_template_library(case):
    case.settled()
    probe = ("import runpy, sys\nsys.argv = ['pdpacket', 'build', sys.argv[1], '-o', sys.argv[2], '-q']\n"
             "try:\n    runpy.run_module('assembler', run_name='__main__')\nexcept SystemExit as e:\n"
             "    heavy = [m for m in ('pypdf', 'docxtpl', 'docx', 'jinja2', 'click', 'cerberus', 'lxml', 'yaml',"
             " 'ruamel', 'reportlab', 'fontTools') if m in sys.modules]\n"
             "    print('HEAVY', heavy, e.code, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(case.dir), str(case.out)], cwd=REPO, env=case.env,
                          capture_output=True, text=True, timeout=120)
    assert "HEAVY [] 0" in done.stderr, done.stderr
    assert SAID in done.stderr


@pytest.mark.parametrize("change", ["case field", "exhibit bytes", "a new file in the case folder"])
def test_a_changed_input_of_the_case_builds_again_and_right(case, change):
    case.settled()
    if change == "case field":
        case_file = case.dir / "case.yaml"
        case_file.write_text(case_file.read_text(encoding="utf-8").replace(LETTER_FIELD, LETTER_FIELD.replace(
            "these", "these very")), encoding="utf-8")
    elif change == "exhibit bytes":
        shutil.copy(case.dir / "exhibits" / "passport.pdf", case.dir / "exhibits" / "lease.pdf")
    else:
        (case.dir / "exhibits" / "notes.txt").write_text("a paralegal's note\n", encoding="utf-8")
    done = case.build()
    assert SAID not in done.stderr, f"{change}: built again"
    assert _sha(case.filing()) == case.fresh(), "the filing a build from scratch makes"
    if change == "case field":
        assert "dismiss these very proceedings" in " ".join(" ".join(t.split()) for t in page_texts(case.filing()))
    assert SAID in case.build().stderr, "and the next build with nothing changed is fast again"


def test_a_file_touched_with_the_same_bytes_is_unchanged(case):
    case.settled()
    case_file = case.dir / "case.yaml"
    os.utime(case_file, ns=(case_file.stat().st_atime_ns, case_file.stat().st_mtime_ns + 10**9))
    assert SAID in case.build().stderr


def test_a_changed_template_builds_again(case, tmp_path):
    from docx import Document

    case.settled()
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(REPO / "templates" / "letter.docx", templates / "letter.docx")
    case.build("--templates", str(templates))
    assert SAID in case.build("--templates", str(templates)).stderr
    letter = Document(str(templates / "letter.docx"))
    letter.add_paragraph("A SENTENCE THE FIRM ADDED TO ITS LETTER.")
    letter.save(str(templates / "letter.docx"))
    done = case.build("--templates", str(templates))
    assert SAID not in done.stderr
    assert "A SENTENCE THE FIRM ADDED TO ITS LETTER." in " ".join(page_texts(case.filing()))


def test_a_template_that_appears_in_a_templates_folder_builds_again(case, tmp_path):
    """The build only asked whether declaration.docx was in the --templates folder (it was not): one put
    there later overrides the default's, so the folder's listing is an input."""
    from docx import Document

    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(REPO / "templates" / "letter.docx", templates / "letter.docx")
    case.build("--templates", str(templates))
    assert SAID in case.build("--templates", str(templates)).stderr
    declaration = Document(str(REPO / "templates" / "declaration.docx"))
    declaration.add_paragraph("THE FIRM'S OWN DECLARATION TEMPLATE.")
    declaration.save(str(templates / "declaration.docx"))
    assert SAID not in case.build("--templates", str(templates)).stderr
    assert "THE FIRM'S OWN DECLARATION TEMPLATE." in " ".join(page_texts(case.filing()))


def test_a_settings_file_that_appears_where_the_build_looked_builds_again(case):
    """No --settings, no PDPACKET_SETTINGS: the build took the user's settings file after looking for a
    pdpacket.yaml beside the case's folder; one made there later comes first, so it is a change."""
    lone = case.root / "lone"
    user = case.root / "xdg-lone" / "pdpacket"
    if not lone.exists():
        shutil.copytree(case.dir, lone / "1-garcia-lopez")
        user.mkdir(parents=True)
        shutil.copy(case.root / "cases" / "pdpacket.yaml", user / "settings.yaml")
        shutil.copy(case.root / "cases" / "g28-stand-in.pdf", user / "g28-stand-in.pdf")
    (lone / "pdpacket.yaml").unlink(missing_ok=True)
    folder = lone / "1-garcia-lopez"
    env = {**case.env, "XDG_CONFIG_HOME": str(case.root / "xdg-lone")}

    def build() -> str:
        done = subprocess.run([sys.executable, "-m", "assembler", "build", str(folder), "-q"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr

    build()
    assert SAID in build()
    shutil.copy(case.root / "cases" / "g28-stand-in.pdf", lone / "g28-stand-in.pdf")
    (lone / "pdpacket.yaml").write_text((user / "settings.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert SAID not in build()


def test_changed_settings_options_or_environment_build_again(case):
    case.settled()
    settings = case.root / "cases" / "pdpacket.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n# checked again\n", encoding="utf-8")
    assert SAID not in case.build().stderr, "the settings file"
    assert SAID in case.build().stderr
    assert SAID not in case.build("--no-ocr").stderr, "an option"
    assert SAID in case.build("--no-ocr").stderr
    assert SAID not in case.build().stderr, "the option taken away"
    assert SAID not in case.build("--no-cache").stderr, "--no-cache always builds"
    other_day = {**case.env, "PDPACKET_TODAY": "2026-11-29"}
    assert SAID not in case.build(env=other_day).stderr, "an environment variable (here: the day)"


def test_another_day_builds_again(case):
    """A build asks for the day (validation checks dates against it; letters print it): the record says
    which; the fast path holds on that day only."""
    case.settled()
    record = case.out / ".last-build.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["today"] == TODAY
    data["today"] = "2026-11-27"  # as if built yesterday
    record.write_text(json.dumps(data), encoding="utf-8")
    assert SAID not in case.build().stderr


def test_pdpackets_code_and_data_are_inputs(case):
    case.settled()
    record = case.out / ".last-build.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    law = [p for p in data["inputs"] if "/assembler/data/" in p]
    assert law, "pdpacket's data files are fingerprinted"
    assert any(p.endswith("/pypdf/__init__.py") for p in data["inputs"]), "so are the libraries"
    data["inputs"][law[0]][0][1] += 1  # its modification time, as after an upgrade
    record.write_text(json.dumps(data), encoding="utf-8")
    assert SAID not in case.build().stderr


@pytest.mark.parametrize("how", ["deleted", "edited"])
def test_an_output_file_deleted_or_edited_builds_again(case, how):
    case.settled()
    good = _sha(case.filing())
    target = next((case.out / "docx").glob("*.docx")) if how == "deleted" else case.filing()
    if how == "deleted":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes() + b"\n% scribbled\n")
    assert SAID not in case.build().stderr
    assert target.exists() and _sha(case.filing()) == good


def test_the_api_returns_the_recorded_result(case, monkeypatch):
    """api.build, as the web app calls it: the result of the last build, warnings and all."""
    from assembler import api

    for name, value in case.env.items():
        if name.startswith(("PDPACKET_", "XDG_")):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    full = api.build(case.dir, case.out)
    assert full.unchanged_since is None
    again = api.build(case.dir, case.out)
    assert again.unchanged_since is not None
    assert (again.filing, again.pages, again.warnings, again.notes) == (full.filing, full.pages, full.warnings,
                                                                      full.notes)


def test_one_field_of_the_letter_changed_renders_and_converts_the_letter_alone(tmp_path, monkeypatch):
    """A render is kept under its template's bytes and only the context values the template reads
    (documents/render.py): the other documents are neither rendered nor converted again, and the filing
    is byte-identical to a cold build's."""
    from assembler import api
    from assembler.convert import cache
    from assembler.documents import render

    fresh = Case(tmp_path)
    for name, value in fresh.env.items():
        if name.startswith(("PDPACKET_", "XDG_")):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    api.build(fresh.dir, tmp_path / "out1")
    case_file = fresh.dir / "case.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace(LETTER_FIELD, LETTER_FIELD.replace(
        "these", "these very")), encoding="utf-8")
    rendered: list[str] = []
    real_render = render._rendered
    monkeypatch.setattr(render, "_rendered", lambda template, *a, **k: (rendered.append(template.name),
                                                                        real_render(template, *a, **k))[1])
    converted: list[str] = []
    real_put = cache.Cache.put
    monkeypatch.setattr(cache.Cache, "put", lambda self, *a, **k: (converted.append("one"), real_put(self, *a, **k))[1])
    again = api.build(fresh.dir, tmp_path / "out2")
    assert rendered == ["letter.docx"], "the letter alone reads the changed field"
    assert len(converted) == 1, "and is the only document converted"
    cold = api.build(fresh.dir, tmp_path / "out3", api.BuildOptions(no_cache=True))
    assert _sha(again.filing) == _sha(cold.filing)
