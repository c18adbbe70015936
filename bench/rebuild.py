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
into bench/results.json as "rebuild", the rest of the file unchanged); with --keeper-only, the keeper's
rounds alone, into the saved "rebuild".
"""
from __future__ import annotations

import json
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


STAGES_CHILD = r'''
import json, sys, time
started = time.monotonic()
from pathlib import Path
from assembler import kept
from assembler.api import build, BuildOptions
imported = time.monotonic() - started
timings = build(Path(sys.argv[1]), Path(sys.argv[2]), BuildOptions(keep=sys.argv[3] == "keep")).timings
print(json.dumps({"imports": imported, **timings, "kept_hits": kept.counts["hits"], "kept_misses": kept.counts["misses"]}))
'''


def stages(case: Path, out: Path, env: dict, keep: bool = False) -> dict:
    """One build's stages (s): the build as `pdpacket build` makes it (api.build, the cache and, with `keep`,
    the keeper of `env`), in a fresh process, with the time its imports took and how many results it took
    from what earlier builds kept (kept.py). Not the CLI's own process: that prints no timings."""
    done = subprocess.run([sys.executable, "-c", STAGES_CHILD, case, out, "keep" if keep else "no"], env=env,
                          check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout)


def _median_stages(rows: list[dict]) -> dict:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return {k: round(statistics.median(r.get(k, 0.0) for r in rows), 3) for k in keys}


