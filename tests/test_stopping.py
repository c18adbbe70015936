"""A build never hangs and leaves nothing behind: a failure while conversions are in flight,
Ctrl-C, SIGTERM, SIGHUP, kill -9, a LibreOffice that is stuck, the build's own deadline.

What "nothing left" means here: no process whose command line names the run's folder
(LibreOffice and its UNO helper carry their profile's path), no run folder, no staging
folder in the output folder, no LibreOffice pipe socket that nobody listens on, and the
filing of the previous build as it was.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from assembler import output, stopping, workspace
from assembler.convert import renders, warm
from assembler.convert.renders import Ahead, LibreOffice, Render
from assembler.documents.plan import Part
from assembler.errors import ExitCode
from assembler.progress import Progress
from assembler.vocab import PartKind
from helpers import FAKES, REPO, SAMPLES, minimal, write_case

SOFFICE = shutil.which("soffice") or "soffice"
FAULTY_PYTHON = FAKES / "uno-python"  # the UNO client, with faults on cue (HANGME: LibreOffice stopped)


def _uno() -> bool:
    python = warm.uno_python(SOFFICE)
    return python is not None and subprocess.run([python, "-c", "import uno"], capture_output=True).returncode == 0


needs_uno = pytest.mark.skipif(not _uno(), reason="no Python that imports uno: apt-get install python3-uno")


def _processes_naming(text: str, wait: float = 0.0) -> list[str]:
    """Command lines of live processes (not zombies) that hold `text`."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, IndexError):
                continue
            if text in cmdline:
                found.append(cmdline[:200])
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the wait that never ended ----------------------------------------------------------------

def test_a_build_that_fails_with_conversions_queued_stops_waiting_at_once(monkeypatch, tmp_path):
    # The conversion thread converts one group while a second waits in the queue; the build fails.
    # shutdown(cancel_futures=True) makes the queued one CANCELLED, which concurrent.futures.wait
    # never counts as done: Ahead.__exit__ waited for ever (the encrypted-exhibit hang).
    class Kept(warm.Converter):
        def describe(self) -> str:
            return "a stand-in"

    monkeypatch.setattr(renders, "convert_renders", lambda *args, **kwargs: time.sleep(0.5))
    lo = LibreOffice("soffice", tmp_path / "lo-profile", 5, (Kept(),))
    group = [Render(tmp_path / "a.docx", Part(PartKind.letter, "the letter"), "the letter", None)]
    ended = threading.Event()

    def failing_build() -> None:
        try:
            with Ahead(lo, Progress(False), owned=False) as ahead:
                ahead.send(group)
                ahead.send(list(group))
                raise RuntimeError("the exhibit is encrypted")
        except RuntimeError:
            ended.set()

    threading.Thread(target=failing_build, daemon=True).start()
    assert ended.wait(10), "the failed build went on waiting for a conversion that was cancelled"


# --- faults in each stage while conversions are in flight (real LibreOffice) --------------------

