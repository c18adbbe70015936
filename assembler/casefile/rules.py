"""Rules that look at more than one field, or at the files a case names."""
from __future__ import annotations

import difflib
import os
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assembler.casefile import legal, limits, sections
from assembler.casefile.forms import COURT, FILING, FillChecks, FormSpec, form_items, missing_forms, resolve_forms
from assembler.casefile.views import HasSections
from assembler.errors import Finding
from assembler.vocab import IMAGE_SUFFIXES, Severity

if TYPE_CHECKING:
    from assembler.casefile.settings import Settings

EXHIBIT_KINDS = {".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".tif": "tiff",
                 ".tiff": "tiff", ".docx": "docx", ".odt": "odt", ".heic": "heic", ".heif": "heic"}
IMAGE_KINDS = {".png", ".jpg", ".jpeg"}
# A form: a PDF, or a picture of the form signed on paper (put in as an image exhibit is); never a Word file.
FORM_KINDS = {ext: kind for ext, kind in EXHIBIT_KINDS.items() if ext == ".pdf" or ext in IMAGE_SUFFIXES}
MAGIC = {"pdf": [b"%PDF"], "jpeg": [b"\xff\xd8\xff"], "png": [b"\x89PNG\r\n\x1a\n"],
         "tiff": [b"II*\x00", b"MM\x00*"], "docx": [b"PK\x03\x04"], "odt": [b"PK\x03\x04"],
         "heic": []}
ENGLISH = {"english", "en", "eng"}
US_PLACES = {"united states", "united states of america", "usa", "us", "u.s.", "u.s.a.",
             "puerto rico", "guam", "u.s. virgin islands", "us virgin islands",
             "american samoa", "northern mariana islands"}
HEARING_SOON_DAYS = 14


def is_english(language: str | None) -> bool:
    return (language or "english").strip().lower() in ENGLISH


def signed_in_us(signed: dict) -> bool:
    return signed["country"].strip().lower() in US_PLACES


class Checker(HasSections):
    def __init__(self, doc: dict, case_dir: Path, settings: Any, file: str, lines: dict, today: date) -> None:
        # settings: the Settings; None where only the files a case names are checked (exhibit_file_problem)
        self.doc, self.case_dir, self.settings = doc, case_dir, settings
        self.file, self.lines, self.today = file, lines, today
        self.problems: list[Finding] = []

    def section_source(self) -> dict:
        return self.doc  # the typed views (views.HasSections), made when read: exhibit_file_problem reads none

    def add(self, path: str, message: str, severity: Severity = Severity.error) -> None:
        line = self.lines.get(path)
        probe = path
        while line is None and ("." in probe or "[" in probe):
            probe = probe[: max(probe.rfind("."), probe.rfind("["))]
            line = self.lines.get(probe)
        self.problems.append(Finding(self.file, path, message, severity, line))

    def warn(self, path: str, message: str) -> None:
        self.add(path, message, Severity.warning)


def check(doc: dict, case_dir: Path, settings: Settings, file: str, lines: dict, today: date,
          fill_checks: FillChecks = ()) -> list[Finding]:
    """Every cross-field and file problem of schema-valid case data; `fill_checks` check the forms'
    fill mappings (they need the documents: see casefile/forms.py)."""
    c = Checker(doc, case_dir, settings, file, lines, today)
    _respondent(c)
    _hearing(c)
    _office(c)
    ids = _exhibit_ids(c)
    _citations(c, ids)
    _declarations(c)
    _exhibits(c)
    _signature(c)
    _template_set(c)
    legal.check(c)
    sections.check(c)
    _forms(c, fill_checks)
    return c.problems


def _respondent(c: Checker) -> None:
    r = c.respondent
    born = date.fromisoformat(r.date_of_birth)
    if born > c.today:
        c.add("respondent.date_of_birth", f"{born} is in the future: check the year")
    elif (c.today - born).days > 120 * 365:
        c.add("respondent.date_of_birth", f"{born} would make the respondent over 120: check the year")
    if r.detained and not r.detention_facility:
        c.add("respondent.detention_facility", "the respondent is detained: name the facility")
    _country_code(c, "respondent.country_of_citizenship", r.country_of_citizenship)


def _country_code(c: Checker, path: str, country: str) -> None:
    """A bare code (NO, DE) prints as typed on a filing that should name the country."""
    if len(country) <= 3 and country.isupper() and country.lower() not in US_PLACES:
        c.warn(path, f"'{country}' looks like a country code (YAML reads a bare NO as 'no'; pdpacket kept the "
                     "text): write the country's full name, e.g. Norway")


def _hearing(c: Checker) -> None:
    nh = c.proceedings.next_hearing
    if not nh:
        return
    when = date.fromisoformat(nh["date"])
    if when < c.today:
        c.add("proceedings.next_hearing.date", f"{when} is in the past: enter the next hearing date")
    elif when - c.today <= timedelta(days=HEARING_SOON_DAYS):
        c.warn("proceedings.next_hearing.date",
               f"the hearing on {when} is within {HEARING_SOON_DAYS} days: file the request right away")