def measure(case: Path, work: Path, runs: int = 7) -> dict:
    """`case`: a copy of sample 1 beside the samples' settings, which this changes. After a first build that
    fills a cache of this run's own, `runs` rounds, each: one floor, a rebuild with nothing changed since the
    build before it, then one field of the letter changed and built again. Each build is against the floor
    of its round: on a shared machine, the ratios of one round hold where the seconds do not."""
    import run  # bench/ is the script's folder, first on sys.path

    calls = work / "rebuild-soffice-calls.txt"
    env = {**os.environ, "PDPACKET_CACHE": str(work / "rebuild-cache"), "PDPACKET_SOFFICE": str(RECORDING),
           "SOFFICE_CALLS": str(calls), "REAL_SOFFICE": shutil.which("soffice") or "soffice", "PDPACKET_KEEPER": "off"}

    fast: list[bool] = []  # whether each rebuild with nothing changed took the fast path (unchanged.py)

    def build(out: str) -> tuple[float, int]:
        calls.unlink(missing_ok=True)
        started = time.monotonic()
        done = subprocess.run([BIN, "build", case, "-o", work / out, "-q"], env=env, check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        took = time.monotonic() - started
        fast.append("unchanged since the build of" in done.stderr)
        return took, len(calls.read_text().splitlines()) if calls.exists() else 0

    case_file = case / "case.yaml"
    text = case_file.read_text(encoding="utf-8")

    def change(n: int) -> None:
        case_file.write_text(text.replace(LETTER_FIELD, LETTER_FIELD.replace("these", f"these {n}")), encoding="utf-8")

    # A paralegal rebuilds into the same folder (CASE/out): each build here writes into the one the build
    # before it wrote, as the fast path of a rebuild with nothing changed needs (unchanged.py).
    first, _ = build("rebuild-main")  # fills the cache
    floors, unchanged, changed, fast_unchanged = [], [], [], []
    for i in range(runs):
        floors.append(run.floor_of(work / "rebuild-main", case, work, runs=1)[0])
        unchanged.append(build("rebuild-main"))
        fast_unchanged.append(fast[-1])
        change(i + 2)
        changed.append(build("rebuild-main"))
    # Where each kind of rebuild's time goes: the same builds again, each in a process that reports its stages.
    build("rebuild-back")
    same_stages = [stages(case, work / f"rebuild-stages-same{i}", env) for i in range(min(runs, 5))]
    changed_stages = []
    for i in range(min(runs, 5)):
        change(i + 100)
        changed_stages.append(stages(case, work / f"rebuild-stages-changed{i}", env))
    case_file.write_text(text, encoding="utf-8")
    return {"floor_s": _spread(floors), "first_build_s": round(first, 2),
            "unchanged_s": _spread([t for t, _ in unchanged]),
            "unchanged_ratio": _spread([t / f for (t, _), f in zip(unchanged, floors, strict=True)]),
            "unchanged_target_max": 0.25, "unchanged_libreoffice_starts": sum(n for _, n in unchanged),
            "unchanged_fast_path": fast_unchanged,
            "one_field_s": _spread([t for t, _ in changed]),
            "one_field_ratio": _spread([t / f for (t, _), f in zip(changed, floors, strict=True)]),
            "one_field_target_max": 0.5, "one_field_libreoffice_starts": [n for _, n in changed],
            "stages_unchanged_s": _median_stages(same_stages),
            "stages_unchanged_note": "a build into a new folder with everything in the cache (no fast path there)",
            "stages_one_field_s": _median_stages(changed_stages)}


def measure_keeper(case: Path, work: Path, runs: int = 7) -> dict:
    """`case`: a copy of sample 1. The first build starts the keeper and fills a cache of this run's own;
    then, `runs` times, one field of the letter is changed and the case built twice, in turn with its own
    LibreOffice (--no-keep) and on the keeper (within its idle time), each beside one floor measured then:
    on a shared machine, the ratios of each round hold where the seconds do not. The keeper's folder is
    this run's own (XDG_RUNTIME_DIR), and it is stopped at the end."""
    import run  # bench/ is the script's folder, first on sys.path

    calls = work / "keeper-soffice-calls.txt"
    runtime = Path(tempfile.mkdtemp(prefix="kb-", dir="/tmp"))  # short: a Unix socket's path is
    env = {**os.environ, "PDPACKET_CACHE": str(work / "keeper-cache"), "PDPACKET_SOFFICE": str(RECORDING),
           "SOFFICE_CALLS": str(calls), "REAL_SOFFICE": shutil.which("soffice") or "soffice",
           "XDG_RUNTIME_DIR": str(runtime)}
    env.pop("PDPACKET_KEEPER", None)

    def build(out: str, *options: str) -> tuple[float, int]:
        calls.unlink(missing_ok=True)
        started = time.monotonic()
        subprocess.run([BIN, "build", case, "-o", work / out, "-q", *options], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        took = time.monotonic() - started
        return took, len(calls.read_text().splitlines()) if calls.exists() else 0

    case_file = case / "case.yaml"
    text = case_file.read_text(encoding="utf-8")

    def change(n: int) -> None:
        case_file.write_text(text.replace(LETTER_FIELD, LETTER_FIELD.replace("these", f"these {n}")), encoding="utf-8")

    kept, own, floors = [], [], []
    try:
        first, first_starts = build("keeper-first")
        for i in range(runs):
            floors.append(run.floor_of(work / "keeper-first", case, work, runs=1)[0])
            change(2 * i + 2)
            own.append(build(f"keeper-own{i}", "--no-keep"))
            change(2 * i + 3)
            kept.append(build(f"keeper-changed{i}"))
        keeper_stages = []  # where such a rebuild's time goes (stages): the same again, reporting its stages
        for i in range(min(runs, 5)):
            change(1000 + i)
            keeper_stages.append(stages(case, work / f"keeper-stages{i}", env, keep=True))
        case_file.write_text(text, encoding="utf-8")
    finally:
        subprocess.run([BIN, "keeper", "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(runtime, ignore_errors=True)
    kept_ratios = [t / f for (t, _), f in zip(kept, floors, strict=True)]
    own_ratios = [t / f for (t, _), f in zip(own, floors, strict=True)]
    return {"first_build_s": round(first, 2), "first_build_libreoffice_starts": first_starts,
            "floor_s": _spread(floors),
            "one_field_s": _spread([t for t, _ in kept]), "one_field_ratio": _spread(kept_ratios),
            "one_field_target_max": 0.5, "one_field_libreoffice_starts": [n for _, n in kept],
            "own_libreoffice_s": _spread([t for t, _ in own]), "own_libreoffice_ratio": _spread(own_ratios),
            "own_libreoffice_starts": [n for _, n in own], "stages_one_field_s": _median_stages(keeper_stages),
            "runs": runs}


def report(r: dict) -> list[str]:
    k = r.get("keeper")
    keeper_line = [] if k is None else [
        f"{'1. sample 1, one letter field, keeper running':48} "
        f"{k['one_field_s']['median']:>7.2f} s / {k['floor_s']['median']:.2f} s = {k['one_field_ratio']['median']:.2f}x "
        f"({k['one_field_ratio']['min']:.2f}-{k['one_field_ratio']['max']:.2f}) {'<= 0.5x':>10}  (LibreOffice starts: {sum(k['one_field_libreoffice_starts'])}; its own LibreOffice: "
        f"{k['own_libreoffice_ratio']['median']:.2f}x)"]
    return keeper_line + [
        f"{'1. sample 1, CLI rebuild, nothing changed, vs floor':48} {r['unchanged_s']['median']:>7.2f} s / "
        f"{r['floor_s']['median']:.2f} s = {r['unchanged_ratio']['median']:.2f}x ({r['unchanged_ratio']['min']:.2f}-"
        f"{r['unchanged_ratio']['max']:.2f}) {'<= 0.25x':>10}  (LibreOffice starts: {r['unchanged_libreoffice_starts']})",
        f"{'1. sample 1, CLI rebuild, one letter field changed':48} {r['one_field_s']['median']:>7.2f} s / "
        f"{r['floor_s']['median']:.2f} s = {r['one_field_ratio']['median']:.2f}x ({r['one_field_ratio']['min']:.2f}-"
        f"{r['one_field_ratio']['max']:.2f}) {'<= 0.5x':>10}"] + stage_lines(r)


def stage_lines(r: dict) -> list[str]:
    """Where the time of each kind of rebuild goes, stage by stage (medians, s)."""
    rows = [("nothing changed", r.get("stages_unchanged_s")), ("one letter field", r.get("stages_one_field_s")),
            ("one letter field, keeper", (r.get("keeper") or {}).get("stages_one_field_s"))]
    return [f"   stages, {label}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in st.items()) for label, st in rows if st]


def _spread(times: list[float]) -> dict:
    return {"median": round(statistics.median(times), 3), "min": round(min(times), 3), "max": round(max(times), 3)}


if __name__ == "__main__":
    import run  # bench/ is the script's folder, first on sys.path

    runs = int(next((a for a in sys.argv[1:] if a.isdigit()), 7))
    if "--keeper-only" in sys.argv:  # the keeper's rounds alone, into the saved results' "rebuild"
        with tempfile.TemporaryDirectory(prefix="pdpacket-rebuild-") as tmp:
            work = Path(tmp)
            saved = json.loads(run.RESULTS.read_text())
            saved["rebuild"]["keeper"] = measure_keeper(run.copy_of_samples(work / "samples"), work, runs)
            run.RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
            print(json.dumps(saved["rebuild"]["keeper"], indent=2))
            print("\n".join(report(saved["rebuild"])))
        sys.exit(0)
    with tempfile.TemporaryDirectory(prefix="pdpacket-rebuild-") as tmp:
        work = Path(tmp)
        result = measure(run.copy_of_samples(work / "samples"), work, runs)
        result["keeper"] = measure_keeper(run.copy_of_samples(work / "samples-keeper"), work, runs)
        load = os.getloadavg()[0]
        result["runs"], result["date"], result["note"] = runs, time.strftime("%Y-%m-%d"), (
            f"2 CPUs shared with other developers' work while measured (load average {load:.1f} at the end): each "
            "build is against the floor of its own round, so the ratios hold better than the seconds")
    if "--save" in sys.argv:
        saved = json.loads(run.RESULTS.read_text())
        saved["rebuild"] = result
        run.RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print("\n".join(report(result)))
