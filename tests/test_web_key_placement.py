"""A key the web form adds to case.yaml lands next to its siblings, where the schema puts it.

ruamel.yaml attaches the comment lines below a key to that key, so a key added
after it used to land below every comment that followed: `language: Spanish`
under `# proceedings: REQUIRED`, a factor's `exhibits:` 20 lines below its factor.
A new key now sits right after its nearest preceding sibling (after the
commented-out template the scaffold wrote for it, when there is one), and every
comment stays where it was, next to what it describes.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from starlette.testclient import TestClient

from assembler.casefile.scaffold import case_yaml
from assembler.web import casefile_edit
from assembler.web.app import Config, create_app
from assembler.web.form import case_fields
from assembler.web.security import csrf_token
from helpers import SAMPLES, copy_firm_settings, form_of

TOKEN = "placement-token"
SAMPLE_1 = next(SAMPLES.glob("1-*")) / "case.yaml"


def client(root: Path) -> TestClient:
    c = TestClient(create_app(Config(root, TOKEN)), base_url="http://127.0.0.1:8765", follow_redirects=False)
    c.get(f"/?token={TOKEN}")
    return c


def inserted(before: str, after: str) -> list[tuple[int, list[str]]]:
    """Where lines were added: (index in `before` they come before, the lines); every line of `before`
    must still be there, in order, none changed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[tuple[int, list[str]]] = []
    i = 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        elif out and out[-1][0] == i:
            out[-1][1].append(line)
        else:
            out.append((i, [line]))
    assert i == len(old), f"line {i + 1} of the file is gone or changed: {old[i]!r}"
    return out


def line_index(text: str, line: str) -> int:
    lines = text.splitlines(keepends=True)
    assert lines.count(line) == 1, line
    return lines.index(line)


def save_answers(file: Path, answers: dict[str, list[str]]) -> None:
    """The real save function, as the editor's route calls it."""
    result = casefile_edit.save(file, case_fields(), answers, casefile_edit.sha256_of(file))
    assert result is True


FACTOR = {"request.favorable_factors": [""], "request.favorable_factors._order": ["0"]}


def test_a_new_case_gets_language_and_a_factors_exhibits_at_their_templates(tmp_path):
    file = tmp_path / "case.yaml"
    before = case_yaml()
    file.write_text(before, encoding="utf-8")
    save_answers(file, {"respondent.language": ["Spanish"], **FACTOR,
                        "request.favorable_factors[0].exhibits": ["lease, tax_returns"]})
    after = file.read_text(encoding="utf-8")
    language = line_index(before, "  # language: Spanish  # optional\n")
    exhibits = line_index(before, "      # exhibits: [lease]  # optional; ids of exhibits or declarations\n")
    assert inserted(before, after) == [
        (language + 1, ["  language: Spanish\n"]),
        (exhibits + 1, ["      exhibits:\n", "        - lease\n", "        - tax_returns\n"]),
    ]
    data = yaml.safe_load(after)
    assert data["respondent"]["language"] == "Spanish"
    assert data["request"]["favorable_factors"][0]["exhibits"] == ["lease", "tax_returns"]


def test_keys_without_a_template_go_right_after_their_preceding_sibling(tmp_path):
    file = tmp_path / "case.yaml"
    before = case_yaml().replace("  # language: Spanish  # optional\n", "").replace(
        "      # exhibits: [lease]  # optional; ids of exhibits or declarations\n", "")
    file.write_text(before, encoding="utf-8")
    save_answers(file, {"respondent.language": ["Spanish"], **FACTOR,
                        "request.favorable_factors[0].exhibits": ["lease"]})
    after = file.read_text(encoding="utf-8")
    citizenship = next(i for i, line in enumerate(before.splitlines()) if line.startswith("  country_of_citizenship:"))
    text = next(i for i, line in enumerate(before.splitlines()) if line.startswith("      text:"))
    assert inserted(before, after) == [(citizenship + 1, ["  language: Spanish\n"]),
                                       (text + 1, ["      exhibits:\n", "        - lease\n"])]


