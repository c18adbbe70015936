"""Saving from the web form changes what the user changed and nothing else.

The form is made from the schema; what comes back is applied path by path to the
file as it is (comments, key order, quoting kept), never rebuilt from the post.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from assembler.web.app import Config, create_app
from assembler.web.security import csrf_token
from helpers import SAMPLES, copy_firm_settings, form_of, minimal, write_case

TOKEN = "roundtrip-token"


def client(root: Path) -> TestClient:
    c = TestClient(create_app(Config(root, TOKEN)), follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    return c


def save(c, case: str, data: dict) -> object:
    return c.post(f"/case/{case}/save", data={**data, "csrf": csrf_token(TOKEN)})


@pytest.fixture
def cases(tmp_path) -> Path:
    root = tmp_path / "cases"
    root.mkdir()
    copy_firm_settings(root)
    for sample in sorted(SAMPLES.glob("[0-9]-*")):
        shutil.copytree(sample, root / sample.name)
    return root


def changed_paths(before, after, prefix="") -> set[str]:
    """The paths where two case documents differ (a list that changed length counts as itself)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: set[str] = set()
        for key in {*before, *after}:
            out |= changed_paths(before.get(key), after.get(key), f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = set()
        for i, (a, b) in enumerate(zip(before, after, strict=True)):
            out |= changed_paths(a, b, f"{prefix}[{i}]")
        return out
    return set() if before == after else {prefix}


# --- the defects of issue 20 ------------------------------------------------------------------------

def test_changing_only_the_judge_keeps_the_criminal_history(cases):
    file = cases / "2-pierre-louis-detained" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    c = client(cases)
    data = form_of(c, "2-pierre-louis-detained")
    data["proceedings.judge"] = ["Hon. Maria Lopez"]
    r = save(c, "2-pierre-louis-detained", data)
    assert r.status_code == 303 and r.headers["location"].endswith("saved=yes")
    after = file.read_text(encoding="utf-8")
    assert changed_paths(yaml.safe_load(before), yaml.safe_load(after)) == {"proceedings.judge"}
    assert after == before.replace("judge: Hon. Peter Walsh", "judge: Hon. Maria Lopez")


def test_the_criminal_history_is_shown_as_entries(cases):
    page = client(cases).get("/case/2-pierre-louis-detained").text
    assert 'value="Driving under the influence, first offense"' in page
    assert 'name="request.criminal_history[0].disposition_exhibit" value="disposition"' in page
    assert 'value="2016 conviction for driving under the influence"' in page


def test_a_post_with_one_field_changes_only_that_field(cases):
    file = cases / "2-pierre-louis-detained" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    c = client(cases)
    base = form_of(c, "2-pierre-louis-detained")["base_sha256"]
    r = save(c, "2-pierre-louis-detained", {"base_sha256": base, "respondent.family_names": ["Pierre Louis"]})
    assert r.status_code == 303
    after = file.read_text(encoding="utf-8")
    assert after == before.replace("family_names: Pierre-Louis", "family_names: Pierre Louis")


def test_paragraphs_typed_in_the_form_are_saved_as_a_literal_block(tmp_path):
    root = tmp_path / "cases"
    write_case(root / "t", minimal())
    c = client(root)
    data = form_of(c, "t")
    data["request.facts"] = ["She arrived in 2019.\r\n\r\nShe applied for asylum\r\nwithin one year."]
    assert save(c, "t", data).status_code == 303
    text = (root / "t" / "case.yaml").read_text(encoding="utf-8")
    assert "  facts: |\n    She arrived in 2019.\n\n    She applied for asylum\n    within one year.\n" in text
    assert yaml.safe_load(text)["request"]["facts"] == "She arrived in 2019.\n\nShe applied for asylum\nwithin one year.\n"


# --- a case file that is a link to a file outside its folder ----------------------------------------

def outside_link(root: Path) -> Path:
    secret = root.parent / "outside.yaml"
    secret.write_text(yaml.safe_dump(minimal(**{"respondent.family_names": "Secretname"})), encoding="utf-8")
    folder = root / "linked"
    folder.mkdir(parents=True)
    (folder / "case.yaml").symlink_to(secret)
    return folder


def test_validate_refuses_a_case_file_linked_from_outside(run, tmp_path):
    folder = outside_link(tmp_path / "cases")
    result = run("validate", folder)
    assert result.code == 5
    assert "case.yaml is a link to a file outside the case folder" in result.err
    assert "copy the file itself into the case folder" in result.err
    assert "Secretname" not in result.err + result.out


def test_the_web_app_refuses_a_case_file_linked_from_outside(tmp_path):
    root = tmp_path / "cases"
    folder = outside_link(root)
    secret = (folder / "case.yaml").resolve()
    before = secret.read_text(encoding="utf-8")
    c = client(root)
    page = c.get("/case/linked")
    assert "case.yaml is a link to a file outside the case folder" in page.text
    assert "Secretname" not in page.text
    assert "Secretname" not in c.get("/case/linked.json").text
    assert "Secretname" not in c.get("/").text
    r = save(c, "linked", {"base_sha256": "", "respondent.family_names": ["Other"]})
    assert r.status_code in (400, 403, 409)
    assert (folder / "case.yaml").is_symlink() and secret.read_text(encoding="utf-8") == before
