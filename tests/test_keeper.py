"""The keeper (convert/keeper.py): one LibreOffice per user kept between commands, and everything
that must not go wrong with a process that outlives the command that started it.

Each test has a runtime folder of its own (XDG_RUNTIME_DIR) and a temporary folder under its tmp_path
(TMPDIR), so its keeper is the `pdpacket-keeper` process whose environment names that runtime folder,
and its LibreOffices the processes whose command line names the tmp_path. The fixture stops what a
test started and fails the test if a keeper or a LibreOffice of it is left."""
from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from assembler.convert import keeper, warm
from helpers import FAKES, REPO, write_case

SOFFICE = shutil.which("soffice") or "soffice"
RECORDING = FAKES / "recording-soffice"


def _uno_importable() -> bool:
    python = warm.uno_python(SOFFICE)
    return python is not None and subprocess.run([python, "-c", "import uno"], capture_output=True).returncode == 0


needs_uno = pytest.mark.skipif(not _uno_importable(), reason="no Python that imports uno: apt-get install python3-uno")


class Env:
    def __init__(self, tmp_path: Path, runtime: Path):
        self.tmp_path, self.runtime = tmp_path, runtime
        self.home = runtime / "pdpacket"
        self.calls = tmp_path / "soffice-calls.txt"
        (tmp_path / "tmp").mkdir()
        self.vars = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "TMPDIR": str(tmp_path / "tmp"),
                     "PDPACKET_SOFFICE": str(RECORDING), "SOFFICE_CALLS": str(self.calls), "REAL_SOFFICE": SOFFICE}
        self.vars.pop("PDPACKET_KEEPER", None)
        self.vars.pop("PDPACKET_UNO_PYTHON", None)

    def pdpacket(self, *args: object, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assembler", *map(str, args)], cwd=REPO, text=True,
                              capture_output=True, env={**self.vars, **extra}, timeout=timeout)

    def build(self, case: Path, out: str, *options: str, **extra: str) -> subprocess.CompletedProcess:
        result = self.pdpacket("build", case, "-o", self.tmp_path / out, "-q", *options, **extra)
        assert result.returncode == 0, result.stderr
        return result

    def starts(self) -> int:
        """LibreOffice starts so far (each start goes through the recording stand-in)."""
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0

    def keepers(self) -> list[int]:
        """PIDs of live keepers of this test (a zombie is not live)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                comm = (entry / "comm").read_text().strip()
                environ = (entry / "environ").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if comm == keeper.NAME and f"XDG_RUNTIME_DIR={self.runtime}".encode() in environ and state != "Z":
                found.append(int(entry.name))
        return found

    def processes(self) -> list[str]:
        """Command lines of live processes naming this test's folder (LibreOffice, its UNO helper)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if str(self.tmp_path) in cmdline and state != "Z":
                found.append(cmdline)
        return found

    def wait_until(self, check, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            time.sleep(0.1)
        return bool(check())


@pytest.fixture
def env(tmp_path):
    # A short path of its own: a Unix socket's path may not be longer than 107 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="kr-", dir="/tmp"))
    e = Env(tmp_path, runtime)
    try:
        yield e
    finally:
        for pid in e.keepers():  # what the test left running: stopped, and the test fails below
            os.kill(pid, signal.SIGTERM)
        left = e.keepers()
        e.wait_until(lambda: not e.keepers() and not e.processes(), timeout=20)
        shutil.rmtree(runtime, ignore_errors=True)
        assert left == [], "a keeper was left running"
        assert e.processes() == [], "a LibreOffice of the test was left running"


def _case(env: Env, idle_minutes: float | None = None) -> Path:
    case = write_case(env.tmp_path / "cases" / "c")
    if idle_minutes is not None:  # the settings of the cases folder: pdpacket.yaml beside the case
        (env.tmp_path / "cases" / "pdpacket.yaml").write_text(f"keeper: {{idle_minutes: {idle_minutes}}}\n")
    return case


def _filing(out: Path) -> bytes:
    [pdf] = [p for p in out.glob("*.pdf")]
    return pdf.read_bytes()


# --- its folder (no LibreOffice) ----------------------------------------------------------------

def test_its_folder_is_made_for_the_user_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    home = keeper.folder()
    assert home == tmp_path / "pdpacket"
    assert stat.S_IMODE(home.stat().st_mode) == 0o700 and home.stat().st_uid == os.getuid()


def test_without_a_runtime_folder_it_is_named_with_the_uid_in_the_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    home = keeper.folder()
    assert home == tmp_path / f"pdpacket-keeper-uid{os.getuid()}"
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_a_folder_others_can_open_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "pdpacket").mkdir(mode=0o755)
    os.chmod(tmp_path / "pdpacket", 0o755)
    with pytest.raises(keeper.KeeperRefused) as caught:
        keeper.folder()
    assert "mode 755" in caught.value.message and str(tmp_path / "pdpacket") in caught.value.message


