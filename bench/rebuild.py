"""Rebuilds through the cache of converted PDFs (issue 25), against sample 1's floor (bench/run.py).

- a CLI rebuild with nothing changed: every document comes from the cache and no LibreOffice is
  started (target: at most 0.25x the floor);
- a CLI rebuild with one field of the letter changed: the letter alone is converted (at most 0.5x;
  without a LibreOffice kept between commands, that rebuild still waits for one start).
Each build is a fresh `pdpacket build` process; LibreOffice's starts are counted by running it
through tests/fakes/recording-soffice. The cache is a folder of this run's own.

Alone: python bench/rebuild.py [RUNS]  (measures the floor too; prints JSON)
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "pdpacket"
RECORDING = ROOT / "tests" / "fakes" / "recording-soffice"
LETTER_FIELD = "exercise prosecutorial discretion and move to dismiss these proceedings."


def measure(case: Path, work: Path, floor: float, runs: int = 5) -> dict:
    """`case`: a copy of sample 1 beside the samples' settings, which this changes."""
    calls = work / "rebuild-soffice-calls.txt"
    env = {**os.environ, "PDPACKET_CACHE": str(work / "rebuild-cache"), "PDPACKET_SOFFICE": str(RECORDING),
           "SOFFICE_CALLS": str(calls), "REAL_SOFFICE": shutil.which("soffice") or "soffice"}

    def build(out: str) -> tuple[float, int]:
        calls.unlink(missing_ok=True)
        started = time.monotonic()
        subprocess.run([BIN, "build", case, "-o", work / out, "-q"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        took = time.monotonic() - started
        return took, len(calls.read_text().splitlines()) if calls.exists() else 0

    first, _ = build("rebuild-first")  # fills the cache
    unchanged = [build(f"rebuild-same{i}") for i in range(runs)]
    case_file = case / "case.yaml"
    text = case_file.read_text(encoding="utf-8")
    changed = []
    for i in range(runs):
        case_file.write_text(text.replace(LETTER_FIELD, LETTER_FIELD.replace("these", f"these {i + 2}")),
                             encoding="utf-8")
        changed.append(build(f"rebuild-changed{i}"))
    same_s = [t for t, _ in unchanged]
    changed_s = [t for t, _ in changed]
    return {"floor_s": round(floor, 2), "first_build_s": round(first, 2),
            "unchanged_s": _spread(same_s), "unchanged_ratio": round(statistics.median(same_s) / floor, 2),
            "unchanged_target_max": 0.25, "unchanged_libreoffice_starts": sum(n for _, n in unchanged),
            "one_field_s": _spread(changed_s), "one_field_ratio": round(statistics.median(changed_s) / floor, 2),
            "one_field_target_max": 0.5, "one_field_libreoffice_starts": [n for _, n in changed]}


def report(r: dict) -> list[str]:
    return [f"{'1. sample 1, CLI rebuild, nothing changed, vs floor':48} "
            f"{r['unchanged_s']['median']:>7.2f} s / {r['floor_s']:.2f} s = {r['unchanged_ratio']:.2f}x "
            f"{'<= 0.25x':>10}  (LibreOffice starts: {r['unchanged_libreoffice_starts']})",
            f"{'1. sample 1, CLI rebuild, one letter field changed':48} "
            f"{r['one_field_s']['median']:>7.2f} s / {r['floor_s']:.2f} s = {r['one_field_ratio']:.2f}x "
            f"{'<= 0.5x':>10}"]


def _spread(times: list[float]) -> dict:
    return {"median": round(statistics.median(times), 3), "min": round(min(times), 3), "max": round(max(times), 3)}


if __name__ == "__main__":
    import json
    import tempfile

    import run  # bench/ is the script's folder, first on sys.path

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="pdpacket-rebuild-") as tmp:
        work = Path(tmp)
        case = run.copy_of_samples(work / "samples")
        subprocess.run([BIN, "build", case, "-o", work / "floor-out", "-q"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        floor, _ = run.floor_of(work / "floor-out", case, work, runs=runs)
        result = measure(case, work, floor, runs)
    print(json.dumps(result, indent=2))
    print("\n".join(report(result)))
