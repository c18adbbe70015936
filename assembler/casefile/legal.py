"""Rules that make the request right as a legal document.

Service that can have happened (each method with its own kind of address), relief
that fits the stage of the case, what a detained case must say, a criminal history
and negative factors stated rather than left out, and the office: the one that
covers the court or the facility, and its own rules as the firm recorded them.
"""
from __future__ import annotations

import difflib
from datetime import date
from typing import TYPE_CHECKING, Any

from assembler.casefile import law, offices
from assembler.casefile.stages import Stage, misfit, stage_of

if TYPE_CHECKING:
    from assembler.casefile.rules import Checker


def check(c: Checker) -> None:
    """`c`: what rules.check has read of the case, and where its findings go (c.add, c.warn)."""
    office = c.settings.offices.get(c.doc["office"])
    _stage(c)
    _entry(c)
    _detained(c)
    _service(c, office)
    _criminal_history(c, office)
    _negative_factors(c)
    _nested_parentheses(c)
    if office is not None:
        _routing(c, office)


def _stage(c: Checker) -> None:
    p, req = c.proceedings, c.request
    stage = stage_of(p.stage)
    if stage is not Stage.before_nta and not p.court:
        c.add("proceedings.court", "is required at this stage: name the immigration court where the case is "
                                   "pending (only a case whose Notice to Appear is not filed has none)")
    if stage is Stage.immigration_judge:
        # Omitted, never printed as "Not assigned" or "Not yet scheduled": the case file never said so.
        if not p.judge:
            c.warn("proceedings.judge", "is not given: the letter leaves the immigration judge out; add the "
                                        "judge's name if one is assigned")
        if not p.next_hearing:
            c.warn("proceedings.next_hearing", "is not given: the letter and the e-mail leave the next hearing "
                                               "out; add its date and type if one is set")
    for i, relief in enumerate(req.relief):
        why = misfit(relief, p.stage, c.settings.law)
        if why:
            c.add(f"request.relief[{i}]", f"'{relief}' does not fit the stage '{p.stage}': {why}")
    if "join_motion_to_reopen" in req.relief and stage is Stage.final_order and not p.final_order_by:
        c.add("proceedings.final_order_by", "say who entered the final order (immigration_judge or board): the "
                                            "motion to reopen goes to them, and its citation depends on it")
    if p.final_order_by and stage is not Stage.final_order:
        c.warn("proceedings.final_order_by", f"is not used at the stage '{p.stage}': remove it, or correct "
                                             "proceedings.stage")
    if "stipulate_to_bond" in req.relief:
        i = req.relief.index("stipulate_to_bond")
        if not c.respondent.detained:
            c.add(f"request.relief[{i}]", "a bond stipulation is for a detained respondent: remove it, or set "
                                          "respondent.detained: true")
        if not req.bond_amount:
            c.add("request.bond_amount", "a bond stipulation states the amount proposed: add it, e.g. "
                                         "bond_amount: 5000")
        _bond_entry(c, i)
    elif req.bond_amount:
        c.warn("request.bond_amount", "is printed only with the relief stipulate_to_bond: add that relief or "
                                      "remove the amount")
    if "deferred_action" in req.relief:
        c.warn("request.relief", "deferred action is granted by ICE Enforcement and Removal Operations or USCIS, "
                                 "not by the Office of the Chief Counsel: the letter asks for the office's support")


def _entry(c: Checker) -> None:
    r = c.respondent
    when = (r.entry or {}).get("date")
    if not when:
        return
    if date.fromisoformat(when) > c.today:
        c.add("respondent.entry.date", f"{when} is in the future: check the date of entry")
    elif when < r.date_of_birth:
        c.add("respondent.entry.date", f"{when} is before the date of birth ({r.date_of_birth}): check both")


def _bond_entry(c: Checker, i: int) -> None:
    """Whether a bond stipulation is available depends on how the respondent entered; the rule, its
    authority and its unsettled status come from the law data (bond.* entries)."""
    manner = law.manner_of_entry(c.doc)
    key = law.bond_key(manner, c.settings.law)
    entry = c.settings.law.get(key or "")
    if entry is None:
        return  # admitted: the law data holds no rule against it
    said = f"{entry['text']} ({entry['authority']}"
    said += f"; {entry['note']})" if entry.get("note") else ")"
    if manner == "without_inspection" and entry.get("refuses") is False:
        # A firm where courts reject the rule (law.entries.<key>.refuses: false) is warned, not stopped.
        c.warn(f"request.relief[{i}]", f"a bond stipulation may not be available to a respondent who entered "
                                       f"without inspection (respondent.entry.manner): {_bond_said(entry)}. "
                                       "Your firm's settings say the rule does not refuse it here (refuses: false)")
    elif manner == "without_inspection":
        c.add(f"request.relief[{i}]", f"a bond stipulation is not available to a respondent who entered without "
                                      f"inspection (respondent.entry.manner): {_bond_said(entry)}. Remove "
                                      "stipulate_to_bond, or correct respondent.entry.manner if the respondent was "
                                      "admitted; where the courts that decide the respondent's case reject the rule, "
                                      f"set law.entries.{key}.refuses: false in the firm's settings")
    elif manner == "paroled":
        c.warn("respondent.entry.manner", f"the respondent was paroled and the request asks for a bond "
                                          f"stipulation: {entry['text']}")
    else:
        c.warn("respondent.entry.manner", f"the manner of entry is {'unknown' if c.respondent.entry else 'not given'}"
                                          f", so pdpacket cannot tell whether the bond stipulation asked is "
                                          f"available: {said}. Record it as respondent.entry.manner: admitted, "
                                          "paroled or without_inspection")