def test_another_users_folder_is_refused(tmp_path, monkeypatch):
    # Another uid's folder, as this process sees one: the folder is ours, the uid we run as is not.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    keeper.folder()
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 4242)
    with pytest.raises(keeper.KeeperRefused) as caught:
        keeper.folder()
    assert "owned by uid" in caught.value.message


def test_keeper_status_with_a_refused_folder_says_so_in_one_line(tmp_path, run, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "pdpacket").mkdir()
    os.chmod(tmp_path / "pdpacket", 0o777)
    result = run("keeper", "status")
    assert result.code == 9, result.err
    assert "the keeper's folder must be a folder of yours" in result.err and "Traceback" not in result.err


def test_off_by_the_environment_or_by_zero_minutes(monkeypatch):
    monkeypatch.delenv(keeper.ENV, raising=False)
    assert keeper.enabled(10)
    assert not keeper.enabled(0)
    monkeypatch.setenv(keeper.ENV, "off")
    assert not keeper.enabled(10)


def test_the_early_start_recognises_no_keep():
    from assembler.start import build_arguments
    assert build_arguments(["build", "case", "--no-keep"])[4] is True
    assert build_arguments(["build", "case"])[4] is False


def test_a_keeper_that_dies_mid_conversion_is_killed_and_the_build_goes_on_without_it(monkeypatch):
    # A stand-in keeper that says hello, takes a document and closes the connection (as a keeper killed
    # then would): the build's converter must not fail the build but hand over (Unavailable: its own
    # LibreOffice converts), and the recorded keeper process is killed so the next command starts afresh.
    import json
    import threading

    from assembler import workspace
    runtime = Path(tempfile.mkdtemp(prefix="kr-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    home = keeper.folder()
    recorded = subprocess.Popen(["sleep", "60"])
    listener = socket_server = None
    try:
        (home / keeper.PID).write_text(f"{recorded.pid} {workspace.start_time(recorded.pid)}\n")
        (home / keeper.TOKEN).write_text("secret\n")
        import socket
        socket_server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        socket_server.bind(str(home / keeper.SOCKET))
        socket_server.listen(1)

        def serve_once() -> None:
            conn, _ = socket_server.accept()
            stream = conn.makefile("rb")
            assert json.loads(stream.readline())["hello"] == "secret"
            conn.sendall(json.dumps({"ok": True, "jobs": 1, "soffice": "/x/soffice"}).encode() + b"\n")
            stream.readline()  # the document's header: then it dies
            conn.close()

        listener = threading.Thread(target=serve_once, daemon=True)
        listener.start()
        client = keeper.KeeperOffice("/x/soffice", 60)
        with pytest.raises(warm.Unavailable) as caught:
            client.convert_bytes(b"document", ".docx", False, time.monotonic() + 20)
        assert "the keeper stopped answering" in str(caught.value)
        assert recorded.wait(timeout=10) == -signal.SIGKILL
    finally:
        recorded.kill()
        recorded.wait()
        if socket_server is not None:
            socket_server.close()
        shutil.rmtree(runtime, ignore_errors=True)


# --- with LibreOffice ------------------------------------------------------------------------------

@pytest.mark.libreoffice
@needs_uno
def test_a_second_build_converts_on_the_keeper_and_the_filing_is_the_same(env):
    case = _case(env)
    env.build(case, "first")
    assert env.starts() == 1  # the keeper's LibreOffice
    [pid] = env.keepers()
    assert stat.S_IMODE(env.home.stat().st_mode) == 0o700
    assert stat.S_IMODE((env.home / keeper.SOCKET).stat().st_mode) == 0o600
    env.build(case, "second")
    assert env.starts() == 1, "the second build started a LibreOffice"
    assert env.keepers() == [pid]
    said = env.pdpacket("keeper", "status")
    assert said.returncode == 0 and f"pid {pid}" in said.stdout and "conversion(s) served" in said.stdout
    assert " 0 conversion(s)" not in said.stdout
    env.build(case, "own", "--no-keep")  # its own LibreOffice, started and stopped
    assert env.starts() == 2
    assert _filing(env.tmp_path / "first") == _filing(env.tmp_path / "own") == _filing(env.tmp_path / "second")
    stopped = env.pdpacket("keeper", "stop")
    assert stopped.returncode == 0 and f"stopped the keeper (pid {pid})" in stopped.stdout
    assert env.keepers() == []
    assert not (env.home / keeper.PID).exists() and not (env.home / keeper.SOCKET).exists()
    assert env.wait_until(lambda: not env.processes(), timeout=10), env.processes()
    assert "no keeper runs" in env.pdpacket("keeper", "status").stdout


@pytest.mark.libreoffice
@needs_uno
def test_no_keep_starts_none(env):
    env.build(_case(env), "out", "--no-keep")
    assert env.keepers() == [] and not (env.home / keeper.PID).exists()
    assert env.starts() == 1


@pytest.mark.libreoffice
@needs_uno
def test_it_stops_by_itself_after_the_idle_time(env):
    env.build(_case(env, idle_minutes=0.05), "out")  # 3 s
    assert env.keepers()
    assert env.wait_until(lambda: not env.keepers(), timeout=30), "the keeper outlived its idle time"
    assert env.wait_until(lambda: not env.processes(), timeout=10), env.processes()
    assert not (env.home / keeper.PID).exists() and not (env.home / keeper.SOCKET).exists()


@pytest.mark.libreoffice
@needs_uno
def test_kill_9_of_the_build_that_started_it_leaves_nothing_but_the_keeper_which_still_stops(env):
    case = _case(env, idle_minutes=0.1)  # 6 s
    build = subprocess.Popen([sys.executable, "-m", "assembler", "build", str(case), "-o", str(env.tmp_path / "out")],
                             cwd=REPO, env=env.vars, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert env.wait_until(lambda: env.keepers() and any("soffice.bin" in c for c in env.processes()), timeout=60)
    finally:
        build.kill()
        build.wait()
    [pid] = env.keepers()
    # Every LibreOffice left is the keeper's: its profile is in the keeper's own run folder.
    assert all(f"pdpacket-{pid}-" in c for c in env.processes()), env.processes()
    assert env.wait_until(lambda: not env.keepers(), timeout=60), "the keeper outlived its idle time"
    assert env.wait_until(lambda: not env.processes(), timeout=10), env.processes()


@pytest.mark.libreoffice
@needs_uno
def test_a_hung_keeper_is_replaced_and_the_build_succeeds(env):
    case = _case(env)
    env.build(case, "first")
    [hung] = env.keepers()
    os.kill(hung, signal.SIGSTOP)  # it accepts connections (the kernel does) but never answers
    started = time.monotonic()
    env.build(case, "second", timeout=120)
    took = time.monotonic() - started
    [fresh] = env.keepers()
    assert fresh != hung
    assert not Path(f"/proc/{hung}").exists() or _is_zombie(hung)  # killed
    assert took < 60, f"the build waited {took:.0f} s for the hung keeper"
    assert env.starts() == 2  # the fresh keeper's LibreOffice
    assert _filing(env.tmp_path / "first") == _filing(env.tmp_path / "second")
    assert f"(pid {fresh})" in env.pdpacket("keeper", "stop").stdout


@pytest.mark.libreoffice
@needs_uno
def test_a_keeper_killed_with_9_leaves_files_that_the_next_build_clears(env):
    case = _case(env)
    env.build(case, "first")
    [dead] = env.keepers()
    os.kill(dead, signal.SIGKILL)
    assert env.wait_until(lambda: not env.keepers() and not env.processes(), timeout=20), env.processes()
    assert (env.home / keeper.PID).exists() and (env.home / keeper.SOCKET).exists()  # stale
    assert "no keeper runs" in env.pdpacket("keeper", "status").stdout
    env.build(case, "second")
    [fresh] = env.keepers()
    assert fresh != dead and (env.home / keeper.PID).read_text().split()[0] == str(fresh)
    assert f"(pid {fresh})" in env.pdpacket("keeper", "stop").stdout


@pytest.mark.libreoffice
@needs_uno
def test_a_refused_folder_falls_back_to_the_builds_own_libreoffice(env):
    env.home.mkdir(mode=0o755)
    os.chmod(env.home, 0o755)
    env.build(_case(env), "out")
    assert env.keepers() == [] and not (env.home / keeper.PID).exists()
    assert env.starts() == 1


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


@pytest.mark.libreoffice
@needs_uno
def test_the_web_apps_pool_lends_one_libreoffice_on_the_keeper_and_leaves_it_running(env, monkeypatch):
    # `pdpacket serve`: its first LibreOffice is the keeper, left running when the app stops; a second
    # build at the same time gets one of the pool's own (the keeper holds one LibreOffice).
    from assembler.casefile.settings import Settings
    from assembler.convert.office import LibreOfficePool
    for name in ("XDG_RUNTIME_DIR", "TMPDIR", "PDPACKET_SOFFICE", "SOFFICE_CALLS", "REAL_SOFFICE"):
        monkeypatch.setenv(name, env.vars[name])
    monkeypatch.delenv("PDPACKET_KEEPER", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", env.vars["TMPDIR"])
    pool = LibreOfficePool(keep=True)
    try:
        first, second = pool.take(Settings()), pool.take(Settings())
        assert first is not None and second is not None
        assert isinstance(first.kept[0], keeper.KeeperOffice)
        assert not any(isinstance(k, keeper.KeeperOffice) for k in second.kept)
        assert env.wait_until(lambda: bool(env.keepers()), timeout=30)
    finally:
        pool.close()
    assert env.keepers(), "the keeper stopped with the app"
    assert keeper.stop(env.home) is not None
    assert env.keepers() == []
