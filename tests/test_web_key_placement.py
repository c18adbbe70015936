"""A key the web form adds to case.yaml lands next to its siblings, where the schema puts it.

ruamel.yaml attaches the comment lines below a key to that key, so a key added
after it used to land below every comment that followed: `language: Spanish`
under `# proceedings: REQUIRED`, a factor's `exhibits:` 20 lines below its factor.
A new key now sits right after its nearest preceding sibling (after the
commented-out template the scaffold wrote for it, when there is one), and every
comment stays where it was, next to what it describes.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from starlette.testclient import TestClient

from assembler.casefile.scaffold import case_yaml
from assembler.web import casefile_edit
from assembler.web.app import Config, create_app
from assembler.web.changes import get
from assembler.web.form import Field, case_fields, join, schema_path, split_path, walk_paths
from assembler.web.security import csrf_token
from case_strategies import SENTENCE, valid_cases
from helpers import SAMPLES, changed_paths, copy_firm_settings, examples, form_of, load_yaml, minimal

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
                        "request.favorable_factors[0].exhibits": ["", "lease", "tax_returns"]})
    after = file.read_text(encoding="utf-8")
    language = line_index(before, "  # language: Spanish  # optional\n")
    exhibits = line_index(before, "      # exhibits: [lease]  # optional; ids of exhibits or declarations\n")
    assert inserted(before, after) == [
        (language + 1, ["  language: Spanish\n"]),
        (exhibits + 1, ["      exhibits:\n", "        - lease\n", "        - tax_returns\n"]),
    ]
    data = load_yaml(after)
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
        (below("      # fill: {FamilyName"), ["court:\n", "  dismissal_ground: a7\n"]),  # court's template ends with forms
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



def test_a_sample_keeps_its_layout_where_nothing_changed(tmp_path):
    """Its flow mappings written over several lines (sample 1's exhibits) stay as typed; a key added to a
    flow mapping goes inside it; a new key elsewhere still goes by its sibling."""
    file = tmp_path / "case.yaml"
    before = SAMPLE_1.read_text(encoding="utf-8")
    file.write_text(before, encoding="utf-8")
    save_answers(file, {"proceedings.judge": ["Hon. Maria Lopez"], "respondent.entry.place": ["Nogales"],
                        "respondent.detained_since": ["2026-10-08"]})
    assert file.read_text(encoding="utf-8") == before.replace(
        "judge: Hon. Ana Ruiz", "judge: Hon. Maria Lopez").replace(
        "manner: without_inspection}", "manner: without_inspection, place: Nogales}").replace(
        "  detained: false\n", "  detained: false\n  detained_since: 2026-10-08\n")


def test_lines_wrapped_by_hand_stay_wrapped_when_another_field_changes(tmp_path):
    """ruamel writes a long plain value on one line: put back as the file had it, over several lines."""
    file = tmp_path / "case.yaml"
    summary = "She has lived in Chicago since 2009 with her two children, who are citizens, and works."
    before = yaml.safe_dump(minimal(**{"request.summary": summary}), sort_keys=False, width=40)
    assert "  summary: She has lived in Chicago since\n" in before  # wrapped over lines
    file.write_text(before, encoding="utf-8")
    save_answers(file, {"proceedings.court": ["Chicago Immigration Court (Room 2)"]})
    assert file.read_text(encoding="utf-8") == before.replace(
        "court: Chicago Immigration Court\n", "court: Chicago Immigration Court (Room 2)\n")

# --- generated case files with comments, keys added ------------------------------------------------------

FIELDS = case_fields()
SCHEMA = dict(walk_paths(FIELDS))
ROOT_ORDER = [f.key for f in FIELDS]
TAG = re.compile(r"@(note|tmpl|head)(?: (\S+))?\s*$")


def addable(f: Field | None) -> bool:
    return (f is not None and f.kind in ("text", "textarea") and f.coerce in (None, "text")
            and f.key not in ("office", "template_set"))


def candidates(d: dict, fields: list[Field], path: str, item: bool) -> list[str]:
    """Text fields present in `d` (and below) that a test may take out of the file and add back through the
    form: never the first key of a list item (it carries the dash) nor the last key of any other mapping
    (a mapping the test emptied would be written `{}`)."""
    by_key = {f.key: f for f in fields}
    present = [f.key for f in fields if f.key in d]
    out = []
    for k in present:
        f, p = by_key[k], join(path, k)
        if addable(f) and isinstance(d[k], str) and k != (present[0] if item else present[-1]):
            out.append(p)
        if f.kind == "group" and isinstance(d[k], dict):
            out += candidates(d[k], f.children, p, False)
        elif f.kind == "list" and isinstance(d[k], list):
            for i, entry in enumerate(d[k]):
                out += candidates(entry, f.children, f"{p}[{i}]", True) if isinstance(entry, dict) else []
    return out


def emit_map(draw, d: dict, fields: list[Field], col: int, path: str, dash: bool) -> list[str]:
    """`d` in block style, scalars in double quotes, with comments a person or `pdpacket new` writes:
    a note right above a key (`@note` its path), a commented-out template where an absent key goes
    (`@tmpl` its path, its children below it), blank lines."""
    pad, out, started = " " * col, [], False
    by_key = {f.key: f for f in fields}
    for k in [f.key for f in fields] + [k for k in d if k not in by_key]:
        f, p = by_key.get(k), join(path, k)
        if k not in d:
            if f is not None and (started or not dash) and draw(st.booleans()):
                out += ["\n"] * draw(st.integers(0, 1)) + [f"{pad}# {k}: example  # optional @tmpl {p}\n"]
                if f.kind == "group" and draw(st.booleans()):
                    out += [f"{pad}  # {c.key}: example @tmpl {p}.{c.key}\n" for c in f.children[:2]]
            continue
        if started or not dash:
            out += ["\n"] * draw(st.integers(0, 1)) + ([f"{pad}# about it @note {p}\n"] if draw(st.booleans()) else [])
        lead = " " * (col - 2) + "- " if dash and not started else pad
        name = k if f is not None else json.dumps(k)
        out += emit_value(draw, name, d[k], f, col, p, lead)
        started = True
    return out


def emit_value(draw, name: str, v, f: Field | None, col: int, p: str, lead: str) -> list[str]:
    children = f.children if f is not None else []
    if isinstance(v, dict) and v:
        return [f"{lead}{name}:\n"] + emit_map(draw, v, children, col + 2, p, False)
    if isinstance(v, list) and v and all(isinstance(e, dict) for e in v):
        out = [f"{lead}{name}:\n"]
        for i, entry in enumerate(v):
            note = [f"{' ' * (col + 2)}# an entry @note {p}[{i}]\n"] if draw(st.booleans()) else []
            out += note + emit_map(draw, entry, children, col + 4, f"{p}[{i}]", True)
        return out
    if isinstance(v, list) and v and draw(st.booleans()):
        return [f"{lead}{name}:\n"] + [f"{' ' * (col + 2)}- {json.dumps(e, ensure_ascii=False)}\n" for e in v]
    if isinstance(v, str) and "\n" in v and not any(line.startswith("#") for line in v.split("\n")) \
            and draw(st.booleans()):  # paragraphs as a literal block (a line opening with # is text there)
        return [f"{lead}{name}: |-\n"] + [f"{' ' * (col + 2)}{line}\n" if line else "\n" for line in v.split("\n")]
    eol = "  # said on its line" if draw(st.booleans()) else ""
    return [f"{lead}{name}: {json.dumps(v, ensure_ascii=False)}{eol}\n"]


@st.composite
def commented_cases(draw) -> tuple[str, dict[str, str]]:
    """A case file with comments, and the text fields (taken out of it) to add back with their new values."""
    data = draw(valid_cases())
    added = draw(st.lists(st.sampled_from(candidates(data, FIELDS, "", False) or [""]), max_size=3, unique=True))
    added = [p for p in added if p]
    for p in added:
        parts = split_path(p)
        del get(data, parts[:-1])[parts[-1]]
    head = ["# A case file @head\n", "\n"] if draw(st.booleans()) else []
    typed = {p: draw(SENTENCE) for p in added}
    return "".join(head + emit_map(draw, data, FIELDS, 0, "", False)), typed


def order_of(parent: str) -> list[str]:
    f = SCHEMA.get(schema_path(re.sub(r"\[\d+\]$", "", parent))) if parent else None
    return ROOT_ORDER if not parent else [c.key for c in f.children] if f else []


def rank(tagged: str, parent: str, order: list[str]) -> int | None:
    """Where the key of `parent` that `tagged` is (or is under) comes in the schema's order; None when
    `tagged` is not under `parent`."""
    prefix = f"{parent}." if parent else ""
    if not tagged.startswith(prefix):
        return None
    key = re.split(r"[.\[]", tagged[len(prefix):])[0]
    return order.index(key) if key in order else None


def line_of(doc, parts: list) -> int:
    node = get(doc, parts[:-1]) if len(parts) > 1 else doc
    return node.lc.item(parts[-1])[0] if isinstance(parts[-1], int) else node.lc.key(parts[-1])[0]


def tags(line: str) -> tuple[str, str] | None:
    m = TAG.search(line) if line.lstrip().startswith("#") else None
    return (m[1], m[2] or "") if m else None


# Shrinking these cases takes minutes and a failing case is printed whole anyway: no shrink phase.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]


@pytest.mark.slow  # about 50 s; the fast tier runs 20 examples below
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES)
@given(case=commented_cases())
def test_300_generated_files_get_added_keys_by_their_siblings(tmp_path, case):
    added_keys_sit_by_their_siblings(tmp_path, case)


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], phases=PHASES)
@given(case=commented_cases())
def test_generated_files_get_added_keys_by_their_siblings_and_keep_every_line(tmp_path, case):
    added_keys_sit_by_their_siblings(tmp_path, case)


def added_keys_sit_by_their_siblings(tmp_path: Path, case: tuple[str, dict[str, str]]) -> None:
    text, typed = case
    file = tmp_path / "case.yaml"
    file.write_text(text, encoding="utf-8")
    answers = {p: [v] for p, v in typed.items()}
    for p in typed:  # each list on the way is posted, its items unmoved
        answers |= {p[: m.start()]: [""] for m in re.finditer(r"\[\d+\]", p)}
    assert casefile_edit.save(file, FIELDS, answers, casefile_edit.sha256_of(file)) is bool(typed)
    after = file.read_text(encoding="utf-8")

    # The data: what was added, nothing else.
    before_data, after_data = load_yaml(text), load_yaml(after)
    for p, v in typed.items():
        assert str(get(after_data, split_path(p))).strip() == v
    assert changed_paths(before_data, after_data) == set(typed)

    # The lines: each one of the file still there, in order; one line added per key, no comment among them.
    added_lines = [line for _, lines in inserted(text, after) for line in lines]
    assert len(added_lines) == len(typed) and not any(line.lstrip().startswith("#") for line in added_lines)

    # The places: each added key below its own template, else by its preceding sibling; notes on top of
    # what they describe.
    lines = after.splitlines()
    doc = YAML(typ="rt").load(after)
    for p in typed:
        parts = split_path(p)
        parent, key = p.rsplit(".", 1) if "." in p else ("", p)
        order = order_of(parent)
        own, at = order.index(key), line_of(doc, parts)
        if any(tags(line) == ("tmpl", p) for line in text.splitlines()):
            assert (tags(lines[at - 1]) or ("", ""))[0] == "tmpl" and rank(tags(lines[at - 1])[1], parent, order) == own
        j = at - 1
        while j >= 0 and (not lines[j].strip() or lines[j].lstrip().startswith("#")):
            kind, tagged = tags(lines[j]) or ("", "")
            assert not lines[j].strip() or kind == "head" or (kind == "tmpl" and (rank(tagged, parent, order) or 0) <= own), \
                (p, lines[j])
            j -= 1
        j = at + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].lstrip().startswith("#")):
            kind, tagged = tags(lines[j]) or ("", "")
            r = rank(tagged, parent, order) if kind == "tmpl" else None
            assert r is None or r > own, (p, lines[j])
            j += 1
    for i, line in enumerate(lines):
        if (tags(line) or ("",))[0] == "note":
            below = next(k for k in range(i + 1, len(lines)) if lines[k].strip() and not lines[k].lstrip().startswith("#"))
            assert below == line_of(doc, split_path(tags(line)[1])), line
