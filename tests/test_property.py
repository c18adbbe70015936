"""Property: whatever a case file holds, validate never crashes, and build either
makes a filing that opens or fails with a clear message and its exit code."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from assembler.cli import main
from assembler.errors import ExitCode
from helpers import examples, minimal

HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["{{ 7 * 7 }}", "{% for x in range(10**9) %}", "<w:p>", "</w:t>", "&amp;", "]]>", "\x00\x01",
                     "\ud800", "\u202e", "A" * 5000, "NO", "012345670", "10:30", "03/04/2025", "", "   ", "~",
                     "../../etc/passwd", "C:\\\\Windows", "Smith & Sons <Ltd>", "\U0001F600"]),
)
TEXT_FIELDS = [("respondent", "given_names"), ("respondent", "family_names"), ("respondent", "country_of_citizenship"),
               ("respondent", "a_number"), ("respondent", "date_of_birth"), ("proceedings", "court"),
               ("proceedings", "stage"), ("request", "summary"), ("request", "facts"), ("request", "conclusion"),
               ("attorney", "firm"), ("attorney", "name"), ("attorney", "email"), ("service", "served_by"),
               ("service", "date"), ("service", "method")]
SHAPES = st.sampled_from([None, 0, 1.5, True, [], {}, ["x"], {"x": "y"}])


@st.composite
def cases(draw):
    data = copy.deepcopy(minimal())
    for section, key in draw(st.lists(st.sampled_from(TEXT_FIELDS), max_size=6, unique=True)):
        data[section][key] = draw(HOSTILE)
    if draw(st.booleans()):
        data["request"]["favorable_factors"][0]["title"] = draw(HOSTILE)
    if draw(st.booleans()):
        data["custom"] = {"note": draw(HOSTILE)}
    if draw(st.integers(0, 4)) == 0:
        section, key = draw(st.sampled_from(TEXT_FIELDS))
        data[section][key] = draw(SHAPES)
    if draw(st.integers(0, 6)) == 0:
        data[draw(st.sampled_from(list(data)))] = draw(SHAPES)
    if draw(st.integers(0, 6)) == 0:
        data["office"] = draw(HOSTILE)
    return data


def _run(args, capsys):
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        captured = capsys.readouterr()
        return exc.code, captured.out, captured.err
    raise AssertionError("main() did not exit")


def _write(folder: Path, data) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "case.json").write_text(json.dumps(data), encoding="utf-8", errors="surrogatepass")
    return folder


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=cases())
def test_validate_never_crashes(data, capsys, tmp_path_factory):
    folder = _write(tmp_path_factory.mktemp("case"), data)
    code, out, err = _run(["validate", folder], capsys)
    assert code in (ExitCode.ok, ExitCode.invalid_case), err
    assert "Traceback" not in err and "internal error" not in err
    if code == ExitCode.invalid_case:
        assert all(line.startswith(str(folder)) or line.startswith("error:") for line in err.splitlines()), err


@pytest.mark.libreoffice
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking a build takes minutes
@given(data=cases())
def test_build_succeeds_or_fails_clearly(data, capsys, tmp_path_factory):
    folder = _write(tmp_path_factory.mktemp("case"), data)
    out = folder / "out"
    code, stdout, err = _run(["build", folder, "-o", out, "-q"], capsys)
    assert "Traceback" not in err and "internal error" not in err, err
    if code == ExitCode.ok:
        (filing,) = out.glob("*_PD-request.pdf")
        reader = PdfReader(filing)
        assert len(reader.pages) >= 4
        assert f"Page {len(reader.pages)} of {len(reader.pages)}" in reader.pages[-1].extract_text()
    else:
        assert code in (ExitCode.invalid_case, ExitCode.input_file, ExitCode.template_error), err
        assert err.strip()
        assert not list(out.glob("*.pdf")) if out.exists() else True


FREE_TEXT = [("respondent", "given_names"), ("respondent", "family_names"), ("proceedings", "court"),
             ("request", "summary"), ("request", "facts"), ("request", "conclusion"), ("attorney", "firm")]
PRINTED = st.text(min_size=1, max_size=80).filter(lambda s: s.strip())


@st.composite
def printable_cases(draw):
    """Valid cases whose free text is hostile: these must build, and print what was typed."""
    data = copy.deepcopy(minimal())
    for section, key in draw(st.lists(st.sampled_from(FREE_TEXT), min_size=1, max_size=4, unique=True)):
        data[section][key] = draw(st.one_of(PRINTED, HOSTILE.filter(lambda s: s.strip())))
    return data


@pytest.mark.libreoffice
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=printable_cases())
def test_hostile_free_text_builds(data, capsys, tmp_path_factory):
    folder = _write(tmp_path_factory.mktemp("case"), data)
    out = folder / "out"
    code, stdout, err = _run(["build", folder, "-o", out, "-q"], capsys)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code in (ExitCode.ok, ExitCode.invalid_case), err
    if code == ExitCode.ok:
        (filing,) = out.glob("*_PD-request.pdf")
        assert len(PdfReader(filing).pages) == 4


@pytest.mark.libreoffice
def test_a_very_long_family_name_gives_a_usable_file_name(run, tmp_path):
    folder = _write(tmp_path / "c", {**minimal(), "respondent": {**minimal()["respondent"], "family_names": "A" * 200}})
    result = run("build", folder, "-o", tmp_path / "out", "-q")
    assert result.code == ExitCode.ok, result.err
    (filing,) = (tmp_path / "out").glob("*.pdf")
    assert filing.name == "A" * 60 + "_A087654321_PD-request.pdf"


def test_a_family_name_longer_than_a_line_is_refused_before_anything_is_built(run, tmp_path):
    folder = _write(tmp_path / "c", {**minimal(), "respondent": {**minimal()["respondent"], "family_names": "A" * 5000}})
    result = run("build", folder, "-o", tmp_path / "out", "-q")
    assert result.code == ExitCode.invalid_case, result.err
    assert "respondent.family_names" in result.err and "5,000 characters" in result.err
    assert not list((tmp_path / "out").glob("*.pdf")) if (tmp_path / "out").exists() else True
