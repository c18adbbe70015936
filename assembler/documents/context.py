"""What templates see: the case data plus the few things derived from it.

Values are the normalized case data; derived fields (full_name, labels, the
1746 form, tab letters) are added here so templates stay simple and every
template shows the same wording for the same fact.
"""
from __future__ import annotations

import copy
import re

from assembler import resources
from assembler.casefile.normalize import parse_date
from assembler.casefile.rules import signed_in_us

RELIEF_LABELS = {
    "dismissal": "Dismissal of the proceedings (8 C.F.R. § 1239.2(c))",
    "administrative_closure": "Administrative closure of the proceedings (8 C.F.R. § 1003.18(c))",
    "termination": "Termination of the proceedings (8 C.F.R. § 1003.18(d))",
    "continuance": "A continuance of the proceedings",
    "stipulation_to_relief": "A stipulation to the respondent's eligibility for relief",
    "join_motion_to_reopen": "Joining a motion to reopen the proceedings",
    "join_motion_to_recalendar_and_terminate": "Joining a motion to recalendar and terminate the proceedings",
    "not_file_nta": "Not filing the Notice to Appear with the immigration court",
    "cancel_nta": "Cancelling the Notice to Appear",
    "waive_appeal": "Waiving appeal of the immigration judge's decision",
    "stipulate_to_bond": "Stipulating to the respondent's release on bond",
    "stay_of_removal": "Not opposing a stay of removal",
    "deferred_action": "Deferred action",
}
SERVICE_METHODS = {"email": "e-mail", "mail": "first-class mail", "hand": "hand delivery",
                   "eservice": "ICE eService"}
HEARING_TYPES = {"master": "master calendar hearing", "individual": "individual (merits) hearing"}
# XML 1.0 cannot hold these; one in a value would corrupt the document.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def tab_letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, 51 -> AZ, 52 -> BA (the courts' exhibit lettering)."""
    if n < 26:
        return chr(ord("A") + n)
    return tab_letter(n // 26 - 1) + chr(ord("A") + n % 26)


def clean(value):
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def full_name(respondent: dict) -> str:
    return " ".join(p for p in (respondent.get("given_names"), respondent["family_names"]) if p)


def hearing_text(next_hearing: dict | None) -> str:
    if not next_hearing:
        return "Not yet scheduled"
    when = parse_date(next_hearing["date"])
    text = f"{when:%B} {when.day}, {when.year}"
    if next_hearing.get("time"):
        hour, minute = map(int, next_hearing["time"].split(":"))
        text += f", {(hour - 1) % 12 + 1}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    return f"{text} ({HEARING_TYPES[next_hearing['type']]})"


def fill_optional(value, rules: dict):
    """Give every optional field the schema knows a value (None, or [] for lists),
    so `{% if respondent.detention_facility %}` works under StrictUndefined while a
    misspelled name still fails."""
    if isinstance(value, dict) and isinstance(rules.get("schema"), dict) and rules.get("type") == "dict":
        for key, sub in rules["schema"].items():
            if key not in value or value[key] is None:
                value[key] = [] if sub.get("type") == "list" and key not in value else value.get(key)
            fill_optional(value[key], sub)
    elif isinstance(value, list) and isinstance(rules.get("schema"), dict):
        for item in value:
            fill_optional(item, rules["schema"])
    return value


def build_context(data: dict, office: dict, tabs: dict[str, str]) -> dict:
    """The context shared by every template of one case."""
    ctx = clean(copy.deepcopy(data))
    fill_optional(ctx, {"type": "dict", "schema": resources.load_schema("case")})
    r = ctx["respondent"]
    r["full_name"] = full_name(r)
    p = ctx["proceedings"]
    p["next_hearing_text"] = hearing_text(p.get("next_hearing"))
    req = ctx["request"]
    req["relief_labels"] = [RELIEF_LABELS[k] for k in req["relief"]]
    a = ctx["attorney"]
    sig = a.get("signature") or {}
    a["signature_text"] = sig.get("typed") or f"/s/ {a['name']}"
    a["signature_image"] = None  # an InlineImage, set per template by render.py
    a.setdefault("firm", None)
    a.setdefault("eoir_id", None)
    s = ctx["service"]
    s["method_label"] = SERVICE_METHODS[s["method"]]
    s.setdefault("address", None)
    ctx["office"] = clean(copy.deepcopy(office))
    ctx["letter_date"] = s["date"]
    ctx["tabs"] = dict(tabs)
    for d in ctx.get("declarations") or []:
        d["tab"] = tabs.get(d["id"])
        d["signed_in_us"] = signed_in_us(d["signed"])
        d["signed_place"] = ", ".join(x for x in (d["signed"]["city"], d["signed"].get("state"),
                                                   d["signed"]["country"]) if x)
        d.setdefault("interpreter", None)
    for e in ctx.get("exhibits") or []:
        e["tab"] = tabs.get(e["id"])
    return ctx