def test_keys_after_a_blank_line_and_later_templates_go_after_their_own_template(tmp_path):
    """A top-level section and a key whose template follows other templates and blank lines."""
    file = tmp_path / "case.yaml"
    before = case_yaml()
    file.write_text(before, encoding="utf-8")
    save_answers(file, {"respondent.detained_since": ["2026-10-08"], "court.dismissal_ground": ["a7"],
                        "proceedings.final_order_by": ["board"], "template_set": ["asylum"]})
    after = file.read_text(encoding="utf-8")

    def below(template: str) -> int:
        return next(i for i, line in enumerate(before.splitlines()) if line.startswith(template)) + 1

    assert inserted(before, after) == [
        (below("  # detained_since:"), ["  detained_since: 2026-10-08\n"]),
        (below("  # final_order_by:"), ["  final_order_by: board\n"]),
        (below("  # facts: \"USCIS"), ["court:\n", "  dismissal_ground: a7\n"]),
        (below("# template_set:"), ["template_set: asylum\n"]),
    ]


def test_sample_1_keeps_its_comment_above_the_key_it_describes(tmp_path):
    file = tmp_path / "case.yaml"
    before = SAMPLE_1.read_text(encoding="utf-8").replace(  # a factor without exhibits yet
        "      text: She has lived in Queens since 2003, in the same apartment on Junction Boulevard since 2009.\n"
        "      exhibits: [lease, tax_returns]\n",
        "      text: She has lived in Queens since 2003, in the same apartment on Junction Boulevard since 2009.\n")
    file.write_text(before, encoding="utf-8")
    save_answers(file, {"respondent.detained_since": ["2026-10-08"], "request.favorable_factors": [""],
                        "request.favorable_factors._order": ["0,1,2,3"],  # the sample's four factors
                        "request.favorable_factors[0].exhibits": ["lease"]})
    after = file.read_text(encoding="utf-8")
    assert "  detained: false\n  detained_since: 2026-10-08\n  # The letter counts her years" in after
    assert inserted(before, after) == [
        (line_index(before, "  detained: false\n") + 1, ["  detained_since: 2026-10-08\n"]),
        (line_index(before, "      text: She has lived in Queens since 2003, in the same apartment on Junction "
                            "Boulevard since 2009.\n") + 1, ["      exhibits:\n", "        - lease\n"]),
    ]


def test_a_new_case_made_and_saved_through_the_web_app(tmp_path):
    root = tmp_path / "cases"
    copy_firm_settings(root)
    c = client(root)
    csrf = csrf_token(TOKEN)
    assert c.post("/new", data={"name": "garcia", "csrf": csrf}).status_code == 303
    file = root / "garcia" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    form = form_of(c, "garcia")
    form["respondent.language"] = ["Spanish"]
    form["request.favorable_factors[0].exhibits"] = ["lease"]
    r = c.post("/case/garcia/save", data={**form, "csrf": csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("saved=yes")
    after = file.read_text(encoding="utf-8")
    assert "  # language: Spanish  # optional\n  language: Spanish\n" in after
    assert "      # exhibits: [lease]  # optional; ids of exhibits or declarations\n      exhibits:\n        - lease\n" \
        in after
    assert [lines for _, lines in inserted(before, after)] == [
        ["  language: Spanish\n"], ["      exhibits:\n", "        - lease\n"]]


def test_a_sample_copy_saved_with_a_new_key_keeps_the_rest_byte_identical(tmp_path):
    root = tmp_path / "cases"
    copy_firm_settings(root)
    shutil.copytree(SAMPLE_1.parent, root / "s1")
    file = root / "s1" / "case.yaml"
    before = file.read_text(encoding="utf-8")
    c = client(root)
    form = form_of(c, "s1")
    form["respondent.detained_since"] = ["2026-10-08"]
    r = c.post("/case/s1/save", data={**form, "csrf": csrf_token(TOKEN)})
    assert r.status_code == 303
    assert file.read_text(encoding="utf-8") == before.replace(
        "  detained: false\n", "  detained: false\n  detained_since: 2026-10-08\n")
