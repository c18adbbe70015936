"""What the tests share that is not a fixture: case data, inputs made on the spot,
and reading a filing back the way a person would."""
from __future__ import annotations

import copy
import hashlib
import html
import os
import re
from pathlib import Path

import yaml
from pypdf import PdfReader
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
FAKES = Path(__file__).resolve().parent / "fakes"
# The samples' hearing dates lie after this day; pinning it keeps the suite
# meaningful whatever day it runs.
TODAY = "2026-11-28"

# --- property tests (hypothesis) --------------------------------------------------------

# `make test-fast` selects the hypothesis profile "fast" (tests/conftest.py): a tenth of each property
# test's examples, at least FAST_EXAMPLES (all of them if it has fewer); `make test` the profile "ci",
# every example. A test's own @settings(max_examples=...) outranks any profile, so those tests ask here.
FAST_EXAMPLES = 10
FAST = os.environ.get("HYPOTHESIS_PROFILE") == "fast"


def examples(thorough: int) -> int:
    """max_examples for a property test that draws `thorough` examples in the full tier."""
    return max(min(thorough, FAST_EXAMPLES), thorough // 10) if FAST else thorough


# --- case data ----------------------------------------------------------------------

MINIMAL = {
    "respondent": {"family_names": "Tenzin", "a_number": "A087654321", "date_of_birth": "1990-01-20",
                   "country_of_citizenship": "Nepal"},
    "proceedings": {"court": "Chicago Immigration Court", "stage": "master_calendar"},
    "office": "chicago",
    "request": {"relief": ["administrative_closure"], "summary": "S.", "facts": "F.",
                "favorable_factors": [{"title": "T", "text": "X"}], "negative_factors": "none",
                "criminal_history": "none", "conclusion": "C."},
    "attorney": {"name": "Daniel Okafor", "bar_number": "5123456", "bar_state": "NY",
                 "address": ["350 Broadway", "New York, NY 10013"], "phone": "(212) 555-0142",
                 "email": "d@example.org"},
    "service": {"method": "mail", "date": "2026-12-03", "served_by": "Daniel Okafor"},
    "immigration_history": [],
    "consent": {"date": "2026-11-25", "explained_by": "Daniel Okafor", "language": "English",
                "risks": ["arrest_after_dismissal", "expedited_removal", "losing_cancellation"]},
}

DELETE = object()  # minimal(**{"respondent.a_number": DELETE}) removes the field


def minimal(**changes) -> dict:
    """A valid minimal case with dotted-path changes: minimal(**{"respondent.language": "Spanish"})."""
    data = copy.deepcopy(MINIMAL)
    for dotted, value in changes.items():
        target = data
        keys = dotted.split(".")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        if value is DELETE:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value
    return data


def dump_yaml(data, **options) -> str:
    """yaml.safe_dump through libyaml's emitter where PyYAML has it: the same text, and a case holding a
    megabyte-long value is written in milliseconds instead of seconds (the pure-Python emitter's scalar
    analysis)."""
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True, **options)


def load_yaml(text: str):
    """yaml.safe_load through libyaml's parser where PyYAML has it, as pdpacket reads case files
    (casefile/read.py): the same objects (tests/test_validate.py checks it on the shipped files), in a
    tenth of the time the pure-Python parser takes on a case file."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader


def write_case(folder: Path, data=None, text: str | None = None, name="case.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = dump_yaml(data if data is not None else MINIMAL, sort_keys=False)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def cases_folder(tmp_path: Path, **cases: dict) -> Path:
    """A cases folder beside the samples' firm settings, with a case folder for each name given."""
    root = tmp_path / "cases"
    root.mkdir()
    copy_firm_settings(root)
    for name, data in cases.items():
        write_case(root / name, data)
    return root


class Result:
    """What the `run` fixture returns: the exit code and the captured output."""

    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


