"""Firm settings: where they are found, what they change, how errors read."""
from __future__ import annotations

import pytest
import yaml

from assembler.errors import ExitCode, InvalidSettingsError
from helpers import minimal, write_case


def _settings(path, **data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _no_attorney():
    data = minimal()
    del data["attorney"]
    return data


FIRM = {"name": "Firm Default", "bar_number": "1", "bar_state": "NY", "address": ["1 Main St"],
        "phone": "1", "email": "f@example.org"}


def test_the_attorney_comes_from_the_settings_in_the_cases_folder(run, tmp_path):
    (tmp_path / "cases").mkdir()
    _settings(tmp_path / "cases" / "pdpacket.yaml", attorney=FIRM)
    folder = write_case(tmp_path / "cases" / "c", _no_attorney())
    assert run("validate", folder).code == 0
    from assembler.api import validate_case
    assert validate_case(folder).data["attorney"]["name"] == "Firm Default"


def test_without_settings_a_missing_attorney_is_reported(run, tmp_path):
    result = run("validate", write_case(tmp_path / "c", _no_attorney()))
    assert result.code == ExitCode.invalid_case
    assert "attorney: is required but missing" in result.err


def test_case_fields_win_over_settings_field_by_field(tmp_path):
    (tmp_path / "cases").mkdir()
    _settings(tmp_path / "cases" / "pdpacket.yaml", attorney=FIRM)
    data = _no_attorney()
    data["attorney"] = {"name": "Case Lawyer"}
    from assembler.api import validate_case
    attorney = validate_case(write_case(tmp_path / "cases" / "c", data)).data["attorney"]
    assert attorney["name"] == "Case Lawyer" and attorney["email"] == "f@example.org"


def test_lookup_order_flag_then_environment_then_folder(run, tmp_path, monkeypatch):
    (tmp_path / "cases").mkdir()
    _settings(tmp_path / "cases" / "pdpacket.yaml", attorney={**FIRM, "name": "From Folder"})
    env = _settings(tmp_path / "env.yaml", attorney={**FIRM, "name": "From Env"})
    flag = _settings(tmp_path / "flag.yaml", attorney={**FIRM, "name": "From Flag"})
    folder = write_case(tmp_path / "cases" / "c", _no_attorney())
    from assembler.api import CommandOptions, validate_case
    assert validate_case(folder).data["attorney"]["name"] == "From Folder"
    monkeypatch.setenv("PDPACKET_SETTINGS", str(env))
    assert validate_case(folder).data["attorney"]["name"] == "From Env"
    assert validate_case(folder, CommandOptions(flag)).data["attorney"]["name"] == "From Flag"


def test_user_config_settings_are_the_last_resort(tmp_path, monkeypatch):
    cfg = tmp_path / "xdg"
    (cfg / "pdpacket").mkdir(parents=True)
    _settings(cfg / "pdpacket" / "settings.yaml", attorney={**FIRM, "name": "From User Config"})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(cfg))
    from assembler.api import validate_case
    folder = write_case(tmp_path / "c", _no_attorney())
    assert validate_case(folder).data["attorney"]["name"] == "From User Config"


def test_an_invalid_settings_file_exits_4_naming_file_and_field(run, tmp_path):
    bad = _settings(tmp_path / "s.yaml", page_numbers={"style": "roman"}, attorney={"emial": "x"})
    result = run("validate", "--settings", bad, write_case(tmp_path / "c"))
    assert result.code == ExitCode.invalid_settings
    assert f"{bad}:" in result.err
    assert "page_numbers.style: 'roman' is not allowed" in result.err
    assert "attorney.emial: unknown field: did you mean 'email'?" in result.err


def test_a_missing_settings_file_exits_4(run, tmp_path):
    result = run("validate", "--settings", tmp_path / "nope.yaml", write_case(tmp_path / "c"))
    assert result.code == ExitCode.invalid_settings
    assert "settings file not found" in result.err


def test_offices_lists_every_shipped_office_with_its_source(run):
    result = run("offices")
    assert result.code == 0
    for key in ("atlanta", "new_york_city", "st_paul", "washington", "el_paso"):
        assert key in result.out
    assert "26 Federal Plaza, Room 1130" in result.out
    # 25 main offices and the 3 detained-docket sub-offices the brief names, each with its source.
    assert result.out.count("source:") == 28


