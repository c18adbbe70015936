"""The parts of the warm-LibreOffice work that need no LibreOffice: batch chunks, the
convert-server's settings, and which Python runs the UNO client."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from assembler.batch import CaseSpec, chunk
from assembler.casefile.settings import load_settings
from assembler.convert import warm
from assembler.errors import InvalidSettingsError


def test_batch_chunks_are_even_and_small_once_workers_keep_libreoffice_running():
    specs = [CaseSpec(f"c{i}") for i in range(41)]
    assert [len(c) for c in chunk(specs, 2)] == [21, 20]
    assert [len(c) for c in chunk(specs, 2, warm_workers=True)] == [4] * 10 + [1]
    assert [len(c) for c in chunk(specs[:3], 2, warm_workers=True)] == [2, 1]


def test_the_settings_name_a_convert_server(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"soffice": {"server": "127.0.0.1:8765", "token": "abc"}}))
    settings = load_settings(path)
    assert (settings.soffice_server, settings.soffice_token) == ("127.0.0.1:8765", "abc")
    assert load_settings(None).soffice_server is None


def test_a_convert_server_that_is_not_host_and_port_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("soffice:\n  server: localhost\n")
    with pytest.raises(InvalidSettingsError) as caught:
        load_settings(path)
    assert [p.path for p in caught.value.problems] == ["soffice.server"]


def test_the_uno_python_can_be_named_or_turned_off(monkeypatch):
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", "off")
    assert warm.uno_python("/usr/bin/soffice") is None
    monkeypatch.setenv("PDPACKET_UNO_PYTHON", sys.executable)
    assert warm.uno_python("/usr/bin/soffice") == sys.executable


def test_the_settings_lookup_order_and_its_light_imports(tmp_path, monkeypatch):
    from assembler.casefile.lookup import find_settings_file
    case = tmp_path / "cases" / "c"
    case.mkdir(parents=True)
    explicit = tmp_path / "explicit.yaml"
    user = tmp_path / "xdg-config" / "pdpacket" / "settings.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("{}\n")
    assert find_settings_file(None, case) == user
    (tmp_path / "cases" / "pdpacket.yaml").write_text("{}\n")
    assert find_settings_file(None, case) == tmp_path / "cases" / "pdpacket.yaml"
    monkeypatch.setenv("PDPACKET_SETTINGS", str(tmp_path / "env.yaml"))
    assert find_settings_file(None, case) == tmp_path / "env.yaml"
    assert find_settings_file(explicit, case) == explicit
    # The early start may use it before the library is imported: it pulls in nothing heavy.
    code = "import sys, assembler.casefile.lookup; print(sorted({'cerberus', 'docxtpl', 'pypdf', 'yaml'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

def test_the_early_start_leaves_a_build_that_names_a_convert_server_alone(tmp_path, monkeypatch):
    from assembler.convert import early
    from assembler.options import CommandOptions
    settings = tmp_path / "s.yaml"
    settings.write_text("soffice:\n  server: 127.0.0.1:9\n")
    monkeypatch.setattr(early.warm.Office, "start", lambda self: pytest.fail("started a LibreOffice"))
    early.start(tmp_path, CommandOptions(settings))
    assert early.adopt("/usr/bin/soffice") is None


def test_a_kept_running_libreoffice_that_turns_out_unavailable_is_not_tried_again(tmp_path):
    from assembler.convert.renders import LibreOffice
    from assembler.convert.soffice import Job
    from assembler.errors import ConversionError
    from helpers import fake_soffice

    class Flaky(warm.Converter):
        tries = 0

        def describe(self):
            return "flaky"

        def _convert(self, jobs, outdir, timeout, bookmarks):
            self.tries += 1
            raise warm.Unavailable("gone")  # without setting .unavailable itself

    doc = tmp_path / "d.docx"
    doc.write_bytes(b"x")
    flaky = Flaky()
    lo = LibreOffice(str(fake_soffice(tmp_path, "exit 0")), tmp_path / "profile", 5, (flaky,))
    with pytest.raises(ConversionError) as caught:  # the one-shot path's own failure, not a loop
        lo.convert([Job(doc, "the document")], tmp_path / "pdf", bookmarks=False)
    assert flaky.tries == 1 and "LibreOffice did not convert the document" in caught.value.message


@pytest.mark.parametrize(("args", "expected"), [
    (["build", "c"], ("c", None)),
    (["-v", "build", "-q", "c", "-o", "out", "--settings", "s.yaml", "--strict"], ("c", "s.yaml")),
    (["build", "--settings=s.yaml", "--out=o", "--split", "--email", "c"], ("c", "s.yaml")),
    (["build", "--templates", "t", "c"], ("c", None)),
    (["build"], None), (["build", "c", "--help"], None), (["build", "c", "--unknown"], None),
    (["build", "c", "d"], None), (["build", "c", "-o"], None), (["batch", "c"], None), (["--version"], None),
    ([], None), (["validate", "build"], None),
])
def test_the_command_line_that_starts_libreoffice_before_the_imports(args, expected):
    # Only a plain `pdpacket build CASE` starts LibreOffice before click is imported; anything
    # else is left to click (the build then starts LibreOffice itself).
    from assembler.start import build_arguments
    found = build_arguments(args)
    assert (None if found is None else (str(found[0]), found[1] and str(found[1]))) == expected


def test_ctrl_c_that_reaches_the_conversion_thread_still_stops_the_build(tmp_path):
    # A process-directed SIGINT may be taken by the thread converting ahead (convert/renders.py
    # Ahead) while the main thread waits for it: a wait without a timeout never noticed, and the
    # build went on for as long as LibreOffice took (seen about 1 Ctrl-C in 10).
    import subprocess
    import sys

    from helpers import REPO
    code = f"""