def _office(c: Checker) -> None:
    key = c.doc["office"]
    if key not in c.settings.offices:
        close = difflib.get_close_matches(key, list(c.settings.offices), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        c.add("office", f"'{key}' is not a known office: {hint}see `pdpacket offices`, or add it to the settings")


def _exhibit_ids(c: Checker) -> list[str]:
    seen: dict[str, str] = {}
    for kind in ("declarations", "exhibits"):
        for i, item in enumerate(c.doc.get(kind) or []):
            path = f"{kind}[{i}].id"
            if item["id"] in seen:
                c.add(path, f"the id '{item['id']}' is already used by {seen[item['id']]}: ids must be unique")
            else:
                seen[item["id"]] = path.removesuffix(".id")
    return list(seen)


def _citations(c: Checker, ids: list[str]) -> None:
    req = c.request
    for group in ("favorable_factors", "negative_factors", "criminal_history"):
        items = getattr(req, group)
        for i, factor in enumerate(items if isinstance(items, list) else []):  # or "none"
            for j, ref in enumerate(factor.get("exhibits") or []):
                if ref not in ids:
                    close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else "cite the id of an exhibit or declaration"
                    c.add(f"request.{group}[{i}].exhibits[{j}]", f"no exhibit or declaration has the id '{ref}': {hint}")


def _declarations(c: Checker) -> None:
    for i, d in enumerate(c.doc.get("declarations") or []):
        _country_code(c, f"declarations[{i}].signed.country", d["signed"]["country"])
        reads_english = d.get("reads_english")
        if reads_english is None:
            reads_english = is_english(d.get("language"))
        if not reads_english and not d.get("interpreter"):
            c.add(f"declarations[{i}].interpreter",
                  f"{d['declarant']} speaks {d['language']} and does not read English: name the interpreter "
                  "who read the declaration to them (or set reads_english: true)")
        signed = date.fromisoformat(d["signed"]["date"])
        if signed > c.today + timedelta(days=366):
            c.add(f"declarations[{i}].signed.date", f"{signed} is more than a year ahead: check the year")


def _exhibits(c: Checker) -> None:
    for i, e in enumerate(c.doc.get("exhibits") or []):
        _file(c, f"exhibits[{i}].file", e["file"], EXHIBIT_KINDS)
        translation = e.get("translation")
        if not is_english(e.get("language")) and not translation:
            c.add(f"exhibits[{i}].translation",
                  f"the exhibit is in {e['language']}: add its English translation (file and translator)")
        if translation:
            _file(c, f"exhibits[{i}].translation.file", translation["file"], EXHIBIT_KINDS)


def _signature(c: Checker) -> None:
    sig = c.attorney.signature or {}
    if sig.get("image"):
        _file(c, "attorney.signature.image", sig["image"], {k: v for k, v in EXHIBIT_KINDS.items()
                                                             if k in IMAGE_KINDS})


def exhibit_file_problem(case_dir: Path, name: str, today: date) -> str | None:
    """What validate says about a file a case names as an exhibit (inside the folder, not empty, a
    supported kind whose content matches its name), or None when it may be used."""
    checker = Checker({}, case_dir, None, "", {}, today)
    _file(checker, "file", name, EXHIBIT_KINDS)
    return checker.problems[0].message if checker.problems else None


def _file(c: Checker, path: str, name: str, kinds: dict[str, str]) -> None:
    resolved = resolve_case_path(c.case_dir, name)
    if isinstance(resolved, str):
        c.add(path, resolved)
        return
    try:
        is_file = resolved.is_file()
    except OSError as exc:  # a folder on the way that cannot be searched, a name the file system refuses
        c.add(path, f"'{limits.shorten(name)}' cannot be looked at: {exc.strerror}: check the name and the folder's "
                    "permissions")
        return
    if not is_file:
        close = near_miss(c.case_dir, name)
        hint = f"did you mean '{close}'?" if close else "check the name (it is case-sensitive)"
        c.add(path, f"'{name}' does not exist in the case folder: {hint}")
        return
    ext = resolved.suffix.lower()
    if ext not in kinds:
        c.add(path, f"'{name}' is not a supported kind of file: use {', '.join(sorted(kinds))}")
        return
    try:
        with open(resolved, "rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        c.add(path, f"'{name}' cannot be read: {exc.strerror}")
        return
    if not head:
        c.add(path, f"'{name}' is empty (0 bytes): copy the document again")
        return
    kind = kinds[ext]
    if kind == "heic":  # ISO media: 'ftyp' at byte 4, then a brand
        if head[4:8] == b"ftyp":
            return
        magic_ok = False
    else:
        magic_ok = any(head.startswith(m) or (kind == "pdf" and m in head) for m in MAGIC[kind])
    if not magic_ok:
        actual = next((k for k, ms in MAGIC.items() if any(head.startswith(m) for m in ms)), None)
        what = f"it is really a {actual.upper()} file: rename it to match" if actual else \
            f"its content is not a {kind.upper()} file: export it again"
        c.add(path, f"'{name}' is named {ext} but {what}")


def near_miss(case_dir: Path, name: str) -> str | None:
    """The case folder's file whose path is closest to `name` (same letters in another case,
    a typo, a folder misspelled), as the case would name it; None when nothing is close."""
    wanted = name.replace("\\", "/").strip("/")
    try:
        files = [p.relative_to(case_dir).as_posix() for p in sorted(case_dir.rglob("*"))
                 if p.is_file() and "out" not in p.relative_to(case_dir).parts[:1]]
    except OSError:
        return None
    files = files[:5000]  # a case folder, not a disk
    same = [f for f in files if f.lower() == wanted.lower()]
    if same:
        return same[0]
    by_lower = {f.lower(): f for f in files}
    close = difflib.get_close_matches(wanted.lower(), list(by_lower), n=1, cutoff=0.8)
    return by_lower[close[0]] if close else None


def resolve_case_path(case_dir: Path, name: str) -> Path | str:
    """The file a case names, or a message saying why it may not be used."""
    too_long = limits.path_problem(case_dir, name)
    if too_long:
        return too_long
    clean = name.replace("\\", "/")
    if os.path.isabs(clean) or clean.startswith("~"):
        return f"'{name}' is an absolute path: name files relative to the case folder"
    if ".." in Path(clean).parts:
        return f"'{name}' points outside the case folder ('..'): copy the file into the case folder"
    target = (case_dir / clean)
    try:
        real = target.resolve()
    except (OSError, RuntimeError):
        return f"'{name}' cannot be resolved (a symbolic link loop?)"
    if not real.is_relative_to(case_dir.resolve()):
        return f"'{name}' is a link leading outside the case folder: copy the file itself into the case folder"
    return target


def _template_set(c: Checker) -> None:
    name = c.doc.get("template_set")
    if not name:
        return
    sets = c.settings.template_sets
    if name not in sets:
        close = difflib.get_close_matches(name, list(sets), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        known = f"the settings define: {', '.join(sorted(sets))}" if sets else "the settings define no template_sets"
        c.add("template_set", f"'{name}' is not a template set: {hint}{known}")
    elif not Path(sets[name]).is_dir():
        c.add("template_set", f"the template set '{name}' points to {sets[name]}, which is not a folder: "
                              "fix template_sets in the settings")


# --- forms (G-28, EOIR-28, EOIR-27...): casefile/forms.py -------------------------------------

def _forms(c: Checker, fill_checks: FillChecks) -> None:
    office = c.settings.offices.get(c.doc["office"])
    for path, message, is_error in missing_forms(c.doc, office):
        c.add(path, message, Severity.error if is_error else Severity.warning)
    usable = []
    for where in (FILING, COURT):  # the filing's forms, then the court papers' (court.forms)
        items = form_items(c.doc, where)
        for spec in resolve_forms(c.doc, c.case_dir, getattr(c.settings, "forms", {}), c.settings.path, where):
            if _form_usable(c, spec, items[spec.index]):
                usable.append(spec)
    if office is not None and any(spec.fill for spec in usable):
        for fill_check in fill_checks:
            for path, message in fill_check(c.doc, c.case_dir, office, usable):
                c.add(path, message)


def _form_usable(c: Checker, spec: FormSpec, item: dict) -> bool:
    """Check one form's entry; whether its file can be read (and its fill mapping checked)."""
    if spec.kind == "other" and not item.get("title"):
        c.add(f"{spec.path}.title", "name the form (title: ...): it is its line in the index and its bookmark")
    if spec.file is None:
        c.add(f"{spec.path}.file", f"name the form's PDF or the scan of it signed (file: forms/{spec.kind}.pdf, "
                                   "inside the case folder), or set it once for the firm: "
                                   f"forms: {{{spec.kind}: {{file: ...}}}} in the settings")
    elif item.get("file"):
        before = len(c.problems)
        _file(c, f"{spec.path}.file", spec.named, FORM_KINDS)
        return len(c.problems) == before and _fillable(c, spec)
    elif not spec.file.is_file():
        c.add(spec.path, f"the settings' form file for {spec.kind} ({spec.file}) does not exist: fix "
                         f"forms.{spec.kind}.file in {c.settings.path}")
    else:
        return _fillable(c, spec)
    return False


def _fillable(c: Checker, spec: FormSpec) -> bool:
    """A picture of a form (a scan) with a fill mapping: one error where the mapping is written (the case's
    fill, or the form's entry for the firm's), not a PDF reader's "damaged" on a JPEG."""
    if spec.picture and spec.fill:
        c.add(f"{spec.path}.fill" if spec.fill_where.startswith(spec.path) else spec.path, spec.picture_fill_text())
        return False
    return True