def test_a_firm_overrides_and_adds_offices_in_its_settings(run, tmp_path):
    s = _settings(tmp_path / "s.yaml", offices={
        "chicago": {"name": "OCC Chicago (verified)", "address": ["1 New St", "Chicago, IL 60601"],
                    "source_date": "2026-10-01", "verified_on": "2026-10-02"},
        "harlingen": {"name": "OCC Harlingen sub-office", "address": ["1 Harlingen Rd"]}})
    result = run("offices", "--settings", s)
    chicago = result.out.split("chicago", 1)[1].split("dallas", 1)[0]
    assert "OCC Chicago (verified)" in chicago and "1 New St" in chicago and "55 E Monroe" not in chicago
    assert "verified on 2026-10-02" in chicago
    assert "harlingen" in result.out and "OCC Harlingen sub-office" in result.out
    assert "source: firm settings" in result.out
    assert "public transcription, undated, as collected by the pdpacket project, copied on 2026-11-28" in result.out
    assert "undated, as collected by the pdpacket project, dated" not in result.out  # the re-walk: read as a contradiction
    data = minimal(office="harlingen")
    assert run("validate", "--settings", s, write_case(tmp_path / "c", data)).code == 0


def test_settings_and_cases_checked_at_once_in_threads_each_get_their_own_answer(tmp_path):
    # The web app checks a case in one thread while another builds: a validator shared between
    # threads handed one its neighbour's errors ("5 problem(s) in the settings" on a valid file).
    from concurrent.futures import ThreadPoolExecutor

    from assembler.casefile.case import validate_case
    from assembler.casefile.settings import load_settings
    from assembler.errors import InvalidSettingsError
    from helpers import SAMPLES, copy_firm_settings

    good = tmp_path / "good"
    copy_firm_settings(good)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pdpacket.yaml").write_text("attorney:\n  nmae: X\nsoffice:\n  timeout: soon\n", encoding="utf-8")

    def settings(folder):
        try:
            load_settings(None, folder / "case")
            return "valid"
        except InvalidSettingsError as exc:
            return sorted(p.path for p in exc.problems)

    def case(_):
        return [p.render() for p in validate_case(SAMPLES / "1-garcia-lopez").errors]

    expected = [settings(good), settings(bad), case(0)]
    assert expected[0] == "valid" and expected[1] and expected[2] == []
    # 16 rounds: with one validator shared between the threads, 5 runs of 5 failed (48 rounds took 3 times as long)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: [settings(good), settings(bad), case(i)], range(16)))
    assert all(a == expected for a in answers)


def test_a_settings_file_is_checked_once_a_process_and_again_when_its_bytes_change(tmp_path, monkeypatch):
    # The web app reads the settings at every page and most commands more than once: the check (10 ms)
    # is kept by the file's path and bytes. A change that keeps the file's size and time is read anew;
    # what a caller does to its settings never reaches the next caller's.
    import os

    from assembler.casefile.schema import SchemaCheck
    from assembler.casefile.settings import load_settings

    runs = []
    run_check = SchemaCheck.run
    monkeypatch.setattr(SchemaCheck, "run", lambda self, *a: runs.append(a[1]) or run_check(self, *a))
    path = _settings(tmp_path / "pdpacket.yaml", attorney={**FIRM, "name": "Ana Ruiz"}, soffice={"timeout": 60})
    first = load_settings(path)
    first.attorney["name"] = "changed by a caller"
    first.offices.clear()
    second = load_settings(path)
    assert runs == [str(path.resolve())], "the same bytes: checked once"
    assert second.attorney["name"] == "Ana Ruiz" and second.offices and second.soffice_timeout == 60
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Ana Ruiz", "Eva Ruiz"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert load_settings(path).attorney["name"] == "Eva Ruiz"
    assert len(runs) == 2
    path.write_text(path.read_text(encoding="utf-8").replace("timeout: 60", "timeout: soon"), encoding="utf-8")
    with pytest.raises(InvalidSettingsError) as refused:
        load_settings(path)
    assert {p.path for p in refused.value.problems} == {"soffice.timeout"}
    assert load_settings(None).attorney == {}  # no file: the defaults, checked once too
    assert load_settings(None).offices == second.offices
