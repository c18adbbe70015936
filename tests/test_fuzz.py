"""Case files mutated at random (the samples and the minimal case: fields deleted, types swapped, megabyte
strings, deep nesting, control characters, YAML aliases, impossible dates, 5 KB paths, cut text) through
`validate` and `build`: each run ends with a documented exit code, never 1 (a bug), and no traceback."""
from __future__ import annotations

import copy
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembler.casefile.read import load_file
from helpers import MINIMAL, REPO, SAMPLES, copy_firm_settings, examples

# What validate may answer: valid, invalid case, invalid settings, an unreadable input file.
VALIDATE_CODES = {0, 3, 4, 5}
# What a build may answer besides: a template, a missing program, a conversion, the output, the final check.
BUILD_CODES = VALIDATE_CODES | {6, 7, 8, 9, 10}
BUILD_DEADLINE = 240  # seconds: a hang, not a slow build (sample 1 takes about 10 s here)

SEEDS = sorted(p.parent.name for p in SAMPLES.glob("*/case.yaml")) + ["minimal"]
# The minimal case half the time: it validates in a sixth of sample 1's time, and 300 runs stay fast.
DRAWN = SEEDS + ["minimal"] * (len(SEEDS) - 2)
CONTROL = [chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)] + ["\r", "\n", "\t", "\u2028", "\ud800"]
DATES = ["2026-02-30", "2025-13-01", "0000-00-00", "9999-99-99", "31/31/2020", "-1", "1e309", "2026-02-29",
         "99999-01-01", "2026-1-1T25:61", "0001-01-01", "February 30, 2026"]
SCALARS = [None, True, False, 0, -1, 10**30, 1.5, float("inf"), "", " ", "none", "~", "null", "yes", "NO", "0x1F",
           "*alias", "&anchor", "{a: 1}", "[1, 2", "{{ x }}", "{% for %}", "é" * 10, "\u202e\u0645", "A-0",
           [], {}, [None], {"a": None}, ["x"] * 3]


# A megabyte stands in as its name until the text is written (the YAML writer takes a second per megabyte).
MEGABYTE = {f"@@megabyte-{i}@@": c * 1_000_000 for i, c in enumerate("xé\n ")}


def _seed(name: str) -> dict:
    if name == "minimal":
        return copy.deepcopy(MINIMAL)
    data = load_file(SAMPLES / name / "case.yaml").data  # every value as text, as pdpacket reads it
    assert isinstance(data, dict)
    return data


SEED_DATA = {name: _seed(name) for name in SEEDS}
SETTINGS_DATA = load_file(SAMPLES / "pdpacket.yaml").data


def _paths(node) -> list[tuple]:
    """Every field and item's path, each object once (a mutant may hold itself) and only the first
    12 levels (a mutant may be nested thousands deep)."""
    found, stack, seen = [], [((), node)], set()
    while stack:
        prefix, value = stack.pop()
        found.append(prefix)
        if id(value) in seen or len(prefix) >= 12:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            stack.extend(((*prefix, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*prefix, i), v) for i, v in enumerate(value))
    return sorted(found, key=repr)


def _get(doc, path):
    for step in path:
        doc = doc[step]
    return doc


def _put(doc, path, value):
    _get(doc, path[:-1])[path[-1]] = value


def _nest(value, depth: int, kind: str):
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


GENTLE = ["long_name", "long_text", "unicode", "delete_optional", "breaks_in_text"]
ROUGH = ["delete", "swap", "megabyte", "nest", "control", "alias", "self_alias", "date", "long_path", "key",
         "long_text", "long_name"]


