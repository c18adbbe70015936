"""The filing a build left in its output folder, and whether its inputs changed since.

The manifest's `build_key` hashes everything a filing depends on, the whole
settings file included: a batch re-run uses it to skip unchanged cases. Adding
an SMTP server or a Cc to the settings does not change a filing, so the build
hook also stores a `content_key` over what does (the case data as merged with
the settings, page numbering, the office minus its e-mail profile, exhibits,
templates, tool version); a manifest without one falls back to `build_key`.
When a key differs, the manifest's own hashes tell which input changed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from assembler import __version__
from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.documents import choose
from assembler.errors import InputFileError, command
from assembler.files import relative, sha256
from assembler.pdf.manifest import build_key, case_inputs
from assembler.vocab import FILING_ROLES


@dataclass
class Built:
    out: Path
    manifest: dict
    filing: Path
    changed: list[str] = field(default_factory=list)  # what changed since the build; empty when current

    @property
    def sha256(self) -> str:
        return self.manifest["filing"]["sha256"]


def read_manifest(out: Path) -> dict | None:
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{out / 'manifest.json'} cannot be read ({exc}): build the case again") from exc
    return manifest if isinstance(manifest, dict) and "filing" in manifest else None


def load_built(case: Case, settings: Settings, out: Path, templates_dir: Path | None = None) -> Built:
    """The built filing in `out`, or an error saying to build it; `changed` lists stale inputs."""
    manifest = read_manifest(out)
    if manifest is None:
        raise InputFileError(f"{out}: no built filing (no manifest.json): build it first with "
                             f"`{command('build', case.dir, *(('-o', out) if out != case.dir / 'out' else ()))}`")
    filing = out / manifest["filing"]["file"]
    if not filing.is_file():
        raise InputFileError(f"{filing}: the filing named in manifest.json is missing: build the case again")
    if sha256(filing) != manifest["filing"]["sha256"]:
        raise InputFileError(f"{filing} was changed after it was built (its SHA-256 differs from manifest.json): "
                             "build the case again; never edit the filing by hand")
    return Built(out, manifest, filing, changes(case, settings, manifest, templates_dir))


SENDING_ONLY = ("email", "rules")  # office fields no template prints: how a request travels


def content_key(case: Case, settings: Settings, templates_dir: Path | None = None) -> str:
    choices = choose.choose(settings, case.data, templates_dir, FILING_ROLES)
    office = {k: v for k, v in (case.office or {}).items() if k not in SENDING_ONLY}
    parts = [__version__, json.dumps(case.data, sort_keys=True, default=str),
             json.dumps(settings.page_numbers, sort_keys=True), json.dumps(office, sort_keys=True, default=str)]
    parts += [f"{relative(p, case.dir)}={sha256(p)}" for p in case_inputs(case, settings)]
    parts += [f"{role}={sha256(c.path)}" for role, c in sorted(choices.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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
    before = {i["path"]: i["sha256"] for i in manifest.get("inputs") or []}
    now = {relative(p, case.dir): sha256(p) for p in inputs if p.is_file()}
    found += [f"the exhibit file {name}" for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    was = (manifest.get("settings_file") or {}).get("sha256")
    if not found and was != (sha256(settings.path) if settings.path else None):
        found.append(f"the settings file {settings.path or '(none now)'} (the attorney, page numbers or office)")
    templates = {role: t.get("sha256") for role, t in (manifest.get("templates") or {}).items()}
    found += [f"the {role} template" for role, c in sorted(choices.items()) if templates.get(role) != sha256(c.path)]
    return found or ["the office's details or the settings"]