def tree_hashes(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- inputs made on the spot ----------------------------------------------------------

def make_pdf(path: Path, pages: int = 1, text: str = "Exhibit", size=letter) -> Path:
    """A PDF whose pages read '<text> page <n>'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path), pagesize=size, invariant=1)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 12)
        c.drawString(72, size[1] - 72, f"{text} page {n}")
        c.showPage()
    c.save()
    return path


def make_docx(path: Path, *paragraphs) -> Path:
    """A .docx whose paragraphs are the given texts; a list is one paragraph of (text, bold) runs."""
    from docx import Document
    doc = Document()
    for p in paragraphs:
        if isinstance(p, list):
            para = doc.add_paragraph()
            for text, bold in p:
                para.add_run(text).bold = bold
        else:
            doc.add_paragraph(p)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def fake_soffice(folder: Path, body: str, name: str = "fake-soffice") -> Path:
    """A shell script to put in PDPACKET_SOFFICE in place of LibreOffice."""
    fake = folder / name
    fake.write_text("#!/bin/sh\n" + body + "\n")
    fake.chmod(0o755)
    return fake


# --- reading a filing back -------------------------------------------------------------

def page_texts(pdf: Path) -> list[str]:
    """Non-breaking spaces (which keep dates and "Tab X" on one line) read as the spaces a person sees."""
    return [(p.extract_text() or "").replace("\u00a0", " ") for p in PdfReader(pdf).pages]


def tab_pages(texts: list[str]) -> dict[str, int]:
    """Tab letter -> the 1-based page whose text starts with 'TAB X'."""
    found = {}
    for number, text in enumerate(texts, start=1):
        m = re.match(r"\s*TAB ([A-Z]{1,3})\n", text)
        if m:
            found[m.group(1)] = number
    return found


def index_ranges(texts: list[str]) -> dict[str, tuple[int, int]]:
    """Tab letter -> (first, last) as printed in the index pages."""
    start = next(i for i, t in enumerate(texts) if "INDEX OF EXHIBITS" in t)
    index_text = ""
    for text in texts[start:]:
        if index_text and re.match(r"\s*TAB [A-Z]", text):
            break
        index_text += re.sub(r"Page \d+ of \d+\s*$", "", text.strip()) + "\n"
    ranges = {}
    # (?<!,): the year of a date ("dated November 20, 2026") is not a page number.
    for m in re.finditer(r"(?ms)^([A-Z]{1,3}) (?:.*?)(?<!,)[ \n](\d+)(?:\u2013(\d+))?$", index_text):
        first = int(m.group(2))
        ranges[m.group(1)] = (first, int(m.group(3) or first))
    return ranges


def outline_titles(pdf: Path) -> list:
    def walk(items):
        return [walk(i) if isinstance(i, list) else i.title for i in items]
    return walk(PdfReader(pdf).outline)


def copy_firm_settings(root: Path) -> None:
    """The samples' firm settings into `root`, with the files they name (the G-28 stand-in)."""
    import shutil
    root.mkdir(parents=True, exist_ok=True)
    for name in ("pdpacket.yaml", "g28-stand-in.pdf"):
        shutil.copy(SAMPLES / name, root / name)


# --- the web app's case form -----------------------------------------------------------

def form_of(c, case="tenzin") -> dict[str, list[str]]:
    """The edit page's form as a browser would submit it (text inputs, selects, text areas, checked boxes)."""
    page = c.get(f"/case/{case}").text
    form = page[page.index('<form id="case-form"'): page.index("</form>")]
    form = re.sub(r"<template>.*?</template>", "", form, flags=re.S)
    data: dict[str, list[str]] = {}
    for m in re.finditer(r'<input type="(?:text|date|hidden)" name="([^"]+)" value="([^"]*)"', form):
        data.setdefault(html.unescape(m[1]), []).append(html.unescape(m[2]))
    for m in re.finditer(r'<input type="checkbox" name="([^"]+)" value="([^"]+)" checked', form):
        data.setdefault(html.unescape(m[1]), []).append(html.unescape(m[2]))  # as a browser posts them
    for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, flags=re.S):
        data[html.unescape(m[1])] = [html.unescape(m[2].removeprefix("\n"))]  # as HTML parsers do
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, flags=re.S):
        chosen = re.search(r'<option value="([^"]*)"\s*selected', m[2])
        data[m[1]] = [html.unescape(chosen[1]) if chosen else ""]
    return data


def changed_paths(before, after, prefix="") -> set[str]:
    """The paths where two case documents differ (a list that changed length counts as itself)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: set[str] = set()
        for key in {*before, *after}:
            out |= changed_paths(before.get(key), after.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = set()
        for i, (a, b) in enumerate(zip(before, after, strict=True)):
            out |= changed_paths(a, b, f"{prefix}[{i}]")
        return out
    return set() if before == after else {prefix}


def approve_case(case_dir: Path, by: str = "Daniel Okafor", settings_file: Path | None = None) -> Path:
    """CASE/approval.json for the case's inputs as they are now, as `pdpacket approve` writes it after the
    attorney read a build, but without that build (cheap): the next build is the final filing.
    `pdpacket approve` itself is tested in test_approval.py."""
    from assembler.casefile.case import case_settings, validate_case
    from assembler.options import CommandOptions
    from assembler.pdf import approval
    from assembler.pdf.manifest import content_key

    options = CommandOptions.of(settings_file)
    settings = case_settings(Path(case_dir), options)
    case = validate_case(Path(case_dir), options, False, settings)
    manifest = {"content_key": content_key(case, settings), "filing": {"sha256": None}}
    return approval.write(case.dir, approval.make(case, settings, manifest, by, "2026-12-01T12:00:00+00:00"))


def isolated_env(mp, root: Path) -> None:
    """A test's own day, no firm settings from the environment, and its own config folder and ledger under
    `root` (mp: a pytest.MonkeyPatch, for a fixture or a test)."""
    mp.setenv("PDPACKET_TODAY", TODAY)
    mp.delenv("PDPACKET_SETTINGS", raising=False)
    mp.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
    mp.setenv("PDPACKET_LEDGER", str(root / "pdpacket.db"))


def settings_form(page: str) -> dict[str, str]:
    """The web app's Settings form as a browser submits it (its text fields, its selects)."""
    form = page[page.index('<form method="post" action="/settings"'): page.index("</form>")]
    data = {html.unescape(m[1]): html.unescape(m[2]) for m in
            re.finditer(r'<input type="(?:text|email|date|number|hidden)" name="([^"]+)" value="([^"]*)"', form)}
    for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, flags=re.S):
        data[m[1]] = html.unescape(m[2])
    for m in re.finditer(r'<select name="([^"]+)">(.*?)</select>', form, flags=re.S):
        data[m[1]] = re.search(r'<option value="([^"]*)"\s*selected', m[2])[1]
    return data
