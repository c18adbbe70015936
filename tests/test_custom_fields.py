"""Custom fields in templates: checked against a case, and told apart at build time (issue 12)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assembler.errors import ExitCode
from helpers import make_docx, minimal, write_case


def _firm(tmp_path, text: str) -> Path:
    firm = tmp_path / "firm"
    make_docx(firm / "certificate_of_service.docx", "CERTIFICATE", text)
    return firm


def _case(tmp_path, custom: dict | None) -> Path:
    data = minimal()
    if custom is not None:
        data["custom"] = custom
    return write_case(tmp_path / "c", data)


def test_templates_check_with_a_case_catches_a_misspelled_custom_field(run, tmp_path):
    firm = _firm(tmp_path, "Matter {{ custom.matter_numbr }}")
    case = _case(tmp_path, {"matter_number": "2026-0142"})
    plain = run("templates", "check", firm)
    assert plain.code == ExitCode.ok  # without a case, custom may hold anything
    result = run("templates", "check", firm, "--case", case)
    assert result.code == ExitCode.template_error
    assert ("certificate_of_service.docx: 'custom.matter_numbr' is not a custom field of this case: did you mean "
            "'custom.matter_number'? Fix the name in the template, or add it under custom: in the case file") \
        in result.err


def test_templates_check_with_a_case_passes_when_the_case_has_the_field(run, tmp_path):
    firm = _firm(tmp_path, "Matter {{ custom.matter_number }}, {{ custom.client.office }}")
    case = _case(tmp_path, {"matter_number": "2026-0142", "client": {"office": "Queens"}})
    result = run("templates", "check", firm, "--case", case)
    assert result.code == ExitCode.ok, result.err


def test_templates_check_with_a_case_checks_the_set_that_case_would_use(run, tmp_path):
    firm = _firm(tmp_path, "Matter {{ custom.matter_number }}")
    settings = tmp_path / "settings.yaml"
    settings.write_text(yaml.safe_dump({"templates": str(firm)}))
    case = _case(tmp_path, None)
    result = run("templates", "check", "--case", case, "--settings", settings)
    assert result.code == ExitCode.template_error
    assert ("'custom.matter_number' is not a custom field of this case: it has none. Fix the name in the template, "
            "or add it under custom: in the case file") in result.err


@pytest.mark.libreoffice
def test_a_build_says_the_case_lacks_a_custom_field_the_template_needs(run, tmp_path):
    firm = _firm(tmp_path, "Matter {{ custom.matter_number }}")
    case = _case(tmp_path, {"client_number": "7"})
    result = run("build", case, "--templates", firm, "-o", tmp_path / "out")
    assert result.code == ExitCode.template_error
    assert ("this case lacks a field the templates use: certificate_of_service.docx: 'custom.matter_number' is not "
            "a custom field of this case") in result.err
    assert "fix the variable's name in the template" not in result.err


def test_a_build_says_a_template_names_a_field_no_case_has(run, tmp_path):
    firm = _firm(tmp_path, "Filed by {{ attorney.nmae }}")
    result = run("build", _case(tmp_path, None), "--templates", firm, "-o", tmp_path / "out")
    assert result.code == ExitCode.template_error
    assert "no case has a field they name" in result.err
    assert "'attorney.nmae' does not exist: did you mean 'attorney.name'?" in result.err
