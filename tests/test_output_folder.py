"""A build owns its output folder: what it wrote before goes, nothing else does (issue 12)."""
from __future__ import annotations

import json
import shutil

import pytest

from assembler import output, unchanged
from assembler.output import BuildResult
from helpers import minimal, write_case


def _staged(out, name: str, parts: int = 0) -> BuildResult:
    """A finished build in its staging folder, as check_and_place hands it over."""
    staging = output.prepare(out)
    filing = staging / name
    filing.write_bytes(b"%PDF new")
    for n in range(1, parts + 1):
        (staging / f"{filing.stem}_Part{n}.pdf").write_bytes(b"%PDF part")
    (staging / "docx").mkdir()
    manifest = staging / "manifest.json"
    manifest.write_text(json.dumps({"filing": {"file": name},
                                    "outputs": [name] + [f"{filing.stem}_Part{n}.pdf" for n in range(1, parts + 1)]}))
    return BuildResult(filing, manifest, staging / "docx", 1, [])


def test_the_previous_filing_parts_and_drafts_go_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = "OLD_A111111111_PD-request.pdf"
    for name in (old, "OLD_A111111111_PD-request_Part1.pdf", "OLD_A111111111_PD-request_Part2.pdf",
                 "request-email.eml", "OLD_A111111111_PD-request.eml", "notes.txt", "client-photo.jpg"):
        (out / name).write_bytes(b"x")
    (out / "manifest.json").write_text(json.dumps({
        "filing": {"file": old}, "parts": [{"file": "OLD_A111111111_PD-request_Part1.pdf"},
                                           {"file": "OLD_A111111111_PD-request_Part2.pdf"}],
        "drafts": [{"file": "OLD_A111111111_PD-request.eml"}],
        "outputs": [old, "request-email.eml", "../outside.pdf", "/etc/passwd"]}))
    (tmp_path / "outside.pdf").write_bytes(b"x")
    staged = _staged(out, "NEW_A222222222_PD-request.pdf")
    result = output.move_into_place(*_move_args(out, staged))
    shutil.rmtree(staged.filing.parent)  # what build.abandon does after every build
    assert sorted(p.name for p in out.iterdir()) == ["NEW_A222222222_PD-request.pdf", "client-photo.jpg", "docx",
                                                    "manifest.json", "notes.txt"]
    assert (tmp_path / "outside.pdf").exists()
    assert result.filing == out / "NEW_A222222222_PD-request.pdf"


def test_a_damaged_previous_manifest_removes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "OLD_PD-request.pdf").write_bytes(b"x")
    (out / "manifest.json").write_text("{not json")
    output.move_into_place(*_move_args(out, _staged(out, "NEW_PD-request.pdf")))
    assert (out / "OLD_PD-request.pdf").exists()


def _move_args(out, result: BuildResult):
    return result.filing.parent, out, result


@pytest.mark.libreoffice
def test_a_rebuild_after_correcting_the_a_number_leaves_one_filing(tmp_path, run):
    case = write_case(tmp_path / "c", minimal(**{"respondent.a_number": "A087654320"}))
    assert run("build", case, "-q").code == 0
    (case / "out" / "cover-note.txt").write_text("mine")
    write_case(case, minimal(**{"respondent.a_number": "A087654321"}))
    result = run("build", case, "-q")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (case / "out").iterdir() if p.name != unchanged.RECORD) == [
        "TENZIN_A087654321_PD-request.pdf", "cover-note.txt", "docx", "manifest.json"]
    manifest = json.loads((case / "out" / "manifest.json").read_text())
    assert manifest["outputs"] == ["TENZIN_A087654321_PD-request.pdf"]
