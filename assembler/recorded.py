"""A build, or the result of the last one as its record says when nothing changed since (unchanged.py).

api.build runs every build through here: the web app's builds take the same fast path as the CLI's,
which start.py takes before the library is even imported."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from assembler import unchanged
from assembler.convert import cache as converted_cache
from assembler.errors import Finding
from assembler.options import BuildOptions
from assembler.output import BuildResult
from assembler.vocab import Severity


def build_or_recorded(case: Path, out: Path | None, options: BuildOptions,
                      build: Callable[[], BuildResult]) -> BuildResult:
    """`build()`, recorded; or, when nothing the last build into the same folder came from or made has
    changed since, its result as recorded (`unchanged_since`: when it was built). `no_cache` always builds."""
    key = key_of(case, out, options)
    target = out or unchanged.default_out(case)
    if not options.no_cache:
        found = unchanged.unchanged(target, key)
        if found is not None:
            return _as_recorded(found)
    previous = unchanged.forget(target)
    skip = [target, *(p for p in (converted_cache.folder(), os.environ.get("XDG_RUNTIME_DIR")) if p)]
    with unchanged.recording(case, target, skip) as seen:
        result = build()
    unchanged.save(seen, target, key, result, previous)
    return result


def key_of(case: Path, out: Path | None, options: BuildOptions) -> dict:
    """What names a build besides the files it reads (unchanged.key): start.py makes the same from the
    command line."""
    return unchanged.key(case, out, options.settings_file, options.templates_dir, strict=options.strict,
                         split_parts=options.split_parts, email=options.email, no_ocr=options.no_ocr,
                         keep=options.keep)


def said_lines(result: BuildResult) -> dict[str, list[str]]:
    """What `pdpacket build` prints of a result ("stderr", "stdout" lines): the same whether it built or found
    nothing changed (said again before the imports by start.py, from the record)."""
    lines = unchanged.said(result)
    if result.unchanged_since:
        lines["stderr"].append(unchanged.since_line(result.unchanged_since, result.filing))
    return lines


def _as_recorded(found: dict) -> BuildResult:
    r = found["result"]
    warnings = [Finding(**{**w, "severity": Severity(w["severity"])}) for w in r["warnings"]]
    return BuildResult(filing=Path(r["filing"]), manifest=Path(r["manifest"]), docx_dir=Path(r["docx_dir"]),
                       pages=r["pages"], warnings=warnings, timings={"unchanged": 1.0},
                       parts=[Path(p) for p in r["parts"]], edited=list(r["edited"]),
                       drafts=[Path(p) for p in r["drafts"]], notes=list(r["notes"]),
                       unchanged_since=found["built_at"])
