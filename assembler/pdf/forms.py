"""Fillable PDF forms (G-28, EOIR-28, EOIR-27...): list their fields, fill them, flatten them.

Filling sets each field's value *and* its appearance (the drawing a viewer
shows): text and choice fields get an appearance stream drawn by pypdf, check
boxes and radio buttons are switched to the state whose drawing the form
already holds. Setting /NeedAppearances and leaving the drawing to the viewer
is not enough: several viewers (and every printer driver that takes the PDF
as is) show an empty box. The filled form is then flattened with the same
code as the exhibits (pdf/fit.py): each appearance is drawn into the page and
the fields are removed, /AcroForm (and any XFA with it) included, so the
values are part of the page and nobody can change them afterwards.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from assembler import kept
from assembler.errors import InputFileError
from assembler.pdf.fit import flatten_annotations
from assembler.pdf.read import open_pdf

# /Ff bits (PDF 32000-1:2008, tables 226 and 228)
RADIO = 1 << 15
PUSHBUTTON = 1 << 16
COMBO = 1 << 17
EDIT = 1 << 18
OFF_WORDS = {"", "false", "no", "off", "0", "n", "none", "unchecked"}


@dataclass(frozen=True)
class FormField:
    """One field of a form, as `pdpacket forms fields` shows it."""

    name: str  # fully qualified: parent names joined with dots, as `fill:` names it
    kind: str  # text, checkbox, radio, choice, signature, button
    values: tuple[str, ...] = ()  # the on-state of a check box, a radio group's or a list's choices
    page: int = 0  # 1-based page of its first widget
    free_text: bool = False  # a combo box that also takes typed text

    @property
    def fillable(self) -> bool:
        return self.kind in ("text", "checkbox", "radio", "choice")


def _inherited(field: Any, key: str) -> Any:
    node = field
    for _ in range(32):  # a parent chain is short; a loop in a broken file must not hang
        if node is None:
            return None
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _field_of(widget: Any) -> Any:
    """The field dictionary a widget belongs to (the widget itself when merged with its field)."""
    if "/T" in widget:
        return widget
    parent = widget.get("/Parent")
    return parent.get_object() if parent is not None else widget


def qualified_name(field: Any) -> str:
    names = []
    node = field
    for _ in range(32):
        if node is None:
            break
        if "/T" in node:
            names.append(str(node["/T"]))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(names))


def _on_states(widget: Any) -> list[str]:
    ap = widget.get("/AP")
    normal = ap.get_object().get("/N") if ap is not None else None
    if normal is None or not isinstance(normal.get_object(), DictionaryObject) or "/BBox" in normal.get_object():
        return []
    return [str(k)[1:] for k in normal.get_object() if k != "/Off"]


def _kind(field: Any) -> str:
    ft = _inherited(field, "/FT")
    flags = int(_inherited(field, "/Ff") or 0)
    if ft == "/Tx":
        return "text"
    if ft == "/Ch":
        return "choice"
    if ft == "/Sig":
        return "signature"
    if ft == "/Btn":
        if flags & PUSHBUTTON:
            return "button"
        return "radio" if flags & RADIO else "checkbox"
    return "button"


def _options(field: Any) -> list[str]:
    out = []
    for opt in _inherited(field, "/Opt") or []:
        opt = opt.get_object()
        out.append(str(opt[0].get_object()) if isinstance(opt, list) else str(opt))
    return out


def _widgets(reader: PdfReader | PdfWriter) -> Iterator[tuple[int, Any]]:
    """(1-based page, widget) of every widget annotation, in page order."""
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") == "/Widget":
                yield number, annot


def fields_of(reader: PdfReader | PdfWriter) -> list[FormField]:
    found: dict[str, FormField] = {}
    for page, widget in _widgets(reader):
        field = _field_of(widget)
        name = qualified_name(field)
        if not name:
            continue
        kind = _kind(field)
        values: list[str] = []
        if kind in ("checkbox", "radio"):
            values = _on_states(widget)
        elif kind == "choice":
            values = _options(field)
        known = found.get(name)
        if known is None:
            flags = int(_inherited(field, "/Ff") or 0)
            found[name] = FormField(name, kind, tuple(values), page, bool(flags & COMBO and flags & EDIT))
        else:  # a radio group's other buttons, or the same field shown again
            more = tuple(v for v in values if v not in known.values)
            found[name] = FormField(name, known.kind, known.values + more, known.page, known.free_text)
    return list(found.values())


# The fields of the forms read in this process, by the file's path and the sha256 of its bytes: every
# validation of a case with a fill mapping reads its form's fields (a G-28: 5 ms), and the web app
# validates the case at most of its pages. What failed to read is not kept.
_FIELDS: dict[tuple[str, str], tuple[FormField, ...]] = {}
_FIELDS_MAX = 32
_FIELDS_LOCK = threading.Lock()


def read_fields(path: Path, label: str) -> list[FormField]:
    """Every field of the form at `path`, in page order."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return fields_of(open_pdf(path, label))  # which says why it cannot be read
    key = (str(path), hashlib.sha256(raw).hexdigest())
    with _FIELDS_LOCK:
        found = _FIELDS.get(key)
    if found is None:
        found = tuple(fields_of(open_pdf(path, label, raw=raw)))
        with _FIELDS_LOCK:
            _FIELDS[key] = found
            while len(_FIELDS) > _FIELDS_MAX:
                del _FIELDS[next(iter(_FIELDS))]  # the oldest
    return list(found)


