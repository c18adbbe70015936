"""What templates see: the case data plus the few things derived from it.

Values are the normalized case data; derived fields (full_name, labels, the
1746 form, tab letters) are added here so templates stay simple and every
template shows the same wording for the same fact.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from assembler import resources
from assembler.casefile import offices
from assembler.casefile.case import today as case_today
from assembler.casefile.normalize import format_a_number, paragraphs, parse_date
from assembler.casefile.rules import signed_in_us
from assembler.casefile.views import Attorney, Proceedings, Request, Respondent, Service
from assembler.documents import citations, typography
from assembler.documents.signing_vars import SIGNING_VARIABLE_ROLES, signing_variables
from assembler.documents.typography import NBSP
from assembler.documents.variables import Var, schema_tree, text
from assembler.vocab import COURT_PAPER_ROLES, Role

SERVICE_METHODS = {"email": "e-mail", "mail": "first-class mail", "hand": "hand delivery",
                   "eservice": "electronic service"}
HEARING_TYPES = {"master": "master calendar hearing", "individual": "individual (merits) hearing"}
# XML 1.0 cannot hold these; one in a value would corrupt the document.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def tab_letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, 51 -> AZ, 52 -> BA (the courts' exhibit lettering)."""
    if n < 26:
        return chr(ord("A") + n)
    return tab_letter(n // 26 - 1) + chr(ord("A") + n % 26)


def clean(value: Any) -> Any:
    if isinstance(value, str):
        return typography.keep_together(_XML_ILLEGAL.sub("", value))
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def full_name(respondent: Mapping[str, Any]) -> str:
    return Respondent.of_section(respondent).full_name


def hearing_text(next_hearing: dict | None) -> str | None:
    """None when no hearing is set: a template then leaves the line out, never prints a stand-in."""
    if not next_hearing:
        return None
    text = typography.longdate(next_hearing["date"])
    if next_hearing.get("time"):
        hour, minute = map(int, next_hearing["time"].split(":"))
        text += f", {(hour - 1) % 12 + 1}:{minute:02d}{NBSP}{'AM' if hour < 12 else 'PM'}"
    return f"{text}, {HEARING_TYPES[next_hearing['type']]}"


def fill_optional(value: Any, rules: dict) -> Any:
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


@dataclass(frozen=True)
class Derived:
    """A variable pdpacket adds to the case data: how it is described, and how it is computed.

    `path` is where it goes ("respondent.full_name"; "declarations[].tab" for each item);
    `compute(owner, sources)` gets the mapping it goes into and what the case does not hold."""

    path: str
    var: Var
    compute: Callable[[dict, Sources], object]


@dataclass(frozen=True)
class Sources:
    ctx: dict
    office: dict
    tabs: dict[str, str]
    decide_days: int = 7
    said_none: frozenset[str] = frozenset()  # lists the case answers with "none"
    law: Mapping[str, dict] | None = None  # the law data with the firm's entries (None: as shipped)
    today: date | None = None  # the build's date (PDPACKET_TODAY pins it)

    @property
    def as_of(self) -> date:
        """The date the documents speak as of: the letter's (the service date). Ages and years
        are counted to it, so the letter is right on the day it bears."""
        return date.fromisoformat(Service.of(self.ctx).date)

    @property
    def sent_on(self) -> date:
        """The day the request goes out: the letter's date, or today when that is already past."""
        return max(self.as_of, self.today or self.as_of)


def full_years(start: str | None, end: date) -> int | None:
    """Whole years from `start` (an ISO date) to `end`: 2003-08-15 -> 2026-08-14 is 22, -> 2026-08-15 is 23."""
    if not start:
        return None
    begun = parse_date(start)
    return end.year - begun.year - ((end.month, end.day) < (begun.month, begun.day))


def detention_text(since: str | None, end: date) -> str | None:
    """How long a detention has lasted, in words and figures: days under two weeks, weeks under
    three months, then months ('seven (7) weeks')."""
    if not since:
        return None
    start = parse_date(since)
    days = (end - start).days
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    if days < 14:
        n, unit = days, "day"
    elif months < 3:
        n, unit = days // 7, "week"
    else:
        n, unit = months, "month"
    return f"{typography.in_words(n)} {unit}{'' if n == 1 else 's'}"


def _decide_by(req: dict, src: Sources) -> str | None:
    """For a detained respondent: the date to ask a decision by, the settings' days after the request
    is sent (detained.decide_within_days). Counted back from a hearing weeks away it left the client
    detained until then; when the hearing comes first, the day before it."""
    if not Respondent.of(src.ctx).detained:
        return None
    day = src.sent_on + timedelta(days=src.decide_days)
    nh = Proceedings.of(src.ctx).next_hearing
    if nh and parse_date(nh["date"]) <= day:
        day = parse_date(nh["date"]) - timedelta(days=1)
    return day.isoformat() if day > src.sent_on else None


def _destination(s: dict, src: Sources) -> offices.Destination | None:
    found = offices.service_destination(s, src.office)
    return found if isinstance(found, offices.Destination) else None


def _email_to(s: dict, src: Sources) -> str | None:
    d = _destination(s, src)
    return typography.unbroken(d.email) if d else None


def _via(s: dict, src: Sources) -> str:
    d = _destination(s, src)
    method = Service.of_section(s).method
    if method == "email":
        return f"VIA E-MAIL TO {typography.unbroken(d.email)}" if d else "VIA E-MAIL"
    if method == "eservice":
        return f"VIA ELECTRONIC SERVICE, {d.system}" if d else "VIA ELECTRONIC SERVICE"
    return f"VIA {SERVICE_METHODS[method].upper()}"


def _office(ctx: dict, src: Sources) -> dict:
    office = clean(copy.deepcopy(src.office))
    r = Respondent.of(ctx)
    office["email_subject"] = offices.subject_line(src.office, r.full_name, format_a_number(r.a_number))
    return office


def _signature_text(a: dict, src: Sources) -> str:
    attorney = Attorney.of_section(a)
    return (attorney.signature or {}).get("typed") or f"/s/ {attorney.name}"


def _time_in_detention(r: dict, src: Sources) -> str | None:
    respondent = Respondent.of_section(r)
    return detention_text(respondent.detained_since, src.as_of) if respondent.detained else None


def _relief_labels(req: dict, src: Sources) -> list[str]:
    request = Request.of_section(req)
    return [citations.relief_label(k, src.ctx["proceedings"], typography.money(request.bond_amount), src.law)
            for k in request.relief]


def _signed_place(d: dict, src: Sources) -> str:
    return ", ".join(x for x in (d["signed"]["city"], d["signed"].get("state"), d["signed"]["country"]) if x)


DERIVED = [
    Derived("respondent.full_name", text("María José García López", "given and family names"),
            lambda r, src: Respondent.of_section(r).full_name),
    Derived("respondent.age", Var("number", 41, doc="the respondent's age on the letter's date (from "
                                                  "date_of_birth); print it with |words: 'forty-one (41)'"),
            lambda r, src: full_years(Respondent.of_section(r).date_of_birth, src.as_of)),
    Derived("respondent.years_in_us", Var("number", 23, doc="whole years since respondent.entry.date on the "
                                                        "letter's date; empty without an entry date"),
            lambda r, src: full_years((Respondent.of_section(r).entry or {}).get("date"), src.as_of)),
    Derived("respondent.time_in_detention", text("seven (7) weeks", "detained: how long, in words and figures, "
                                                                    "from detained_since to the letter's date"),
            _time_in_detention),
    Derived("proceedings.next_hearing_text", text("June 15, 2027, 9:00 AM, master calendar hearing",
                                                  "empty when no hearing is set"),
            lambda p, src: hearing_text(Proceedings.of_section(p).next_hearing)),
    Derived("proceedings.stage_text", text("Before the immigration judge, master calendar",
                                           "the stage of the case, as the Re: block says it"),
            lambda p, src: citations.stage_text(p)),
    Derived("request.relief_labels", Var("list", ["Dismissal of the proceedings, under 8 C.F.R. § 1239.2(c)"],
                                         item=text("Dismissal of the proceedings"),
                                         doc="each relief asked, with its citation at this stage"),
            _relief_labels),
    Derived("request.bond_amount_text", text("$5,000", "the bond amount proposed, as money"),
            lambda req, src: typography.money(Request.of_section(req).bond_amount) or None),
    Derived("request.criminal_history_none", Var("yes/no", False, doc="the case says: no criminal history"),
            lambda req, src: "criminal_history" in src.said_none),
    Derived("request.negative_factors_none", Var("yes/no", False, doc="the case says: no negative factors known"),
            lambda req, src: "negative_factors" in src.said_none),
    Derived("request.criminal_history[].disposition_tab", text("C", "the tab of the certified disposition"),
            lambda e, src: src.tabs.get(e.get("disposition_exhibit") or "")),
    Derived("request.decide_by", Var("date", "2026-12-08", doc="detained: the date a decision is asked by, "
                                                              "the settings' days after the request is sent "
                                                              "(detained.decide_within_days); the letter and the "
                                                              "e-mail both print it"),
            _decide_by),
    Derived("request.decide_days", Var("number", 7, doc="days after sending of request.decide_by (settings)"),
            lambda req, src: src.decide_days),
    Derived("attorney.signature_text", text("/s/ Daniel Okafor", "the typed signature, or /s/ and the name; "
                                                                  "(unsigned draft) until the attorney approves"),
            _signature_text),
    # An InlineImage, set per template by render.py.
    Derived("attorney.signature_image", Var("image", None, doc="the signature image, when the case names one"),
            lambda a, src: None),
    Derived("service.signature_text", text("/s/ Ana Ruiz", "the server's typed signature on the certificate of "
                                                          "service: (unsigned draft) until the attorney approves"),
            lambda s, src: f"/s/ {Service.of_section(s).served_by}"),
    Derived("service.method_label", text("e-mail"), lambda s, src: SERVICE_METHODS[Service.of_section(s).method]),
    Derived("service.via", text("VIA E-MAIL TO pd@occ.example", "the letter's VIA line"), _via),
    Derived("service.email_to", text("pd@occ.example", "service by e-mail: the address it went to"),
            _email_to),
    Derived("service.street_address", Var("list", ["26 Federal Plaza, Room 1130", "New York, NY 10278"],
                                          item=text("..."), doc="service by mail or hand: the address used"),
            lambda s, src: list((d := _destination(s, src)) and d.address or [])),
    Derived("service.served_by_address", Var("list", ["350 Broadway, Suite 1200"], item=text("..."),
                                             doc="the server's address (default: the attorney's)"),
            lambda s, src: Service.of_section(s).served_by_address or Attorney.of(src.ctx).address),
    Derived("service.with_exhibits", Var("yes/no", True, doc="the filing has exhibits or declarations"),
            lambda s, src: bool(src.tabs)),
    Derived("office", Var("mapping", None, {
        "key": text("new_york_city"), "name": text("Office of the Chief Counsel, New York City"),
        "city": text("New York City"), "parent": text(None, "for a sub-office: its main office's key"),
        "address": Var("list", ["26 Federal Plaza, Room 1130", "New York, NY 10278"], item=text("..."),
                       doc="street lines; empty when not known"),
        "email": text(None, "the office's e-mail for requests, when the firm set it"),
        "courts": Var("list", ["New York"], item=text("...")), "facilities": Var("list", [], item=text("...")),
        "detained_docket": Var("yes/no", False), "rules": Var("mapping", None, {
            "subject": text(None), "max_attachment_mb": Var("number", None),
            "requires": Var("list", [], item=text("g28"))}),
        "email_subject": text("PD Request - María José García López - A201-234-567",
                              "the subject line the office's rules prescribe, if any"),
        "note": text(None), "source": text("public transcription, undated"),
        "source_date": Var("date", "2026-11-28", doc="the date of the source"),
        "verified_on": Var("date", None, doc="the date the firm checked the address"),
        "provenance": Var("mapping", None, {name: Var("mapping", None, {
            "source": text("public transcription, undated"), "source_date": Var("date", "2026-11-28")})
            for name in ("address", "email")}, doc="where the address and the e-mail each come from")},
        doc="the Office of the Chief Counsel the request goes to"), _office),
    Derived("letter_date", Var("date", "2026-12-01", doc="the date of the letter (the service date)"),
            lambda ctx, src: Service.of(ctx).date),
    Derived("tabs", Var("mapping", {"lease": "K"}, open=True, doc="exhibit or declaration id -> tab letter"),
            lambda ctx, src: dict(src.tabs)),
    Derived("declarations[].tab", text("A"), lambda d, src: src.tabs.get(d["id"])),
    Derived("declarations[].signed_in_us", Var("yes/no", True, doc="decides the 1746 form"),
            lambda d, src: signed_in_us(d["signed"])),
    Derived("declarations[].signed_place", text("Queens, New York, United States"), _signed_place),
    Derived("declarations[].age", Var("number", 14, doc="the declarant's age on the letter's date, when the "
                                                        "declaration gives date_of_birth"),
            lambda d, src: full_years(d.get("date_of_birth"), src.as_of)),
    Derived("exhibits[].tab", text("E"), lambda e, src: src.tabs.get(e["id"])),
]


def _owners(ctx: dict, path: str) -> tuple[list[dict], str]:
    """The mappings a derived path's last name goes into, and that name."""
    *steps, name = path.split(".")
    owners = [ctx]
    for step in steps:
        key = step.removesuffix("[]")
        owners = [o[key] for o in owners]
        if step.endswith("[]"):
            owners = [item for o in owners for item in (o or [])]
    return owners, name


def build_context(data: dict, office: dict, tabs: dict[str, str], decide_days: int = 7, *,
                  law: Mapping[str, dict] | None = None, today: date | None = None) -> dict:
    """The context shared by every template of one case (`law`: the settings' law data, with the
    firm's entries; `today`: the build's date, default today or PDPACKET_TODAY)."""
    ctx = clean(copy.deepcopy(data))
    req = ctx["request"]
    # "none" says so explicitly (request.*_none); templates loop over lists either way.
    said_none = frozenset(name for name in ("criminal_history", "negative_factors") if req.get(name) == "none")
    for name in ("criminal_history", "negative_factors"):
        if not isinstance(req.get(name), list):
            req[name] = []
    fill_optional(ctx, {"type": "dict", "schema": resources.load_schema("case")})
    # Fields settings may leave out of the attorney block, and optional ones the schema
    # may not list: templates test them with {% if %}.
    ctx["attorney"].setdefault("firm", None)
    ctx["attorney"].setdefault("eoir_id", None)
    for name in ("address", "email", "system", "served_by_address"):
        ctx["service"].setdefault(name, None)
    for d in ctx.get("declarations") or []:
        d.setdefault("interpreter", None)
        # An item may hold several paragraphs (a blank line between them), like any text of the case.
        d["paragraphs"] = [p for item in d.get("paragraphs") or [] for p in paragraphs(item)]
    sources = Sources(ctx, office, tabs, decide_days, said_none, law, today or case_today())
    for derived in DERIVED:
        owners, name = _owners(ctx, derived.path)
        for owner in owners:
            owner[name] = derived.compute(owner, sources)
    return ctx


# Variables that only one role's template sees (given by documents/roles.py when it renders that role).
def _role_variables(tree: Var) -> dict[str, tuple[Role, Var]]:
    f = tree.fields
    return {
        "declaration": (Role.declaration, Var("mapping", None, f["declarations"].each.fields,
                                              doc="declaration template: the declaration")),
        "tab": (Role.tab, Var("mapping", None, {"letter": text("A"), "title": text("Declaration of ...")},
                              doc="tab template: the tab")),
        "index": (Role.index, Var("list", None, item=Var("mapping", None, {
            "tab": text("A"), "title": text("Declaration of ..."), "date": Var("date", "2026-11-20"),
            "note": text("Includes the English translation and the translator's certificate",
                         "what a translated exhibit includes"),
            "pages": text("4–5"), "first": Var("number", 4), "last": Var("number", 5)}),
            doc="index template: one entry per tab, then the certificate of service")),
        "translator": (Role.translator_certificate, Var("mapping", None, {
            "name": text("Lucía Fernández"), "address": Var("list", ["350 Broadway"], item=text("...")),
            "phone": text("(212) 555-0199"), "date": Var("date", "2026-11-18")},
            doc="translator_certificate template: the translator")),
        "language": (Role.translator_certificate,
                     text("Spanish", "translator_certificate template: the original's language")),
        "exhibit": (Role.translator_certificate, Var("mapping", None, f["exhibits"].each.fields,
                                                     doc="translator_certificate template: the exhibit")),
        "documents": (Role.translator_certificate, Var("list", ["Birth certificate, Tab F"], item=text("..."),
                                                       doc="translator_certificate template: the documents the "
                                                           "certificate covers")),
    }


# Variables the three court-paper templates see (court_cover, joint_motion, proposed_order);
# given by `pdpacket court` (court.py, documents/court.py).
COURT_ROLES = frozenset(COURT_PAPER_ROLES)


def _court_variables() -> dict[str, Var]:
    own = schema_tree().fields["court"]  # the case's court: fields (dismissal_ground, waive_appeal, facts)
    return {
        "court": Var("mapping", None, {
            "name": text("New York Broadway Immigration Court"),
            "board": Var("yes/no", False, doc="the case is before the Board of Immigration Appeals"),
            "body": text("Immigration Court", "the caption's third line: Immigration Court or Board of "
                                              "Immigration Appeals"),
            "city": text("New York", "empty when the court directory has none: print a blank"),
            "state": text("NY"),
            "place": text("New York, NY", "city and state; empty when either is unknown"),
            "address": Var("list", [], item=text("..."), doc="the court's address from the court directory; "
                                                             "empty when it has none: print a blank"),
            "decider": text("Immigration Judge", "Immigration Judge, or Board"),
            "key": text("new_york_broadway", "the court directory's key, empty when not found"),
            "source": text("firm settings"), "source_date": Var("date", "2026-11-28", doc="the date of the source"),
            "verified_on": Var("date", None, doc="the date the firm checked the court's address"),
            "verified": Var("yes/no", False, doc="whether the firm has checked it (verified_on is set)"),
            "proposed_order": Var("yes/no", None, doc="the court directory's word on proposed orders (empty: "
                                                      "the default, yes before a judge, no at the Board)"),
            "takes_order": Var("yes/no", True, doc="whether a proposed order goes with the motion"),
            "facts": Var("list", ["The respondent, ..., is a citizen of Mexico."], item=text("..."),
                         doc="the motion's facts: who the respondent is, where the case stands, then court.facts"),
            **{k: v for k, v in own.fields.items() if k != "facts"}},
            doc="court papers: the court (or the Board) they are addressed to, with the case's court: fields"),
        "motion": Var("mapping", None, {
            "relief": text("dismissal"), "title": text("Joint Motion to Dismiss Proceedings"),
            "action": text("dismiss these proceedings"), "ordered": text("the proceedings are dismissed"),
            "citation": text("8 C.F.R. § 1239.2(c)", "for the stage; empty when none is known"),
            "ground": text("the notice to appear was improvidently issued",
                           "a dismissal's ground (court.dismissal_ground), in the regulation's words"),
            "ground_citation": text("8 C.F.R. § 239.2(a)(6)", "the ground's citation"),
            "standard": text("Under 8 C.F.R. § 1003.18(c)(3), ...", "an administrative closure's standard for a "
                                                                    "joint motion (2024 rule); empty otherwise"),
            "waive_appeal": Var("yes/no", False, doc="both parties waive appeal (court.waive_appeal)"),
            "order": Var("yes/no", True, doc="a proposed order goes with the motion")},
            doc="court papers: the joint motion of this relief"),
    }


def context_tree() -> Var:
    """Every variable any template sees: the case data, what DERIVED adds, each role's own."""
    root = schema_tree()
    for derived in DERIVED:
        *steps, name = derived.path.split(".")
        owner = root
        for step in steps:
            owner = owner.fields[step.removesuffix("[]")]
            if step.endswith("[]"):
                owner = owner.each
        owner.fields[name] = derived.var
    for name, (_, var) in _role_variables(root).items():
        root.fields[name] = var
    root.fields.update(_court_variables())
    root.fields.update(signing_variables())
    return root


# The roles whose templates alone see a variable.
ROLE_ONLY: dict[str, frozenset[Role]] = {
    **{name: frozenset({role}) for name, (role, _) in _role_variables(schema_tree()).items()},
    **dict.fromkeys(_court_variables(), COURT_ROLES),
    **dict.fromkeys(signing_variables(), SIGNING_VARIABLE_ROLES)}