def mutate(doc: dict, rnd: random.Random, gentle: bool = False, kind: str | None = None) -> dict:
    """One mutation of `doc` in place (`gentle`: only what a valid case may still hold); returns it."""
    paths = [p for p in _paths(doc) if p]
    path = rnd.choice(paths)
    current = _get(doc, path)
    kind = kind or rnd.choice(GENTLE if gentle else ROUGH)
    if kind == "delete":
        del _get(doc, path[:-1])[path[-1]]
    elif kind == "swap":
        _put(doc, path, copy.deepcopy(rnd.choice(SCALARS)))
    elif kind == "megabyte":
        _put(doc, path, rnd.choice(list(MEGABYTE)))
    elif kind == "nest":
        _put(doc, path, _nest(current, rnd.choice([30, 200, 2000]), rnd.choice(["list", "dict"])))
    elif kind == "control" and isinstance(current, str):
        at = rnd.randrange(len(current) + 1)
        _put(doc, path, current[:at] + rnd.choice(CONTROL) + current[at:])
    elif kind == "control":
        _put(doc, path, rnd.choice(CONTROL) * 3)
    elif kind == "alias":  # the same object twice: the YAML dump writes an anchor and an alias
        other = _get(doc, rnd.choice(paths))
        _put(doc, path, other if isinstance(other, (dict, list)) else [other])
    elif kind == "self_alias" and isinstance(current, (list, dict)):
        if isinstance(current, list):
            current.append(current)
        else:
            current["self"] = current
    elif kind == "date":
        _put(doc, path, rnd.choice(DATES))
    elif kind == "long_path":
        exhibits = doc.get("exhibits")
        target = (("exhibits", 0, "file") if isinstance(exhibits, list) and exhibits
                  and isinstance(exhibits[0], dict) else path)
        _put(doc, target, "exhibits/" + rnd.choice(["a" * 5000, "/".join(["b" * 100] * 50)]) + ".pdf")
    elif kind == "key" and isinstance(_get(doc, path[:-1]), dict):
        parent = _get(doc, path[:-1])
        parent[rnd.choice(["", "x" * 300, "a\u0000b", "<<", "*", "1", "office "])] = parent.pop(path[-1])
    elif kind == "long_text":
        _gentle_text(doc, rnd)
    elif kind == "long_name":
        _gentle_name(doc, rnd)
    elif kind == "unicode" and isinstance(current, str) and current and not gentle:
        _put(doc, path, current + "\u0301ñ漢字🙂")
    elif kind == "unicode":
        _put_if(doc, ("respondent", "given_names"), "José Ñoño 漢字 🙂")
    elif kind == "delete_optional":
        for optional in (("respondent", "language"), ("proceedings", "judge"), ("attorney", "firm")):
            parent = _get_or_none(doc, optional[:-1])
            if isinstance(parent, dict):
                parent.pop(optional[-1], None)
    elif kind == "breaks_in_text":
        _put_if(doc, ("request", "facts"), "Para one.\n\n\tPara two,\r\nwith a tab and a CR LF.\n" * 20)
    return doc


def _get_or_none(doc, path):
    try:
        return _get(doc, path)
    except (KeyError, IndexError, TypeError):
        return None


def _put_if(doc, path, value):
    if isinstance(_get_or_none(doc, path[:-1]), dict):
        _put(doc, path, value)


def _gentle_text(doc, rnd):
    _put_if(doc, ("request", "facts"), ("A long paragraph of facts. " * 40 + "\n\n") * rnd.choice([2, 40, 200]))


def _gentle_name(doc, rnd):
    """Names long enough for Word's 255-character title, short enough for a line."""
    name = " ".join(["Maria", "José"] * rnd.choice([30, 90]))[:990]
    for decl in doc.get("declarations") or []:
        if isinstance(decl, dict):
            decl["declarant"] = name
    _put_if(doc, ("respondent", "family_names"), name)
    _put_if(doc, ("attorney", "name"), name[:400])


def serialize(doc: dict, rnd: random.Random) -> tuple[str, str]:
    """(file name, text): YAML mostly, JSON sometimes, now and then cut short or with a stray character."""
    try:
        if rnd.random() < 0.2:
            return "case.json", _megabytes(json.dumps(doc, ensure_ascii=rnd.random() < 0.5), '"{}"')
    except (ValueError, TypeError, RecursionError):  # a loop or an infinity: JSON cannot say it
        pass
    width = rnd.choice([80, 10**9])
    try:  # libyaml's writer: ten times faster
        text = yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True,
                         sort_keys=False, width=width)
    except UnicodeEncodeError:  # half a surrogate pair: JSON writes it as an escape, PyYAML's own writer raw
        try:
            return "case.json", _megabytes(json.dumps(doc), '"{}"')
        except (ValueError, TypeError, RecursionError):
            text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=width)
    text = _megabytes(text, "'{}'")
    roll = rnd.random()
    if roll < 0.05:
        text = text[: rnd.randrange(len(text))]
    elif roll < 0.1:
        at = rnd.randrange(len(text))
        text = text[:at] + rnd.choice(["\t", ":", "- ", "'", '"', "{", "&a ", "*a", "\u0000", "\ufeff"]) + text[at:]
    return "case.yaml", text


def _megabytes(text: str, quoted: str) -> str:
    for name, value in MEGABYTE.items():
        if name in text:  # a JSON string is a double-quoted YAML scalar too
            text = text.replace(quoted.format(name), json.dumps(value, ensure_ascii=False))
    return text