def _bond_said(entry: dict) -> str:
    """The rule, its authority, how courts are split on it and what remains, as the law data says."""
    said = f"{entry['text']} ({entry['authority']})"
    if entry.get("contested"):
        said += f". Contested: {entry['contested']}"
    return said + f". What remains: {entry.get('remaining') or 'see the law data'}"


def _detained(c: Checker) -> None:
    r = c.respondent
    if not r.detained:
        for name in ("detention_facility", "detained_since"):
            if getattr(r, name):
                c.warn(f"respondent.{name}", "is given but respondent.detained is false: set detained: true, "
                                             "or remove it")
        return
    since = r.detained_since
    if not since:
        c.add("respondent.detained_since", "the respondent is detained: give the date of detention, "
                                           "e.g. detained_since: 2026-10-08")
    elif date.fromisoformat(since) > c.today:
        c.add("respondent.detained_since", f"{since} is in the future: check the date of detention")


def _service(c: Checker, office: dict | None) -> None:
    service = c.service
    method = service.method
    address = service.address or []
    if any("@" in line for line in address):
        c.add("service.address", "is a street address: write an e-mail address as service.email")
        return
    unused = {"email": ("address", "system"), "mail": ("email", "system"), "hand": ("email", "system"),
              "eservice": ("email", "address")}[method]
    for name in unused:
        if getattr(service, name):
            c.warn(f"service.{name}", f"is not used when serving by {method}: remove it, or correct "
                                      "service.method")
    if office is None:
        return  # the unknown office is reported already
    found = offices.service_destination(service.section, office)
    if isinstance(found, tuple):
        c.add(*found)


def _criminal_history(c: Checker, office: dict | None) -> None:
    history = c.request.criminal_history
    if history is None:
        c.warn("request.criminal_history", "the case does not say whether the respondent has a criminal history: "
                                           "list it, or write criminal_history: none")
        return
    if not isinstance(history, list):  # "none", the only text the schema leaves
        return
    required = office is not None and "certified_dispositions" in office["rules"]["requires"]
    ids = [e["id"] for e in c.doc.get("exhibits") or []]
    for i, entry in enumerate(history):
        path = f"request.criminal_history[{i}].disposition_exhibit"
        ref = entry.get("disposition_exhibit")
        if not ref:
            # The file names it by id (said in the closing parenthesis, which the web app drops: its page
            # offers the exhibits by title, so there the message reads "choose the exhibit ...").
            message = "choose the exhibit that holds the certified disposition"
            if required:
                c.add(path, f"{message}: the office '{office['key']}' requires certified dispositions "  # type: ignore[index]
                            "(its rules in the settings; disposition_exhibit: the exhibit's id)")
            else:
                c.warn(path, f"{message} (disposition_exhibit: the exhibit's id)")
        elif ref not in ids:
            close = difflib.get_close_matches(ref, ids, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "cite the id of an exhibit"
            c.add(path, f"no exhibit has the id '{ref}': {hint}")


def _negative_factors(c: Checker) -> None:
    if c.request.negative_factors is None:
        c.warn("request.negative_factors", "the case does not address negative factors: list them, or write "
                                           "negative_factors: none when none are known")


def nested(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
            if depth > 1:
                return True
        elif ch == ")":
            depth = max(depth - 1, 0)
    return False


def _nested_parentheses(c: Checker) -> None:
    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            if nested(value):
                c.warn(path, "has parentheses inside parentheses, which the filing would print as they are: "
                             "rewrite it with commas")
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
    for section in ("respondent", "proceedings", "request", "declarations", "exhibits", "service"):
        walk(c.doc.get(section), section)


def _routing(c: Checker, office: dict) -> None:
    known = c.settings.offices
    court = c.proceedings.court
    if court and not offices.covers(office, court):
        others = offices.for_court(known, court)
        if others:
            other = others[0]
            c.warn("office", f"'{court}' is covered by '{other['key']}' ({other['name']}), not by "
                             f"'{office['key']}': set office: {other['key']}, or record the court under "
                             f"offices.{office['key']}.courts in the settings")
    r = c.respondent
    if r.detained:
        dockets = offices.for_facility(known, r.detention_facility)
        if dockets and office["key"] not in {d["key"] for d in dockets}:
            d = dockets[0]
            c.warn("office", f"the respondent is detained at {r.detention_facility}, whose detained docket is "
                             f"handled by '{d['key']}' ({d['name']}): set office: {d['key']}")


