"""A wheel built from the repository works from a fresh virtual environment."""
from __future__ import annotations

import subprocess
import sys
import venv
import zipfile

import pytest

from helpers import REPO, SAMPLES, TODAY


@pytest.mark.slow
def test_wheel_installs_and_validates_a_sample(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(REPO)], check=True)
    wheel = next(dist.glob("pdpacket-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "assembler/schemas/case.yaml" in names
    assert "assembler/data/offices.yaml" in names
    assert "assembler/data/law.yaml" in names  # the legal rules, read by every build
    assert any(n.startswith("assembler/templates/") and n.endswith(".docx") for n in names) or \
        not list((REPO / "templates").glob("*.docx"))

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    subprocess.run([env / "bin" / "python", "-m", "pip", "install", "-q", str(wheel)], check=True)
    # Run from elsewhere so nothing is imported from the checkout.
    # Nothing inherited either: a PYTHONPATH pointing at a checkout would win over the wheel.
    clean = {"PDPACKET_TODAY": TODAY, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([env / "bin" / "pdpacket", "validate", SAMPLES / "1-garcia-lopez"],
                            cwd=tmp_path, capture_output=True, text=True, env=clean)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    clean = {"PATH": "/usr/bin:/bin"}  # no PYTHONPATH: nothing may come from the checkout
    offices = subprocess.run([env / "bin" / "python", "-m", "assembler", "offices"], cwd=tmp_path,
                             capture_output=True, text=True, env=clean)
    assert "new_york_city" in offices.stdout
    where = subprocess.run([env / "bin" / "python", "-c",
                            "import assembler.resources as r; print(r.schemas_dir())"],
                           cwd=tmp_path, capture_output=True, text=True, env=clean)
    assert str(env) in where.stdout