def _sys_setrecursion_safe_dump(doc, rnd):
    try:
        return serialize(doc, rnd)
    except RecursionError:  # nesting the YAML writer cannot write: cut it down
        return "case.yaml", "respondent: " + "[" * 5000


@pytest.fixture(scope="module")
def seed_folders(tmp_path_factory) -> Path:
    """The samples (with their exhibits) and the minimal case, beside the samples' firm settings."""
    root = tmp_path_factory.mktemp("fuzz") / "cases"
    copy_firm_settings(root)
    for name in SEEDS:
        if name == "minimal":
            (root / name).mkdir()
        else:
            shutil.copytree(SAMPLES / name, root / name, ignore=shutil.ignore_patterns("out", "case.yaml"))
    return root


def write_mutant(folder: Path, name: str, text: str) -> None:
    for old in ("case.yaml", "case.yml", "case.json"):
        (folder / old).unlink(missing_ok=True)
    (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(number=st.integers(0, 2**32 - 1))
def test_validate_ends_with_a_documented_code_whatever_the_case_file_holds(run, seed_folders, number):
    # One number seeds every choice: hypothesis's own random draws favour the first choice of each list.
    rnd = random.Random(number)
    seed, mutations = rnd.choice(DRAWN), rnd.randint(1, 4)
    doc = copy.deepcopy(SEED_DATA[seed])
    for _ in range(mutations):
        mutate(doc, rnd)
    name, text = _sys_setrecursion_safe_dump(doc, rnd)
    folder = seed_folders / seed
    write_mutant(folder, name, text)
    started = time.monotonic()
    result = run("validate", folder)
    assert result.code in VALIDATE_CODES, result.err[-3000:]
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert time.monotonic() - started < 30  # a hang, not a speed test
    assert len(result.err) < 200_000  # messages name values, they do not print megabytes


def _validating_mutants(count: int, root: Path) -> list[tuple[str, str, str]]:
    """(seed, file name, text) of `count` mutants that validate, drawn with a fixed seed; each gentle
    kind of mutation comes first in turn, so long names (Word's 255-character title) are among them."""
    from assembler.api import validate_case
    from assembler.errors import PdpacketError
    rnd = random.Random(19)
    found: list[tuple[str, str, str]] = []
    for attempt in range(count * 20):
        if len(found) == count:
            break
        seed = rnd.choice(SEEDS)
        doc = copy.deepcopy(SEED_DATA[seed])
        mutate(doc, rnd, gentle=True, kind=GENTLE[len(found) % len(GENTLE)])
        for _ in range(rnd.randint(0, 2)):
            mutate(doc, rnd, gentle=True)
        name, text = serialize(doc, random.Random(attempt))
        write_mutant(root / seed, name, text)
        try:
            validate_case(root / seed)
        except PdpacketError:
            continue
        found.append((seed, name, text))
    return found


@pytest.mark.libreoffice
@pytest.mark.slow
def test_build_ends_with_a_documented_code_on_cases_that_validate(seed_folders, tmp_path):
    mutants = _validating_mutants(30, seed_folders)
    assert len(mutants) == 30
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for i, (seed, name, text) in enumerate(mutants):
        folder = seed_folders / seed
        write_mutant(folder, name, text)
        cmd = [sys.executable, "-m", "assembler", "build", str(folder), "-o", str(tmp_path / f"out{i}"), "-q"]
        try:
            done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=BUILD_DEADLINE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"mutant {i} of {seed} did not finish within {BUILD_DEADLINE} s:\n{text[:2000]}")
        assert done.returncode in BUILD_CODES, (i, seed, done.stderr[-3000:])
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr, (i, seed, done.stderr[-3000:])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(number=st.integers(0, 2**32 - 1))
def test_validate_ends_with_a_documented_code_whatever_the_settings_file_holds(run, tmp_path_factory, number):
    """The samples' firm settings, mutated the same ways, beside sample 3 (which takes its attorney and its
    G-28 from them)."""
    rnd = random.Random(number)
    doc = copy.deepcopy(SETTINGS_DATA)
    for _ in range(rnd.randint(1, 4)):
        mutate(doc, rnd)
    root = tmp_path_factory.getbasetemp() / "fuzz-settings"
    if not root.exists():
        shutil.copytree(SAMPLES / "3-minimal", root / "c")
        shutil.copy(SAMPLES / "g28-stand-in.pdf", root)
    _, text = _sys_setrecursion_safe_dump(doc, rnd)
    (root / "pdpacket.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    result = run("validate", root / "c")
    assert result.code in VALIDATE_CODES, result.err[-3000:]
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert len(result.err) < 200_000
