"""manifest.json: what went into a filing and where each section landed."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from assembler import __version__
from assembler.casefile.offices import manifest_record
from assembler.documents import choose, render
from assembler.documents.citations import law_record
from assembler.files import relative, sha256
from assembler.vocab import FILING_ROLES

if TYPE_CHECKING:
    from assembler.casefile.case import Case
    from assembler.casefile.settings import Settings
    from assembler.documents.plan import Section


def _template_paths(templates: dict) -> dict[str, Path]:
    return {role: getattr(t, "path", t) for role, t in templates.items()}


def build_key(*, case: Case, settings: Settings, inputs: list[Path], templates: dict) -> str:
    """One hash over everything a filing depends on: a batch re-run skips a case whose key is unchanged."""
    parts = [__version__, case.source_sha256,
             sha256(settings.path) if settings.path else "-",
             json.dumps(settings.page_numbers, sort_keys=True),
             json.dumps(case.office, sort_keys=True, default=str)]
    parts += [f"{relative(p, case.dir)}={sha256(p)}" for p in inputs]
    parts += [f"{role}={sha256(path)}" for role, path in sorted(_template_paths(templates).items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def case_inputs(case: Case, settings: Settings | None = None) -> list[Path]:
    """Every file that goes into the filing, in the order the build lists them: the forms
    (from the case folder or the firm's settings), the exhibits, the signature image, the edited
    copies, the signed pages (CASE/signed/)."""
    from assembler.casefile.forms import resolve_forms

    files = [f.file for f in resolve_forms(case.data, case.dir, getattr(settings, "forms", None),
                                           getattr(settings, "path", None)) if f.file is not None]
    for e in case.data.get("exhibits") or []:
        files.append(case.dir / e["file"])
        if e.get("translation"):
            files.append(case.dir / e["translation"]["file"])
    image = (case.data["attorney"].get("signature") or {}).get("image")
    if image:
        files.append(case.dir / image)
    # Hand-edited copies go into the filing too (build.render_documents adds them last, by name).
    from assembler.documents.edits import edited_copies
    files += edited_copies(case.dir).values()
    from assembler.documents.signed import input_files  # the signed pages laid over their generated pages
    return files + input_files(case.dir)


def build_manifest(*, case: Case, settings: Settings, inputs: list[Path], templates: dict, sections: list[Section],
                   filing: Path,
                   pages: int, labels: list[str]) -> dict:
    paths = _template_paths(templates)
    return {
        "tool": {"name": "pdpacket", "version": __version__},
        "build_key": build_key(case=case, settings=settings, inputs=inputs, templates=templates),
        "case_file": {"path": case.file.name, "sha256": case.source_sha256},
        "settings_file": ({"path": str(settings.path), "sha256": sha256(settings.path)}
                          if settings.path else None),
        "office": manifest_record(case),
        "law": law_record(case, settings),
        "inputs": [{"path": relative(p, case.dir), "sha256": sha256(p)} for p in inputs],
        "templates": {role: {"path": str(path), "sha256": sha256(path),
                             "source": getattr(templates[role], "source", "")}
                      for role, path in sorted(paths.items())},
        "sections": [{"key": s.key, "title": s.title, "tab": s.tab, "first_page": s.first, "last_page": s.last,
                      "parts": [{"kind": p.kind, "first_page": p.first, "last_page": p.last,
                                 **({"file": relative(p.source, case.dir)} if p.source else {}),
                                 **({"template": str(paths[p.template])} if p.template else {})}
                                for p in s.parts]}
                     for s in sections],
        "filing": {"file": filing.name, "sha256": sha256(filing), "pages": pages,
                   "size_bytes": filing.stat().st_size, "first_label": labels[0], "last_label": labels[-1]},
        # The date the certificate of service and the letter carry: the case file's, or the day of the
        # sending when send/email/log dated the filing anew (send/dated.py); content_key leaves it out.
        "service_date": service_date(case.data),
    }


def write_manifest(manifest: dict, path: Path) -> None:
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- whether a filing's inputs changed since (send/built.py, pdf/approval.py) --------------------

SENDING_ONLY = ("email", "rules")  # office fields no template prints: how a request travels


# How `changes` names the signed pages read back since a build (sign/packet.py tells it from the rest).
SIGNED_PAGES_CHANGED = "the signed pages read back (signed/): build again to put them in the filing"


def service_date(data: dict) -> str | None:
    """The service date of a case's data (ISO), the letter's date too (documents/context.py letter_date)."""
    found = (data.get("service") or {}).get("date")
    return None if found is None else str(found)


def undated(data: dict) -> dict:
    """The case data without its service date: what an approval is given for. The attorney approves the
    text; the date is a fact of the sending (send/dated.py dates the filing when it is served), so a filing
    dated anew keeps its approval, and any other change still makes the approval stale."""
    if not isinstance(data.get("service"), dict) or "date" not in data["service"]:
        return data
    return {**data, "service": {k: v for k, v in data["service"].items() if k != "date"}}


def with_service_date(data: dict, day: str) -> dict:
    """The case data served on `day` (ISO): a copy, `data` untouched."""
    return {**data, "service": {**(data.get("service") or {}), "date": day}}


def content_key(case: Case, settings: Settings, templates_dir: Path | None = None) -> str:
    """A hash of what the filing prints, wherever the case folder is: files inside it by their path in it,
    the firm's own (a form beside the settings, the templates) by their bytes alone, so a case folder
    copied or moved with its firm's folder keeps its key (and its approval, pdf/approval.py). The service
    date is left out (`undated`): the one place that makes an approval survive a filing dated at sending."""
    choices = choose.choose(settings, case.data, templates_dir, FILING_ROLES)
    office = {k: v for k, v in (case.office or {}).items() if k not in SENDING_ONLY}
    data = undated(case.data)
    # The court papers' own section (court:) is filled in after the office agrees: it changes the filing, and
    # so its approval, only when a filing template reads it (the CLI walk-through's sent and granted filing
    # turned into a stale draft when the paralegal then filled court: for `pdpacket court`).
    if "court" in data and all((names := render.names_read(c.path)) is not None and "court" not in names
                               for c in choices.values()):
        data = {k: v for k, v in data.items() if k != "court"}
    parts = [__version__, json.dumps(data, sort_keys=True, default=str),
             json.dumps(settings.page_numbers, sort_keys=True), json.dumps(office, sort_keys=True, default=str)]
    parts += [f"{_inside(p, case.dir)}={sha256(p)}" for p in case_inputs(case, settings)]
    parts += [f"{role}={sha256(c.path)}" for role, c in sorted(choices.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _inside(path: Path, case_dir: Path) -> str:
    """A case's input as content_key names it: its path in the case folder, or "firm:" and its name."""
    shown = relative(path, case_dir)
    return f"firm:{path.name}" if shown == str(path) else shown


def _recorded(path: str) -> str:
    """An input's path as a manifest recorded it, named as `_inside` names it."""
    return f"firm:{Path(path).name}" if Path(path).is_absolute() else path


def changes(case: Case, settings: Settings, manifest: dict, templates_dir: Path | None = None) -> list[str]:
    choices = choose.choose(settings, case.data, templates_dir, FILING_ROLES)
    inputs = case_inputs(case, settings)
    try:
        if "content_key" in manifest:
            if content_key(case, settings, templates_dir) == manifest["content_key"]:
                return []
        elif build_key(case=case, settings=settings, inputs=inputs, templates=choices) == manifest.get("build_key"):
            return []
    except OSError as exc:
        return [f"{exc.filename}: cannot be read"]
    found = []
    if (manifest.get("tool") or {}).get("version") != __version__:
        found.append("pdpacket's version")
    if (manifest.get("case_file") or {}).get("sha256") != case.source_sha256:
        found.append(f"the case file {case.file.name}")
    # Named as content_key names them: a firm's file (outside the case folder, recorded by its absolute path
    # where it was built) by its name, so a copied or moved folder does not list it as changed from elsewhere.
    before = {_recorded(i["path"]): i["sha256"] for i in manifest.get("inputs") or []}
    now = {_inside(p, case.dir): sha256(p) for p in inputs if p.is_file()}
    changed = [name for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    # The signed pages read back (documents/signed.py FOLDER) are inputs too, but not exhibits: said once.
    signed_pages = [name for name in changed if name.startswith("signed/")]
    found += [f"the firm's file {name.removeprefix('firm:')}" if name.startswith("firm:") else f"the exhibit file {name}"
              for name in changed if name not in signed_pages]
    if signed_pages:
        found.append(SIGNED_PAGES_CHANGED)
    was = (manifest.get("settings_file") or {}).get("sha256")
    if not found and was != (sha256(settings.path) if settings.path else None):
        found.append(f"the settings file {settings.path or '(none now)'} (the attorney, page numbers or office)")
    templates = {role: t.get("sha256") for role, t in (manifest.get("templates") or {}).items()}
    found += [f"the {role} template" for role, c in sorted(choices.items()) if templates.get(role) != sha256(c.path)]
    return found or ["the office's details or the settings"]