def _sample1(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(SAMPLES / "1-garcia-lopez", folder)
    shutil.copy(SAMPLES / "pdpacket.yaml", tmp_path / "pdpacket.yaml")
    shutil.copy(SAMPLES / "g28-stand-in.pdf", tmp_path / "g28-stand-in.pdf")
    return folder


def _encrypted(folder: Path, monkeypatch) -> tuple[int, str]:
    """Each fault sets itself up, and returns the exit code and the words its message must hold."""
    tax = folder / "exhibits" / "tax-returns.pdf"
    locked = tax.with_name("locked.pdf")
    subprocess.run(["qpdf", "--encrypt", "secret", "owner", "256", "--", str(tax), str(locked)], check=True)
    os.replace(locked, tax)
    return ExitCode.input_file, "is protected by a password"


def _vanished(folder: Path, monkeypatch) -> tuple[int, str]:
    from assembler import build
    real = build.plan_build

    lease = folder / "exhibits" / "lease.pdf"
    kept = lease.read_bytes()

    def plan_then_lose(*args, **kwargs):
        planned = real(*args, **kwargs)
        lease.unlink()  # deleted between validation and its preparation
        return planned

    from assembler import api
    monkeypatch.setattr(api.flow.Context, "load", _restoring(api.flow.Context.load, lease, kept))

    monkeypatch.setattr(build, "plan_build", plan_then_lose)
    return ExitCode.input_file, "lease.pdf"


def _restoring(load, path: Path, content: bytes):
    """The build's validation, with `path` put back first: each attempt loses it anew."""
    def load_with_the_file_back(*args, **kwargs):
        path.write_bytes(content)
        return load(*args, **kwargs)
    return classmethod(lambda cls, *args, **kwargs: load_with_the_file_back(*args, **kwargs))


def _template_fault(folder: Path, monkeypatch) -> tuple[int, str]:
    from assembler import build
    from assembler.errors import TemplateError
    real = build.render

    def render_then_fail(template, *args, **kwargs):
        # The last document rendered: the letter and the declarations are on their way to LibreOffice.
        if "service" in template.name:
            raise TemplateError(f"template {template.name}: a broken tag")
        return real(template, *args, **kwargs)

    monkeypatch.setattr(build, "render", render_then_fail)
    return ExitCode.template_error, "a broken tag"


def _settle_fault(folder: Path, monkeypatch) -> tuple[int, str]:
    from assembler import build
    from assembler.errors import OutputError

    def never_settles(*args, **kwargs):
        raise OutputError("the index of exhibits did not settle on a page count")

    monkeypatch.setattr(build, "settle_indexes", never_settles)
    return ExitCode.output_not_writable, "did not settle"


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_uno
@pytest.mark.parametrize("fault", [_encrypted, _vanished, _template_fault, _settle_fault],
                         ids=["encrypted-exhibit", "exhibit-gone", "template-error", "settle-failure"])
def test_a_fault_in_any_stage_ends_the_build_at_once_with_its_message(run, tmp_path, monkeypatch, fault):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    folder = _sample1(tmp_path)
    code, words = fault(folder, monkeypatch)
    for attempt in range(30):
        started = time.monotonic()
        result = run("build", folder, "-o", tmp_path / "out", "-q")
        took = time.monotonic() - started
        assert result.code == code, (attempt, result.err)
        assert words in result.err and "Traceback" not in result.err
        assert took < 10, f"attempt {attempt} took {took:.1f} s"
        assert _processes_naming(str(private), wait=2) == [], attempt
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# --- signals and kills ------------------------------------------------------------------------

def _env(tmp_path: Path, **extra: str) -> dict:
    private = tmp_path / "tmp"
    private.mkdir(exist_ok=True)
    return {**os.environ, "PDPACKET_TODAY": "2026-11-28", "TMPDIR": str(private),
            "PDPACKET_LEDGER": str(tmp_path / "ledger.db"), **extra}


def _start_build(folder: Path, out: Path, env: dict, *extra: str, verbose: bool = False) -> subprocess.Popen:
    # verbose: an internal error prints its traceback, so a rare failure in CI says where it happened
    return subprocess.Popen([sys.executable, "-m", "assembler", *(["-v"] if verbose else []), "build", str(folder),
                             "-o", str(out), "-q", *extra],
                            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _left_by(pid: int, private: Path) -> list[str]:
    return _processes_naming(f"pdpacket-{pid}-", wait=2) + [p.name for p in private.glob(f"pdpacket-{pid}-*")]


def _dead_sockets() -> set[str]:
    """LibreOffice pipe sockets of this user in /tmp that nobody listens on."""
    bound = workspace._bound_unix_sockets() or set()
    return {p.name for p in Path("/tmp").glob(f"OSL_PIPE_{os.getuid()}_*") if str(p) not in bound}


@pytest.mark.libreoffice
@pytest.mark.slow
@needs_uno
def test_signals_and_kills_at_random_moments_leave_nothing_and_the_previous_filing_intact(tmp_path):
    folder = _sample1(tmp_path)
    out = tmp_path / "out"
    env = _env(tmp_path)
    private = Path(env["TMPDIR"])
    first = _start_build(folder, out, env)
    assert first.wait(120) == 0, first.stderr.read() if first.stderr else ""
    filing = next(out.glob("*.pdf"))
    before, sockets_before = _sha(filing), _dead_sockets()
    moments = random.Random(19)  # the same moments every run: CI must not fail on a new draw
    codes = {signal.SIGTERM: ExitCode.terminated, signal.SIGINT: ExitCode.interrupted,
             signal.SIGHUP: ExitCode.hangup}
    killed = []
    for sig in [signal.SIGTERM, signal.SIGINT, signal.SIGKILL, signal.SIGHUP] * 5:
        proc = _start_build(folder, out, env)
        time.sleep(moments.uniform(0.05, 2.5))
        proc.send_signal(sig)
        # A deadline that catches a build going on, not the 2 s target: how fast a build stops is
        # measured by `make bench` (bench/stopping.py). In CI, with two suites sharing two CPUs and
        # a disk, removing LibreOffice's profile alone once took seconds.
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"the build went on after {sig.name}")
        if sig == signal.SIGKILL:
            killed.append(proc.pid)
        else:
            assert proc.returncode in (0, codes[sig]), (sig.name, proc.returncode, err)
            assert "Traceback" not in err
            assert _left_by(proc.pid, private) == [], sig.name
        if sig != signal.SIGKILL:
            # Only this build's own staging folder must be gone: one left by the kill -9 just
            # before is cleared when a build reaches its output step, which a signal may precede.
            assert not list(out.glob(f".pdpacket-staging-{proc.pid}.*")), sig.name
        assert _sha(filing) == before, sig.name  # never half-written; a finished build gives the same bytes
    # The next run clears what kill -9 left: run folders, their LibreOffices, staging folders.
    again = _start_build(folder, out, env)
    assert again.wait(120) == 0
    for pid in killed:
        assert _left_by(pid, private) == [], pid
    assert not [p for p in out.iterdir() if p.name.startswith(".pdpacket-")]
    assert list(private.iterdir()) == []
    assert _sha(filing) == before
    assert _dead_sockets() <= sockets_before


def _write_hanging(tmp_path: Path) -> Path:
    folder = tmp_path / "c"
    write_case(folder, minimal(**{"request.summary": "Summary HANGME."}))
    return folder


@pytest.mark.libreoffice
@needs_uno
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_ends_a_build_whose_libreoffice_is_stuck(tmp_path, sig):
    env = _env(tmp_path, PDPACKET_UNO_PYTHON=str(FAULTY_PYTHON))
    folder = _write_hanging(tmp_path)
    # -v: this test once ended with "internal error" (exit 1) after SIGHUP in CI (ci-32): the next time it
    # does, its traceback is in the assertion's message below
    proc = _start_build(folder, tmp_path / "out", env, verbose=True)
    private = Path(env["TMPDIR"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _stopped_soffice(proc.pid):
        time.sleep(0.05)
    assert _stopped_soffice(proc.pid), "LibreOffice never got stuck"
    proc.send_signal(sig)
    sent = time.monotonic()
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{sig.name} did not end the build")
    # Before the fix the build waited for soffice.timeout (180 s). The 2 s target is measured
    # by `make bench` (bench/stopping.py): a timed assertion fails on a loaded shared machine.
    assert time.monotonic() - sent < 10
    assert proc.returncode == stopping.SIGNAL_EXIT[sig], err
    assert "Traceback" not in err
    assert _left_by(proc.pid, private) == []


def _stopped_soffice(pid: int) -> bool:
    """Is a LibreOffice of the build `pid` stopped (state T), as HANGME leaves it?"""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if f"pdpacket-{pid}-" in cmdline and "soffice" in stat and stat.rsplit(")", 1)[1].split()[0] == "T":
                return True
    return False


@pytest.mark.libreoffice
@needs_uno
def test_a_build_past_its_deadline_stops_its_libreoffice_and_says_so(tmp_path):
    env = _env(tmp_path, PDPACKET_UNO_PYTHON=str(FAULTY_PYTHON))
    settings = tmp_path / "s.yaml"
    settings.write_text("soffice:\n  timeout: 600\nfiling:\n  deadline: 10\n")
    proc = subprocess.run([sys.executable, "-m", "assembler", "build", str(_write_hanging(tmp_path)), "-o",
                           str(tmp_path / "out"), "-q", "--settings", str(settings)],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.deadline_passed, proc.stderr
    assert "did not finish within 10 s" in proc.stderr and "filing.deadline" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _processes_naming(str(tmp_path / "tmp"), wait=2) == []
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.libreoffice
@needs_uno
def test_the_uno_helper_stuck_in_a_conversion_dies_with_its_parent(tmp_path):
    # kill -9 of the build while LibreOffice is stuck: the helper reads nothing while the UNO
    # call hangs, so only its watchdog can see that the parent is gone. Before it, LibreOffice
    # and the helper ran on (at 100% CPU for a 4 MB text) for as long as nobody killed them.
    from helpers import make_docx
    doc = make_docx(tmp_path / "docs" / "d.docx", "HANGME")
    script = ("import sys, time\nfrom pathlib import Path\nfrom assembler.convert import warm, soffice\n"
              f"o = warm.Office({SOFFICE!r}, Path({str(tmp_path / 'office')!r}), {str(FAULTY_PYTHON)!r})\n"
              f"o.convert([soffice.Job(Path({str(doc)!r}), 'd')], Path({str(tmp_path / 'pdf')!r}), 600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _stopped_in(tmp_path):
        time.sleep(0.05)
    assert _stopped_in(tmp_path), "LibreOffice never got stuck"
    parent.kill()
    parent.wait()
    assert _processes_naming(str(tmp_path / "office"), wait=3) == []


def _stopped_in(folder: Path) -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if str(folder) in cmdline and "soffice" in stat and stat.rsplit(")", 1)[1].split()[0] == "T":
                return True
    return False


# --- what the next run sweeps up (no LibreOffice needed) ------------------------------------------

def test_the_next_run_removes_folders_and_kills_groups_of_runs_that_are_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(workspace, "_runs", {})
    # A run killed with kill -9, which had started a process group (a stand-in for LibreOffice).
    orphan = subprocess.Popen(["sleep", "300"], start_new_session=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = tmp_path / f"pdpacket-{dead.pid}-abc"
    (killed / workspace.GROUPS).mkdir(parents=True)
    (killed / workspace.OWNER).write_text(f"{dead.pid} 12345\n")
    (killed / workspace.GROUPS / str(orphan.pid)).write_text(workspace.start_time(orphan.pid) or "")
    (killed / "declaration-of-maria.docx").write_bytes(b"client data")
    # A PID that lives on, but was given to another process since: its start time differs.
    reused = tmp_path / f"pdpacket-{os.getpid()}-reused"
    reused.mkdir()
    (reused / workspace.OWNER).write_text(f"{os.getpid()} 1\n")
    # A run that is alive: left alone.
    alive = workspace.run_folder()
    try:
        assert workspace.sweep_stale() == 2
        assert orphan.wait(5) == -signal.SIGKILL
        assert not killed.exists() and not reused.exists() and alive.exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()
        workspace.remove_run_folder()


def test_a_group_id_given_to_a_new_process_is_never_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stranger = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        killed = tmp_path / "pdpacket-999999999-abc"
        (killed / workspace.GROUPS).mkdir(parents=True)
        (killed / workspace.OWNER).write_text("999999999 1\n")
        (killed / workspace.GROUPS / str(stranger.pid)).write_text("1")  # that id's leader started at another time
        workspace.sweep_stale()
        assert stranger.poll() is None
    finally:
        stranger.kill()


def test_staging_folders_of_killed_builds_are_removed_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = out / f"{output.STAGING_PREFIX}{dead.pid}.1-abc"
    old_release = out / f"{output.STAGING_PREFIX}xyz"
    for folder in (stale, old_release):
        folder.mkdir()
        (folder / "half-written.pdf").write_bytes(b"%PDF")
    mine = output.prepare(out)
    # Another build writing into the same folder right now keeps its own.
    elsewhere = output.prepare(out)
    assert not stale.exists() and not old_release.exists()
    assert mine.exists() and elsewhere.exists()


def test_pipe_sockets_nobody_listens_on_are_removed(tmp_path):
    stale = Path("/tmp") / f"OSL_PIPE_{os.getuid()}_pdpacket-test-{os.getpid()}-stale"
    live = Path("/tmp") / f"OSL_PIPE_{os.getuid()}_pdpacket-test-{os.getpid()}-live"
    listener = socket.socket(socket.AF_UNIX)
    try:
        closed = socket.socket(socket.AF_UNIX)
        closed.bind(str(stale))
        closed.close()  # the file stays, as after a LibreOffice killed with SIGKILL
        listener.bind(str(live))
        listener.listen()
        workspace.sweep_pipes()
        assert not stale.exists() and live.exists()
    finally:
        listener.close()
        for path in (stale, live):
            path.unlink(missing_ok=True)


_SECOND_SIGNAL = """
import os, shutil, signal, sys
from assembler import stopping, workspace
stopping.install()
run = workspace.run_folder()
(run / "declaration-of-maria.docx").write_text("client data")
real = shutil.rmtree
def rmtree(path, *args, **kwargs):
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # the user presses Ctrl-C again, or a SIGTERM follows
    return real(path, *args, **kwargs)
workspace.shutil.rmtree = rmtree
print(run, flush=True)
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_arriving_while_the_run_cleans_up_does_not_stop_the_cleanup(tmp_path, name):
    # Seen: a second Ctrl-C (or a SIGTERM right after a build finished) raised inside the exit
    # handler that removes the run folder, which then stayed behind with the client's documents.
    done = subprocess.run([sys.executable, "-c", _SECOND_SIGNAL, name], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)})
    run = Path(done.stdout.strip())
    assert run.parent == tmp_path, done.stderr
    assert not run.exists(), done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr


_SIGNAL_IN_NATIVE_INIT = """
import os, signal, sys
fired = []
def hook(frame, event, arg):
    # The first enum made by pikepdf's compiled module while it initialises (its caller is the
    # import machinery, not Python code): a SIGTERM arriving exactly then.
    if (not fired and event == "call" and frame.f_code.co_filename.endswith("enum.py") and "pikepdf" in sys.modules
            and frame.f_back is not None and frame.f_back.f_code.co_filename == "<frozen importlib._bootstrap>"):
        fired.append(1)
        sys.stderr.write("signal sent\\n")
        os.kill(os.getpid(), signal.SIGTERM)
sys.setprofile(hook)
from assembler import start
start.main(["build", sys.argv[1], "-o", sys.argv[2]])
"""


def test_a_signal_while_a_compiled_module_loads_ends_the_build_cleanly(tmp_path):
    # Seen: a SIGTERM 1.3 s into a build, while img2pdf imported pikepdf: its compiled module
    # (nanobind) aborted the process on the signal's exception, exit 134, with a traceback and
    # without removing the run folder or stopping the LibreOffice started early.
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _SIGNAL_IN_NATIVE_INIT, str(tmp_path / "no-case"), str(tmp_path / "out")],
                          cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert "signal sent" in done.stderr
    assert done.returncode == stopping.SIGNAL_EXIT[signal.SIGTERM], done.stderr
    assert "nanobind" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not list(tmp_path.glob("pdpacket-*")), done.stderr
