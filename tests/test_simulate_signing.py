"""tools/simulate_signing.py from the command line: a developer's signing round on a case's packet (the full run
on a real packet is in tests/test_signed_scans.py, which builds one)."""
from __future__ import annotations

import json
import subprocess
import sys

from helpers import REPO, make_pdf

TOOL = REPO / "tools" / "simulate_signing.py"


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=120,
                          check=False)


def test_it_says_what_it_takes():
    done = _run("--help")
    assert done.returncode == 0, done.stderr
    for word in ("case", "packet", "--out", "--seed", "--quality", "--noisy"):
        assert word in done.stdout


def test_a_case_never_built_is_one_line_saying_what_to_do_and_writes_nothing(tmp_path):
    case = tmp_path / "garcia"
    case.mkdir()
    packet = make_pdf(tmp_path / "packet.pdf")
    done = _run(case, packet, "--out", tmp_path / "scans")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "manifest.json: not found: build the case first" in done.stderr
    assert not (tmp_path / "scans").exists()


def test_a_packet_that_is_not_there_or_not_a_packet_is_refused(tmp_path):
    case = tmp_path / "garcia"
    (case / "out").mkdir(parents=True)
    (case / "out" / "manifest.json").write_text(json.dumps({"signatures": {"required": [
        {"kind": "ink", "signer": "Sofía García", "document": "decl", "page": 1, "filing_page": 3}]}}))
    missing = _run(case, tmp_path / "nothing.pdf", "--out", tmp_path / "scans")
    assert missing.returncode == 2 and "nothing.pdf: not found: make it with pdpacket sign" in missing.stderr
    plain = _run(case, make_pdf(tmp_path / "plain.pdf"), "--out", tmp_path / "scans")
    assert plain.returncode == 2 and "not a signing packet pdpacket made" in plain.stderr, plain.stderr
    assert "Traceback" not in plain.stderr
