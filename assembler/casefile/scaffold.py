"""`pdpacket new`: a case folder ready to fill (a spreadsheet: workbook_template.py, from `columns`).

Both are made from the case schema when they are asked for, so every field the
schema has (today's and tomorrow's) is there, with its hint and its example.
In case.yaml, required fields are written empty (so `validate` lists every one
still to fill, in one run) and optional ones as comments to uncomment.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from assembler import resources
from assembler.casefile.examples import types
from assembler.errors import command

_PLAIN = re.compile(r"[A-Za-z0-9À-ÿ][^:#\[\]{},\"'\n]*")

CASE_HEADER = """\
# A pdpacket case file. Fill in every field marked REQUIRED; the others are optional:
# remove the "# " in front of one to use it. Text with a colon, a # or a leading
# quote goes in quotes: "like: this". Dates are YYYY-MM-DD. Exhibit files go in
# exhibits/ and are named relative to this folder. Long text (facts, conclusion): a
# blank line between paragraphs; the lines of one paragraph are joined by a space,
# whether written as plain lines, in quotes or after | or >. Then run:
#     pdpacket validate .    (lists everything still to fill, all at once)
#     pdpacket build .       (the filing, in out/)
"""

README = """\
# {name}

A case folder for pdpacket. The commands below are run in a terminal opened in the folder
that holds this one (the cases folder); from anywhere else, give this folder's full path
instead of its name.

1. Fill in `case.yaml` (every field marked REQUIRED; the others are optional).
2. Put the exhibits (PDF, JPEG, PNG, TIFF, HEIC, DOCX, ODT) in `exhibits/` and list them
   under `exhibits:` in `case.yaml`, e.g. `file: exhibits/lease.pdf`.
3. `{validate}` lists whatever is still missing or wrong, all at once.
4. `{build}` writes the filing into `{name}/out/`.
5. To change one document's wording for this case only: `{edit}`,
   then edit `edits/01-request-letter.docx` in Word; builds use it from then on.
"""


def _flow(value: Any) -> str:
    """A value as YAML on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    text = str(value)
    return text if _PLAIN.fullmatch(text) and not text.endswith(" ") else json.dumps(text, ensure_ascii=False)


def _about(rules: dict, required: bool, example: bool = True) -> str:
    meta = rules.get("meta") or {}
    bits = ["REQUIRED" if required else "optional"]
    if meta.get("hint"):
        bits.append(meta["hint"])
    allowed = rules.get("allowed") or (rules.get("schema") or {}).get("allowed")
    if allowed:
        bits.append("one of: " + ", ".join(allowed) if rules.get("type") != "list" else
                    "one or more of: " + ", ".join(allowed))
    if example and meta.get("example") not in (None, [], {}, "") and "e.g." not in meta.get("hint", ""):
        bits.append(f"e.g. {_flow(meta['example'])}")
    return "; ".join(bits)


def _is_item_list(rules: dict) -> bool:
    return "list" in types(rules) and (rules.get("schema") or {}).get("type") == "dict"


def _field(out: list[str], name: str, rules: dict, indent: str, commented: bool, item: bool = False) -> None:
    """Write one field at `indent`; `item`: it opens a list item ("- "). Optional fields, and every
    field of an optional section, are comments: removing the "# " leaves the right indentation."""
    required = bool(rules.get("required"))
    off = commented or not required
    lead = f"{indent}{'# ' if off else ''}{'- ' if item else ''}"
    inner = indent + ("  " if item else "")
    meta = rules.get("meta") or {}
    if rules.get("type") == "dict" and rules.get("schema"):
        out.append(f"{indent}# {name}: {_about(rules, required)}")
        out.append(f"{lead}{name}:")
        for key, sub in rules["schema"].items():
            _field(out, key, sub, inner + "  ", off)
        return
    if _is_item_list(rules):
        out.append(f"{indent}# {name}: {_about(rules, required)}; one entry per item, each starting with -")
        out.append(f"{lead}{name}:")
        for i, (key, sub) in enumerate(rules["schema"]["schema"].items()):
            _field(out, key, sub, inner + ("  " if i == 0 else "    "), off, item=i == 0)
        return
    if off:
        value = f" {_flow(meta['example'])}" if meta.get("example") not in (None, "") else ""
    else:
        value = " []" if rules.get("type") == "list" else ""  # a list that may also be text (none) stays empty
    out.append(f"{lead}{name}:{value}  # {_about(rules, required, example=not value.strip(' []'))}")


def case_yaml(attorney_in_settings: bool = False, office: str = "") -> str:
    schema = resources.load_schema("case")
    out = [CASE_HEADER.rstrip("\n")]
    for name, rules in schema.items():
        out.append("")
        if name == "attorney" and attorney_in_settings:
            out.append("# attorney: the firm's settings file gives it; a field set here replaces the settings' one")
            rules = {**rules, "required": False}
        if name == "office" and office:  # the firm's office (init, the Settings page): most cases go there
            out.append(f"office: {office}  # the firm's usual office, from its settings; change it for a case filed elsewhere")
            continue
        _field(out, name, rules, "", False)
    return "\n".join(out) + "\n"


def new_case(folder: Path, attorney_in_settings: bool, office: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exhibits").mkdir(exist_ok=True)
    written = [folder / "case.yaml", folder / "README.md"]
    written[0].write_text(case_yaml(attorney_in_settings, office), encoding="utf-8")
    written[1].write_text(README.format(name=folder.name, validate=command("validate", folder.name),
                                            build=command("build", folder.name),
                                            edit=command("edit", folder.name, "01-request-letter")), encoding="utf-8")
    return [written[0], folder / "exhibits", written[1]]


# --- the spreadsheet ------------------------------------------------------------------------

def columns() -> list[tuple[str, dict, str]]:
    """(column, rules, required: yes / if its section is given / no) for every field, from the schema."""
    found: list[tuple[str, dict, str]] = []

    def walk(path: str, rules: dict, needed: str) -> None:
        required = needed if rules.get("required") or not path else "no"
        if rules.get("type") == "dict" and rules.get("schema"):
            inner = "yes" if required == "yes" else "if the section is given"
            for key, sub in rules["schema"].items():
                walk(f"{path}.{key}" if path else key, sub, inner)
        elif _is_item_list(rules):
            inner = "yes" if required == "yes" and rules.get("minlength") else "if the section is given"
            for key, sub in rules["schema"]["schema"].items():
                walk(f"{path}[0].{key}", sub, inner)
        elif rules.get("type") == "dict":  # custom: free-form, its example's keys
            for key, value in ((rules.get("meta") or {}).get("example") or {}).items():
                found.append((f"{path}.{key}", {"meta": {"example": value, "hint": (rules.get("meta") or {})
                                                         .get("hint", "")}}, "no"))
        else:
            found.append((path, rules, required))

    walk("", {"type": "dict", "schema": resources.load_schema("case")}, "yes")
    return found
