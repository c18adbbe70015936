"""The filing a build left in its output folder, and whether its inputs changed since.

The manifest's `build_key` hashes everything a filing depends on (case data,
exhibits, templates, settings, tool version); a batch re-run uses the same key
to skip unchanged cases. When the key differs, the manifest's own hashes tell
which input changed, so the message can name it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assembler import __version__
from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.documents import choose
from assembler.errors import InputFileError
from assembler.pdf.manifest import build_key, case_inputs, relative, sha256


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
                             f"`pdpacket build {case.dir}`" + (f" -o {out}" if out != case.dir / "out" else ""))
    filing = out / manifest["filing"]["file"]
    if not filing.is_file():
        raise InputFileError(f"{filing}: the filing named in manifest.json is missing: build the case again")
    if sha256(filing) != manifest["filing"]["sha256"]:
        raise InputFileError(f"{filing} was changed after it was built (its SHA-256 differs from manifest.json): "
                             "build the case again; never edit the filing by hand")
    return Built(out, manifest, filing, changes(case, settings, manifest, templates_dir))


def changes(case: Case, settings: Settings, manifest: dict, templates_dir: Path | None = None) -> list[str]:
    choices = choose.choose(settings, case.data, templates_dir)
    inputs = case_inputs(case)
    try:
        key = build_key(case=case, settings=settings, inputs=inputs, templates=choices)
    except OSError as exc:
        return [f"{exc.filename}: cannot be read"]
    if key == manifest.get("build_key"):
        return []
    found = []
    if (manifest.get("tool") or {}).get("version") != __version__:
        found.append("pdpacket's version")
    if (manifest.get("case_file") or {}).get("sha256") != case.source_sha256:
        found.append(f"the case file {case.file.name}")
    before = {i["path"]: i["sha256"] for i in manifest.get("inputs") or []}
    now = {relative(p, case.dir): sha256(p) for p in inputs if p.is_file()}
    found += [f"the exhibit file {name}" for name in sorted(set(before) | set(now)) if before.get(name) != now.get(name)]
    was = (manifest.get("settings_file") or {}).get("sha256")
    if was != (sha256(settings.path) if settings.path else None):
        found.append(f"the settings file {settings.path or '(none now)'}")
    templates = {role: t.get("sha256") for role, t in (manifest.get("templates") or {}).items()}
    found += [f"the {role} template" for role, c in sorted(choices.items()) if templates.get(role) != sha256(c.path)]
    return found or ["the office's details"]
