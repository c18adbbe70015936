"""What a template may use: every variable with its type and an example.

Generated from the case schema (so it never drifts from it) plus the few
fields pdpacket derives (context.py) and the variables of each role's
template. `pdpacket templates vars` prints it; `templates check` uses it to
catch `respondent.adress.city` before a filing goes out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from assembler import resources

ANY = "any"
ROLES = ("letter", "declaration", "index", "tab", "translator_certificate", "certificate_of_service")


@dataclass
class Var:
    type: str  # text, yes/no, number, date, list, mapping, image, any
    example: object = None
    fields: dict[str, "Var"] = field(default_factory=dict)  # for mappings
    item: "Var | None" = None  # for lists
    doc: str = ""
    open: bool = False  # a mapping that accepts any key (custom, tabs)


def _from_rules(rules: dict) -> Var:
    meta = rules.get("meta") or {}
    kind = rules.get("type")
    example = meta.get("example")
    if kind == "dict":
        sub = rules.get("schema") or {}
        return Var("mapping", example, {k: _from_rules(v) for k, v in sub.items()},
                   open=bool(rules.get("allow_unknown")) or not sub, doc=meta.get("hint", ""))
    if kind == "list":
        item_rules = rules.get("schema") or {}
        return Var("list", example, item=_from_rules(item_rules) if item_rules else Var(ANY), doc=meta.get("hint", ""))
    coerce = rules.get("coerce")
    word = {"boolean": "yes/no", "integer": "number", "number": "number"}.get(kind, "text")
    if coerce == "date":
        word = "date"
    return Var(word, example, doc=meta.get("hint", ""))


def _text(example, doc=""):
    return Var("text", example, doc=doc)


def context_tree() -> Var:
    """Every variable any template sees, derived fields included."""
    root = _from_rules({"type": "dict", "schema": resources.load_schema("case")})
    f = root.fields
    f["respondent"].fields["full_name"] = _text("María José García López", "given and family names")
    f["proceedings"].fields["next_hearing_text"] = _text("June 15, 2027, 9:00 AM (master calendar hearing)")
    f["request"].fields["relief_labels"] = Var("list", ["Dismissal of the proceedings (8 C.F.R. § 1239.2(c))"],
                                               item=_text("Dismissal of the proceedings"))
    f["attorney"].fields["signature_text"] = _text("/s/ Daniel Okafor", "the typed signature, or /s/ and the name")
    f["attorney"].fields["signature_image"] = Var("image", None, doc="the signature image, when the case names one")
    f["service"].fields["method_label"] = _text("e-mail")
    f["office"] = Var("mapping", None, {
        "name": _text("Office of the Chief Counsel, New York City"), "city": _text("New York City"),
        "address": Var("list", ["26 Federal Plaza, Room 1130", "New York, NY 10278"], item=_text("...")),
        "note": _text(None), "source": _text("public transcription"), "as_of": Var("date", "2026-11-28"),
        "verified": Var("yes/no", False)}, doc="the Office of the Chief Counsel the request goes to")
    f["letter_date"] = Var("date", "2026-12-01", doc="the date of the letter (the service date)")
    f["tabs"] = Var("mapping", {"lease": "K"}, open=True, doc="exhibit or declaration id -> tab letter")
    declaration = f["declarations"].item
    declaration.fields.update(tab=_text("A"), signed_in_us=Var("yes/no", True, doc="decides the 1746 form"),
                              signed_place=_text("Queens, New York, United States"))
    exhibit = f["exhibits"].item
    exhibit.fields["tab"] = _text("E")
    # Variables of one role's template only.
    f["declaration"] = Var("mapping", None, declaration.fields, doc="declaration template: the declaration")
    f["tab"] = Var("mapping", None, {"letter": _text("A"), "title": _text("Declaration of ...")},
                   doc="tab template: the tab")
    f["index"] = Var("list", None, item=Var("mapping", None, {
        "tab": _text("A"), "title": _text("Declaration of ..."), "date": Var("date", "2026-11-20"),
        "pages": _text("4–5"), "first": Var("number", 4), "last": Var("number", 5)}),
        doc="index template: one entry per tab, then the certificate of service")
    f["translator"] = Var("mapping", None, {
        "name": _text("Lucía Fernández"), "address": Var("list", ["350 Broadway"], item=_text("...")),
        "phone": _text("(212) 555-0199"), "date": Var("date", "2026-11-18")},
        doc="translator_certificate template: the translator")
    f["language"] = _text("Spanish", "translator_certificate template: the original's language")
    f["exhibit"] = Var("mapping", None, exhibit.fields, doc="translator_certificate template: the exhibit")
    f["documents"] = Var("list", ["Birth certificate (Tab F)"], item=_text("..."),
                         doc="translator_certificate template: the documents the certificate covers")
    return root


ROLE_ONLY = {"declaration": "declaration", "tab": "tab", "index": "index", "translator": "translator_certificate",
             "language": "translator_certificate", "exhibit": "translator_certificate",
             "documents": "translator_certificate"}

FILTERS = {
    "longdate": "a date as 'March 14, 1985'",
    "a_number": "an A-number as 'A201-234-567'",
    "lines": "a list (or text) as separate lines of one paragraph",
    "paragraphs": "text split at blank lines, for {%p for p in text|paragraphs %}",
    "cite": "exhibit ids as ' (Tabs A, C)'",
    "tab": "an exhibit id as its tab letter",
}


def walk(var: Var, path: str = ""):
    """(path, Var) for every variable, depth first."""
    yield path, var
    for name, sub in var.fields.items():
        yield from walk(sub, f"{path}.{name}" if path else name)
    if var.item is not None:
        yield from walk(var.item, f"{path}[]")
