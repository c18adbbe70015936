"""`make system-deps` on a machine that lacks a package: apt-get update once, then install what is missing.

Run with stand-ins for dpkg-query and apt-get first on PATH, so the machine itself is not changed.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from helpers import REPO


def _stand_ins(folder, missing: set[str]):
    folder.mkdir()
    log = folder / "apt.log"
    (folder / "dpkg-query").write_text(
        "#!/bin/sh\nfor p; do :; done\n"  # the last argument is the package
        f"case \" {' '.join(sorted(missing))} \" in *\" $p \"*) exit 1;; esac\n"
        "printf 'install ok installed'\n")
    (folder / "apt-get").write_text(f"#!/bin/sh\necho \"apt-get $*\" >> {log}\n")
    (folder / "id").write_text("#!/bin/sh\necho 0\n")  # as root: no sudo
    for name in ("dpkg-query", "apt-get", "id"):
        (folder / name).chmod(0o755)
    return log


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_a_machine_without_python3_uno_gets_it_and_apt_get_update_runs_first(tmp_path):
    log = _stand_ins(tmp_path / "bin", {"python3-uno", "qpdf"})
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["make", "-s", "system-deps"], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "installing: python3-uno qpdf" in result.stdout
    calls = log.read_text().splitlines()
    assert calls[0] == "apt-get update -qq"
    assert calls[1].startswith("apt-get install -y -qq --no-install-recommends")
    assert calls[1].split()[-2:] == ["python3-uno", "qpdf"]


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_a_machine_with_everything_installs_nothing(tmp_path):
    log = _stand_ins(tmp_path / "bin", set())
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["make", "-s", "system-deps"], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "installing" not in result.stdout
    assert not log.exists()
