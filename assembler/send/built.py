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

import json
from dataclasses import dataclass, field
from pathlib import Path

from assembler.casefile.case import Case
from assembler.casefile.settings import Settings
from assembler.errors import InputFileError, command
from assembler.files import sha256
from assembler.pdf.manifest import changes, content_key  # noqa: F401 - content_key: part of this module's face


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
