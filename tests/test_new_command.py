"""`pdpacket new`: a case folder or a spreadsheet ready to fill, made from the schema (issue 12)."""
from __future__ import annotations

import copy

import yaml

from assembler import resources
from assembler.casefile.spreadsheet import read_rows, row_to_data
from assembler.errors import ExitCode


def test_new_makes_a_case_folder_to_fill(run, tmp_path):
    result = run("new", tmp_path / "garcia")
    assert result.code == ExitCode.ok, result.err
    folder = tmp_path / "garcia"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "case.yaml", "exhibits"]
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    for section in resources.load_schema("case"):
        assert f"\n{section}:" in text or f"\n# {section}:" in text, section
    assert "  family_names:  # REQUIRED; both family names" in text
    assert "  # given_names: María José  # optional" in text  # an example to uncomment
    assert "pdpacket validate" in (folder / "README.md").read_text()


def test_validate_on_the_untouched_scaffold_lists_everything_to_fill_at_once(run, tmp_path):
    run("new", tmp_path / "c")
    result = run("validate", tmp_path / "c")
    assert result.code == ExitCode.invalid_case
    for field in ("respondent.family_names", "respondent.a_number", "proceedings.court", "office",
                  "request.relief: needs at least 1 entry", "request.favorable_factors[0].title", "attorney.email",
                  "service.date"):
        assert f"{field}" in result.err, field
    # what is required at the stage the case will have, and what it must say even if only "none"
    assert "proceedings.court: is required at this stage" in result.err
    assert "request.criminal_history: warning: the case does not say whether" in result.err
    # nothing about the examples that stood in for the empty fields while the rules ran
    # (an empty service.method stood in as "email", an empty office as "new_york_city")
    assert "service.email" not in result.err and "new_york_city" not in result.err
    assert "not valid YAML" not in result.err


def test_uncommenting_an_optional_section_gives_a_well_formed_entry(run, tmp_path):
    run("new", tmp_path / "c")
    lines = (tmp_path / "c" / "case.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index("# exhibits:")
    block = []
    for line in lines[start:]:
        if block and not line.startswith("  "):
            break
        block.append(line.replace("# ", "", 1).split("  # ")[0])
    data = yaml.safe_load("\n".join(block))
    assert data["exhibits"][0]["id"] == "birth-cert-child"
    assert data["exhibits"][0]["translation"]["translator"]["name"] == "Lucía Fernández"


def test_a_field_added_to_the_schema_appears_without_code_changes(run, tmp_path, monkeypatch):
    schema = copy.deepcopy(resources.load_schema("case"))  # the cached one is shared by every later test
    schema["respondent"]["schema"]["gender"] = {"type": "string", "required": True,
                                                 "meta": {"example": "female", "hint": "as on the NTA"}}
    monkeypatch.setattr(resources, "load_schema", lambda name: schema)
    run("new", tmp_path / "c")
    assert "  gender:  # REQUIRED; as on the NTA; e.g. female" in (tmp_path / "c" / "case.yaml").read_text()


def test_new_never_writes_into_a_folder_that_has_files(run, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "case.yaml").write_text("mine")
    result = run("new", tmp_path / "c")
    assert result.code == ExitCode.output_not_writable
    assert "already exists and is not empty" in result.err
    assert (tmp_path / "c" / "case.yaml").read_text() == "mine"


def test_new_spreadsheet_csv_has_every_column_and_an_example_row_the_batch_reads(run, tmp_path):
    sheet = tmp_path / "cases.csv"
    result = run("new", "--spreadsheet", sheet)
    assert result.code == ExitCode.ok, result.err
    [(number, row)] = read_rows(sheet)
    assert number == 2
    assert row["case"] == "example-tenzin"
    assert row["respondent.family_names"] == "Tenzin"
    data, problems = row_to_data(row, "cases.csv row 2")
    assert problems == []
    assert data["request"]["relief"] == ["administrative_closure"]
    assert data["respondent"]["address"] == ["1520 W Devon Ave, Apt 2", "Chicago, IL 60660"]
    assert [e["id"] for e in data["exhibits"]] == ["u_receipt", "supplement_b", "g28"]
    # Every field has its column, the example's or not (a list's first item: exhibits[0].translation.file).
    header = sheet.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert "exhibits[0].translation.translator.name" in header and "court.dismissal_ground" in header


def test_new_needs_a_folder_or_a_spreadsheet(run):
    assert run("new").code == ExitCode.usage


def test_the_commands_new_suggests_are_quoted_for_the_shell(run, tmp_path):
    import re
    import shlex
    folder = tmp_path / "Pineda Castro O'Neil"
    result = run("new", folder)
    assert result.code == ExitCode.ok, result.err
    [shown] = re.findall(r"`(pdpacket validate [^`]*)`", result.err)
    assert shlex.split(shown) == ["pdpacket", "validate", str(folder)]
    readme = (folder / "README.md").read_text()
    for command in re.findall(r"`(pdpacket [a-z]+ [^`]*)`", readme):
        assert shlex.split(command)[2] == folder.name, command
    # the commands name the folder by its name: the README says where they work (the CLI walk ran them inside it)
    assert "opened in the folder\nthat holds this one" in readme and "full path" in readme


def test_a_new_case_starts_with_the_firms_office_and_its_attorney_approves(run, tmp_path):
    """The CLI walk: init asked for the office used most, and every new case still started without one."""
    from assembler.casefile.settings import load_settings

    cases = tmp_path / "cases"
    cases.mkdir()
    assert run("init", cases, "--no-input", "--attorney", "Ana Ruiz", "--office", "Houston").code == ExitCode.ok
    assert load_settings(cases / "pdpacket.yaml").attorneys == ["Ana Ruiz"]  # approval.attorneys
    assert run("new", cases / "garcia").code == ExitCode.ok
    data = yaml.safe_load((cases / "garcia" / "case.yaml").read_text(encoding="utf-8"))
    assert data["office"] == "houston" and "attorney" not in data  # the attorney comes from the settings
    result = run("validate", cases / "garcia")
    assert "office" not in [line.split(":")[0].strip() for line in result.err.splitlines()]
