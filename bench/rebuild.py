"""Rebuilds through the cache of converted PDFs (issue 25), against sample 1's floor (bench/run.py).

- a CLI rebuild with nothing changed: every document comes from the cache and no LibreOffice is
  started (target: at most 0.25x the floor);
- a CLI rebuild with one field of the letter changed: the letter alone is converted (at most 0.5x;
  without a LibreOffice kept between commands, that rebuild still waits for one start);
- the same within the keeper's idle time (measure_keeper): the letter is converted on the LibreOffice
  the first build left running (convert/keeper.py), so no LibreOffice starts (at most 0.5x).
Each build is a fresh `pdpacket build` process; LibreOffice's starts are counted by running it
through tests/fakes/recording-soffice. The cache is a folder of this run's own.

Alone: python bench/rebuild.py [RUNS] [--save]  (measures the floor too; prints JSON; --save puts it
into bench/results.json as "rebuild", the rest of the file unchanged)
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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
           "SOFFICE_CALLS": str(calls), "REAL_SOFFICE": shutil.which("soffice") or "soffice", "PDPACKET_KEEPER": "off"}

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


def measure_keeper(case: Path, work: Path, floor: float, runs: int = 7) -> dict:
    """`case`: a copy of sample 1. The first build starts the keeper and fills a cache of this run's own;
    each of `runs` builds then changes one field of the letter and builds again, within the idle time.
    The keeper's folder is this run's own (XDG_RUNTIME_DIR), and it is stopped at the end."""
    calls = work / "keeper-soffice-calls.txt"
    runtime = Path(tempfile.mkdtemp(prefix="kb-", dir="/tmp"))  # short: a Unix socket's path is
    env = {**os.environ, "PDPACKET_CACHE": str(work / "keeper-cache"), "PDPACKET_SOFFICE": str(RECORDING),
           "SOFFICE_CALLS": str(calls), "REAL_SOFFICE": shutil.which("soffice") or "soffice",
           "XDG_RUNTIME_DIR": str(runtime)}
    env.pop("PDPACKET_KEEPER", None)

    def build(out: str) -> tuple[float, int]:
        calls.unlink(missing_ok=True)
        started = time.monotonic()
        subprocess.run([BIN, "build", case, "-o", work / out, "-q"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        took = time.monotonic() - started
        return took, len(calls.read_text().splitlines()) if calls.exists() else 0

    try:
        first, first_starts = build("keeper-first")
        case_file = case / "case.yaml"
        text = case_file.read_text(encoding="utf-8")
        changed = []
        for i in range(runs):
            case_file.write_text(text.replace(LETTER_FIELD, LETTER_FIELD.replace("these", f"these {i + 2}")),
                                 encoding="utf-8")
            changed.append(build(f"keeper-changed{i}"))
    finally:
        subprocess.run([BIN, "keeper", "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(runtime, ignore_errors=True)
    times = [t for t, _ in changed]
    return {"first_build_s": round(first, 2), "first_build_libreoffice_starts": first_starts,
            "one_field_s": _spread(times), "one_field_ratio": round(statistics.median(times) / floor, 2),
            "one_field_ratio_min_max": [round(min(times) / floor, 2), round(max(times) / floor, 2)],
            "one_field_target_max": 0.5, "one_field_libreoffice_starts": [n for _, n in changed], "runs": runs}


def report(r: dict) -> list[str]:
    k = r.get("keeper")
    keeper_line = [] if k is None else [
        f"{'1. sample 1, one letter field, keeper running':48} "
        f"{k['one_field_s']['median']:>7.2f} s / {r['floor_s']:.2f} s = {k['one_field_ratio']:.2f}x "
        f"{'<= 0.5x':>10}  (LibreOffice starts: {sum(k['one_field_libreoffice_starts'])})"]
    return keeper_line + [f"{'1. sample 1, CLI rebuild, nothing changed, vs floor':48} "
            f"{r['unchanged_s']['median']:>7.2f} s / {r['floor_s']:.2f} s = {r['unchanged_ratio']:.2f}x "
            f"{'<= 0.25x':>10}  (LibreOffice starts: {r['unchanged_libreoffice_starts']})",
            f"{'1. sample 1, CLI rebuild, one letter field changed':48} "
            f"{r['one_field_s']['median']:>7.2f} s / {r['floor_s']:.2f} s = {r['one_field_ratio']:.2f}x "
            f"{'<= 0.5x':>10}"]


def _spread(times: list[float]) -> dict:
    return {"median": round(statistics.median(times), 3), "min": round(min(times), 3), "max": round(max(times), 3)}


if __name__ == "__main__":
    import json

    import run  # bench/ is the script's folder, first on sys.path

    runs = int(next((a for a in sys.argv[1:] if a.isdigit()), 5))
    with tempfile.TemporaryDirectory(prefix="pdpacket-rebuild-") as tmp:
        work = Path(tmp)
        case = run.copy_of_samples(work / "samples")
        subprocess.run([BIN, "build", case, "-o", work / "floor-out", "-q"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        floor, _ = run.floor_of(work / "floor-out", case, work, runs=runs)
        result = measure(case, work, floor, runs)
        result["keeper"] = measure_keeper(run.copy_of_samples(work / "samples-keeper"), work, floor, runs)
        result["runs"], result["date"], result["note"] = runs, time.strftime("%Y-%m-%d"), (
            "2 CPUs shared with other developers' test runs while measured (load average 5-8): the floor and "
            "the builds were measured in the same run, so the ratios hold better than the seconds")
    if "--save" in sys.argv:
        saved = json.loads(run.RESULTS.read_text())
        saved["rebuild"] = result
        run.RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print("\n".join(report(result)))