def blank_text_fields(path: Path, label: str) -> int:
    """How many text fields the form has when not one of them holds a value (0 when one does, or it has
    none): a blank form put in the filing as it is (no fill mapping) goes out blank and unsigned."""
    fields = (open_pdf(path, label).get_fields() or {}).values()
    text = [f for f in fields if f.get("/FT") == "/Tx"]
    return 0 if any(str(f.get("/V") or "").strip() for f in text) else len(text)


def choose_value(field: FormField, text: str) -> str:
    """The value to set for the rendered text of a `fill:` entry; ValueError says why it cannot be."""
    if field.kind == "text":
        return text
    if field.kind == "checkbox":
        if text.strip().lower().lstrip("/") in OFF_WORDS:
            return "Off"
        return field.values[0] if field.values else "Yes"
    wanted = text.strip().lstrip("/") if field.kind == "radio" else text.strip()
    if field.kind == "radio" and wanted.lower() in OFF_WORDS:
        return "Off"
    if field.kind == "choice" and (not wanted or field.free_text):
        return text
    for value in field.values:
        if value == wanted or value.lower() == wanted.lower():
            return value
    if field.kind in ("radio", "choice"):
        raise ValueError(f"'{text}' is not one of its choices: {', '.join(field.values) or '(none)'}")
    raise ValueError(f"it is a {field.kind} field, which cannot be filled")


def fill_and_flatten(path: Path, values: dict[str, str], out: Path, label: str,
                     notices: list[str] | None = None) -> Path:
    """Write `out`: the form at `path` with `values` ({qualified name: value from choose_value}),
    every field drawn into its page and no form left.

    The filled form, and what reading the form said (`notices`), are kept between builds (kept.py) by the
    form's bytes, the values and the label: a rebuild fills only a form whose file or values changed."""
    def compute() -> bytes:
        said: list[str] = []
        writer = PdfWriter(clone_from=open_pdf(path, label, said))
        unknown = sorted(set(values) - {f.name for f in fields_of(writer)})
        if unknown:  # validate checked the names; the form changed since then
            raise InputFileError(f"{label} has no field named {', '.join(unknown)}: run `pdpacket validate` again")
        fill(writer, values)
        flatten(writer)
        buffer = io.BytesIO()
        writer.write(buffer)
        return json.dumps({"notices": said}, ensure_ascii=False).encode() + b"\n" + buffer.getvalue()

    inputs = _form_inputs(path, values, label) if kept.active() else None
    data = compute() if inputs is None else kept.remember("filled form", inputs, compute)
    header, _, pdf = data.partition(b"\n")
    if notices is not None:
        notices.extend(json.loads(header)["notices"])
    out.write_bytes(pdf)
    return out


def _form_inputs(path: Path, values: dict[str, str], label: str) -> list[bytes | str] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None  # open_pdf says what is wrong with the file
    return [data, json.dumps(values, sort_keys=True, ensure_ascii=False), label, kept.library("pypdf")]


def fill(writer: PdfWriter, values: dict[str, str]) -> None:
    """Set each field's value and appearance: the on or off state of check boxes and radio buttons,
    a drawn appearance for text and choices (also for values a viewer typed without drawing them)."""
    kinds = {f.name: f.kind for f in fields_of(writer)}
    text_values: dict[str, str] = {}
    for _page, widget in _widgets(writer):
        field = _field_of(widget)
        name = qualified_name(field)
        kind = kinds.get(name, "")
        if kind in ("checkbox", "radio") and name in values:
            state = values[name] if values[name] in _on_states(widget) else "Off"
            widget[NameObject("/AS")] = NameObject(f"/{state}")
            field[NameObject("/V")] = NameObject(f"/{values[name]}")
        elif kind in ("text", "choice"):
            if name in values:
                text_values[name] = values[name]
            elif "/AP" not in widget and _inherited(field, "/V"):
                # A value typed in a viewer that relied on NeedAppearances: draw it, or it would be lost.
                text_values[name] = str(_inherited(field, "/V"))
    if text_values:
        # auto_regenerate=False: the appearances are drawn here, not left to the viewer.
        writer.update_page_form_field_values(None, text_values, auto_regenerate=False)


def flatten(writer: PdfWriter) -> None:
    """Draw every field into its page and remove the form (/AcroForm, and any XFA in it)."""
    for page in writer.pages:
        flatten_annotations(writer, page)
    writer.root_object.pop(NameObject("/AcroForm"), None)


def states(writer: PdfReader | PdfWriter) -> dict[str, list[str]]:
    """The appearance state (/AS) of each check box's and radio group's widgets, by field name."""
    found: dict[str, list[str]] = {}
    for _page, widget in _widgets(writer):
        if "/AS" in widget:
            found.setdefault(qualified_name(_field_of(widget)), []).append(str(widget["/AS"])[1:])
    return found