import os, signal, threading, time
from pathlib import Path
from assembler.convert import renders
from assembler.documents.plan import Part
from assembler.progress import Progress
from assembler.vocab import PartKind

class Slow:  # a kept-running LibreOffice that takes its time
    unavailable, closed, waited = None, False, 0.0
    def describe(self): return "slow"
    def start(self): pass
    def convert(self, jobs, outdir, timeout, bookmarks=False):
        time.sleep(30)
    def close(self): self.closed = True

work = Path({str(tmp_path)!r})
doc = work / "a.docx"
doc.write_bytes(b"")
lo = renders.LibreOffice("soffice", work / "lo-profile", 60, (Slow(),))
ahead = renders.Ahead(lo, Progress(False), owned=False)
ahead.send([renders.Render(doc, Part(PartKind.exhibit, "a"), "a", None)])
time.sleep(0.3)
[thread] = [t for t in threading.enumerate() if t.name.startswith("pdpacket-convert")]
threading.Timer(0.3, signal.pthread_kill, (thread.ident, signal.SIGINT)).start()
try:
    ahead.finish(Progress(False))
except KeyboardInterrupt:
    print("interrupted", flush=True)
    os._exit(0)
print("finished", flush=True)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=20)
    assert proc.stdout.strip() == "interrupted", proc.stderr


def test_a_kept_libreoffice_that_fails_in_the_conversion_thread_leaves_the_one_shot_start_to_the_build(tmp_path):
    # A one-shot `soffice --convert-to` runs in a session of its own: started from the conversion
    # thread it was out of Ctrl-C's reach, and the build waited for it. Now the renders come back
    # unconverted, and the build's own thread converts them (in one start, as without a kept one).
    import subprocess
    import sys

    from helpers import REPO
    slow = tmp_path / "slow-soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    code = f"""
import os, signal, threading, time
from pathlib import Path
from assembler.convert import warm
from assembler.convert.renders import Ahead, LibreOffice, Render
from assembler.documents.plan import Part
from assembler.progress import Progress
from assembler.vocab import PartKind

class Broken(warm.Converter):
    def describe(self): return "broken"
    def ensure_ready(self, deadline): raise warm.Unavailable("the UNO helper stopped")
    def stop(self): pass

work = Path({str(tmp_path)!r})
doc = work / "a.docx"
doc.write_bytes(b"x")
render = Render(doc, Part(PartKind.exhibit, "a"), "a", None)
lo = LibreOffice({str(slow)!r}, work / "lo-profile", 180, (Broken(),))
with Ahead(lo, Progress(False)) as ahead:
    ahead.send([render])
    ahead.finish(Progress(False))
    print("left to the build:", ahead.unsent([render]) == [render], flush=True)
lo = LibreOffice({str(slow)!r}, work / "lo-profile", 180, (Broken(),))  # a fresh one: not yet known broken
threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
try:
    with Ahead(lo, Progress(False)) as ahead:
        ahead.send([render])
        while True:  # the build goes on rendering
            time.sleep(0.01)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=20)
    assert proc.stdout.split("\n")[:2] == ["left to the build: True", "interrupted"], proc.stderr


def test_a_command_about_no_case_finds_the_settings_of_the_folder_it_runs_in(tmp_path, monkeypatch):
    """A walk-through: `pdpacket offices` in the cases folder right after `pdpacket init` printed the office's
    e-mail as not set: it looked only beside a case and in the user's settings."""
    from click.testing import CliRunner

    from assembler.casefile.lookup import find_settings_file
    from assembler.cli import cli
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "pdpacket.yaml").write_text("offices:\n  houston:\n    email: pd-houston@occ.example\n")
    monkeypatch.chdir(cases)
    assert find_settings_file(None, None) == cases / "pdpacket.yaml"
    result = CliRunner().invoke(cli, ["offices"])
    assert result.exit_code == 0, result.output
    assert "pd-houston@occ.example" in result.output
    monkeypatch.chdir(tmp_path)
    assert find_settings_file(None, None) != cases / "pdpacket.yaml"
