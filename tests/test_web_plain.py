"""Every message the web app can show is in its own words (issue 26 point 3): no backticks, no
"write key: value", no raw keys or field paths, no YAML shapes. The messages are those of the case
checks over the samples, the minimal case and a new case, each field emptied or given a wrong value."""
from __future__ import annotations

import copy
import html
import re
import time
from pathlib import Path

import pytest

from assembler import api
from assembler.casefile.read import load_file
from assembler.web import form, plain
from assembler.web.cases import finding_json
from helpers import MINIMAL, SAMPLES, copy_firm_settings, minimal, write_case
from test_web_http import client

QUOTED = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"")
FORBIDDEN = {
    "a backtick": re.compile(r"`"),
    "write key: value": re.compile(r"\bwrite [\w.\[\]]+:"),
    "e.g. key: value": re.compile(r"e\.g\. [a-z_]+:"),
    "a YAML shape": re.compile(r"lines starting with -|fields indented below it"),
    "a raw key": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "a field path": re.compile(r"\b(?:respondent|proceedings|request|attorney|service|consent|court|declarations|exhibits"
                               r"|forms|immigration_history|offices)(?:\[\d+\])?\.[a-z]"),
}


def wrong(text: str) -> list[str]:
    outside = QUOTED.sub("''", text)  # what the user typed, quoted in a message, stays as typed
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(outside)]


def _paths(node, pre=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*pre, k)
            yield from _paths(v, (*pre, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*pre, i)
            yield from _paths(v, (*pre, i))


def _mutants(data: dict):
    yield data
    for path in list(_paths(data)):
        for value in (None, "x", {"a": "b"}):
            m = copy.deepcopy(data)
            target = m
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            yield m


@pytest.fixture(scope="module")
def shown(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """Each different message the checks give (digits folded), as the web app shows it, with its original."""
    folder = tmp_path_factory.mktemp("plain") / "case"
    (folder / "exhibits").mkdir(parents=True)
    seeds = [copy.deepcopy(MINIMAL), {}] + [load_file(p).data for p in sorted(SAMPLES.glob("*/case.yaml"))]
    found: dict[str, tuple[str, str]] = {}
    started = time.monotonic()
    for seed in seeds:
        for data in _mutants(seed):
            for f in api.check_case_data(folder, data, api.NO_OPTIONS, "case.yaml"):
                key = re.sub(r"\d+", "N", f.message)
                if key not in found:
                    j = finding_json(f)
                    found[key] = (f"{j['where']}: {j['message']}", f.message)
        assert time.monotonic() - started < 600  # a hang, not a slow machine
    return found


@pytest.mark.slow
def test_every_message_of_the_case_checks_is_in_the_web_apps_words(shown):
    assert len(shown) > 100  # the mutations reach the checks: a test that sees nothing cannot fail
    bad = {web: (wrong(web), original) for web, original in shown.values() if wrong(web)}
    assert bad == {}


@pytest.mark.slow
def test_a_value_still_to_type_is_a_checklist_entry_with_its_example(shown):
    fills = [web for web, original in shown.values() if plain.to_fill(original)]
    assert fills and all(": to fill" in web for web in fills)
    assert "Exhibits 1 › Title: to fill, e.g. 'Birth certificate of Sofía García'" in fills


def test_every_hint_under_a_field_is_in_the_web_apps_words():
    def hints(fields):
        for f in fields:
            if f.hint:
                yield f.key, plain.hint(f.hint)
            yield from hints(f.children)
    found = dict(hints(form.case_fields()))
    assert len(found) > 20
    assert found["immigration_history"] == ("Every known encounter with immigration authorities, check-in and prior "
                                            "order, each with its date and source")  # its switch says "none"
    assert {key: (text, wrong(text)) for key, text in found.items() if wrong(text)} == {}


def test_a_new_case_opens_with_a_checklist_to_fill_not_errors(tmp_path):
    root = tmp_path / "cases"
    api.new_case(root / "fresh")
    page = client(root).get("/case/fresh").text
    summary = page[page.index('id="summary"'): page.index("</div>", page.index('id="summary"'))]
    assert re.search(r'class="badge todo">\d+ to fill<', summary)
    assert "to fix" not in summary and 'class="badge invalid"' not in summary
    assert "<li class=\"error\">" not in page  # every message of a new case is a checklist entry
    assert "<li class=\"fill\">to fill" in page


def test_the_general_list_names_fields_in_words(tmp_path: Path):
    assert plain.where("exhibits[1].translation.file") == "Exhibits 2 › Translation › File"
    assert plain.where("respondent.a_number") == "Respondent › A-number"


# --- the send gate's and the approval's messages (issue 26, with issue 23's signing round) --------------------

COMMAND = re.compile(r"\bpdpacket [a-z]+|--[a-z]")


def _gate_and_approval_messages(case_dir: Path) -> list[str]:
    """Every wording of the send gate, the approval line and the refusals of `approve`, for a folder whose name
    needs quoting in a shell."""
    from assembler.pdf.approval import State
    from assembler.send.gate import Readiness
    from assembler.send.status import _steps

    draft = State(case_dir, None, False)
    stale = State(case_dir, {"approved_by": "Daniel Okafor", "approved_at": "2026-11-20T10:00:00"}, False,
                  ("hearing date: June 15, 2027 -> June 15, 2028",))
    named = "Declaration of Sofía García, page 1 (filing page 10): Sofía García (declarant)"
    ready = Readiness(case_dir, draft.line(), [named], [named], [named])
    moving = State(case_dir, stale.approval, False, (), 'the Form EOIR-28 under "forms:" in case.yaml puts it in the PD '
                   'request filing, which was approved without it: it is for the court papers: move its entry (the '
                   'lines from "- kind: eoir28") from "forms:" to a list "forms:" under "court:"; the filing\'s '
                   'approval then holds again, and the court papers put the form on top of the motions')
    messages = [draft.line(), stale.line(), moving.line(), *ready.problems(), *_steps(ready, case_dir)]
    messages.append("x.pdf: not sent: not ready: " + "; and ".join(ready.problems()) + "; for an internal review only, "
                    f"`pdpacket email {case_dir} --unsigned-draft` writes a marked draft that is never sent")
    return messages


def test_the_gate_and_the_approval_say_what_to_do_in_words_with_links(tmp_path):
    case_dir = tmp_path / "Pineda Castro Lucia"
    messages = _gate_and_approval_messages(case_dir)
    assert any("`pdpacket sign" in m for m in messages) and any("`pdpacket approve" in m for m in messages)
    for message in messages:
        shown = str(plain.linked(message, "pineda"))
        words = re.sub(r"<[^>]+>", "", shown)
        assert wrong(words) == [] and not COMMAND.search(words), (message, shown)
        assert str(case_dir) not in words
    gate = str(plain.linked(messages[-1], "pineda"))
    assert '(on <a href="/case/pineda/signatures">the Signatures page</a>)' in gate
    assert '(on <a href="/case/pineda/build">the Build page</a>)' in gate
    assert 'with the <a href="/case/pineda/build#approval">Approve button on the Build page</a>' in gate
    assert "internal review" not in gate  # the web app makes no unsigned draft: nothing to point to
    moved = str(plain.linked(messages[2], "pineda"))  # issue 26: the EOIR-28 that belongs to the court papers
    assert "the Form EOIR-28 among the Forms of the request puts it in the PD request filing" in moved
    assert "move it from the Forms section to the Forms of the Court section, then save" in re.sub(r"<[^>]+>", "", moved)
    assert '<a href="/case/pineda#section-forms">the Forms section</a>' in moved


def test_the_approvals_refusals_name_no_option_nor_key():
    unknown = ("--as Bob Smith: not one of the attorneys who may approve in /firm/pdpacket.yaml (approval.attorneys: "
               "Daniel Okafor): give one of them, or have the firm add the name there")
    assert str(plain.linked(unknown, "c")) == ("Bob Smith is not one of the attorneys who may approve in "
                                               "/firm/pdpacket.yaml (Daniel Okafor): give one of them, or have the "
                                               "firm add the name there")
    empty = "--as: give the name of the attorney who read the filing and approves it"
    assert str(plain.linked(empty, "c")) == "give the name of the attorney who read the filing and approves it"


def test_the_builds_warnings_on_the_firms_law_and_office_data_say_what_to_do_in_words():
    # Walking the web app: the Build page showed "record the day in the settings (law: entries: ...: checked on:
    # YYYY-MM-DD); pdpacket law lists every entry" and "pdpacket.yaml under Offices › New york city › Verified on"
    from datetime import date

    from assembler.casefile import law, offices
    from assembler.web.plain import linked

    entries = {"citation.dismissal.immigration_judge": {"text": "8 C.F.R. § 1239.2(c)", "source": "8 C.F.R. § 1239.2(c)"},
               "citation.old": {"text": "8 C.F.R. § 1003.1", "source": "eCFR", "checked_on": "2024-01-02"}}
    found = law.warnings("case.yaml", list(entries), entries, date(2026, 12, 7), 12)
    office = {"key": "new_york_city", "name": "Office of the Chief Counsel, New York City", "address": ["26 Federal Plaza"],
              "email": "pd@occ.example", "verified_on": None,
              "provenance": {"address": "public transcription", "email": "public transcription"}}
    unchecked = offices.unverified(office, None, "case.yaml")
    messages = [f.message for f in found] + ([unchecked.message] if unchecked else [])
    assert len(messages) == 3, messages
    for message in messages:
        shown = str(linked(message, "g"))
        assert wrong(shown) == [] and "pdpacket" not in shown and "YYYY" not in shown, shown
    assert "the law the filing cites (8 C.F.R. § 1239.2(c)) has never been checked against its source" in \
        str(linked(messages[0], "g"))
    assert "was last checked 2024-01-02" in str(linked(messages[1], "g"))
    assert "record the day you checked it on the Settings page" in str(linked(messages[2], "g"))


@pytest.mark.libreoffice
def test_every_warning_of_building_the_samples_is_in_the_web_apps_words(tmp_path, monkeypatch):
    """The Build page shows the build's warnings (issue 26 point 3: no YAML or CLI words in any web message): the
    four samples built with the firm's settings they come with (the warnings on unchecked offices and law, which
    need none, are the test above)."""
    import shutil

    from assembler.web.plain import linked

    monkeypatch.delenv("PDPACKET_SETTINGS", raising=False)
    copy_firm_settings(tmp_path)
    bad = {}
    for sample in sorted(SAMPLES.glob("*/case.yaml")):
        case = tmp_path / sample.parent.name
        shutil.copytree(sample.parent, case, ignore=shutil.ignore_patterns("out", "signed", "approval.json"))
        for w in api.build(case).warnings:
            shown = str(linked(w.message, case.name))
            # "pdpacket" names a command; "the pdpacket project", who transcribed the law data, is a source.
            source = shown.replace("the pdpacket project", "the project")
            found = wrong(source) + [word for word in ("pdpacket", "--", "YYYY", "settings (") if word in source]
            if found:
                bad[shown] = found
    assert bad == {}, "\n".join(f"{k}: {v}" for k, v in bad.items())


# --- the case page and the New case page in a paralegal's words (issue 26 point 3, the web walk-through) ------

from html.parser import HTMLParser  # noqa: E402

PAGE_WORDS = {
    "the case file": re.compile(r"case file", re.I),
    "the settings file": re.compile(r"settings file", re.I),
    "a key": re.compile(r"\bkeys?\b", re.I),
    "a relative path": re.compile(r"relative to", re.I),
    "a backtick": re.compile(r"`"),
    "a snake_case token": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", re.I),
    "a file's name": re.compile(r"\b[\w-]+\.ya?ml\b", re.I),
    "a YAML boolean": re.compile(r"\b(?:true|false) when\b", re.I),  # the form's choice reads Yes / No
}


class _Shown(HTMLParser):
    """What a reader sees on a page: its texts (not scripts, nor what the user typed into a text box), the
    placeholders and titles, and each option of a list with the value it stands for."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.options: list[tuple[str, str]] = []  # (value, the words shown for it)
        self._hidden = 0
        self._option: list | None = None
        self._firms = False  # inside the office or template set list: the firm's own names, from its data

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "textarea", "pre"):
            self._hidden += 1
        if tag == "select":
            self._firms = a.get("name") in ("office", "template_set")
        if tag == "option" and a.get("value") and not self._firms:
            self._option = [a["value"], ""]
        if tag == "input" and a.get("type") == "checkbox" and a.get("value") not in (None, "", "none"):
            self._option = [a["value"], ""]
        for name in ("placeholder", "title", "aria-label"):
            if a.get(name):
                self.texts.append(a[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "pre"):
            self._hidden -= 1
        if tag in ("option", "label") and self._option:
            self.options.append((self._option[0], " ".join(self._option[1].split())))
            self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def _typed(node) -> set[str]:
    """Every text of the case data: what the user wrote may be shown as written ('decl_respondent')."""
    if isinstance(node, dict):
        return set().union(*(_typed(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_typed(v) for v in node)) if node else set()
    return {str(node)} if node not in (None, "") else set()


def _file_words(page: str, typed: set[str]) -> dict[str, set[str]]:
    shown = _Shown()
    shown.feed(page)
    bad: dict[str, set[str]] = {}
    for text in shown.texts:
        outside = text
        for value in sorted(typed, key=len, reverse=True):
            outside = outside.replace(value, "''")
        for name, pattern in PAGE_WORDS.items():
            if pattern.search(outside):
                bad.setdefault(text, set()).add(name)
    for value, words in shown.options:
        from_key = value.replace("_", " ")[:1].upper() + value.replace("_", " ")[1:]
        if words.strip().lower() == from_key.lower() and value not in typed:  # "starttls" as well as "Nta not filed"
            bad.setdefault(f"option {value}: {words}", set()).add("a label made from its key")
    return bad


def test_the_case_page_and_the_new_case_page_are_in_a_paralegals_words(tmp_path):
    import shutil

    root = tmp_path / "cases"
    api.new_case(root / "fresh")
    for sample in sorted(SAMPLES.glob("*/case.yaml")):
        shutil.copytree(sample.parent, root / sample.parent.name, ignore=shutil.ignore_patterns("out", "signed"))
    odd = load_file(root / "3-minimal" / "case.yaml").data
    odd["respondent"]["address"] = {"street": "1 Main St"}  # a shape the form cannot edit: shown read-only
    write_case(root / "odd", odd)
    c = client(root)
    pages = {"/new": set()}
    for case in sorted(p for p in root.iterdir() if p.is_dir()):
        pages[f"/case/{case.name}"] = _typed(load_file(case / "case.yaml").data) if (case / "case.yaml").exists() else set()
    assert len(pages) == 7
    pages["/"] = set().union(*pages.values(), {str(root)})  # the case list shows what was typed, and where
    bad = {}
    for url, typed in pages.items():
        page = c.get(url).text
        assert "<select" in page or url in ("/new", "/")  # the page is the form: a test that sees nothing cannot fail
        assert url != "/case/odd" or 'class="as-written"' in page
        bad.update({f"{url}: {text}": names for text, names in _file_words(page, typed).items()})
    assert bad == {}, "\n".join(f"{k}  <- {v}" for k, v in bad.items())


def test_the_page_check_sees_file_words_and_labels_made_from_keys():
    # the check above, on the phrases the walk-through met: it must catch each of them
    page = ('<div class="hint">Set it in the case file or once for the firm in the settings file</div>'
            '<div class="hint">The risks discussed, keys of the firm\'s list</div><div>A path relative to the case folder'
            '</div><select><option value="nta_not_filed">Nta not filed</option><option value="g28">G28</option></select>'
            '<div>g28, eoir_28 or disposition</div><label><input type="checkbox" value="eservice"> Eservice</label>')
    bad = _file_words(page, set())
    assert set(bad) == {"Set it in the case file or once for the firm in the settings file",
                        "The risks discussed, keys of the firm's list", "A path relative to the case folder",
                        "option nta_not_filed: Nta not filed", "option g28: G28", "g28, eoir_28 or disposition",
                        "option eservice: Eservice"}


def test_the_missing_g28_says_what_a_paralegal_can_do_in_the_web_app():
    """Walking the web app: "the firm's settings can hold the file and its fill mapping once", with no page for it
    (pdpacket ships no G-28 nor its fill mapping: the firm supplies both)."""
    from assembler.casefile.forms import missing_forms
    from helpers import minimal

    [(_path, message, _error)] = missing_forms({**minimal(), "attorney": {"name": "Ana Ruiz"}}, None)
    shown = html.unescape(str(plain.linked(message, "tenzin")))
    assert "fill mapping" not in shown and "settings" not in shown and wrong(shown) == []
    assert "ask the firm's administrator" in shown and "Forms" in shown
    # issue 26, the re-walk: done as said ("as an exhibit of the kind G-28"), the G-28 became the filing's last tab,
    # while a form goes right after the letter with no tab: the message points to the Forms section's "+ Add form"
    assert "exhibit" not in shown, shown
    linked = str(plain.linked(message, "tenzin"))
    assert '<a href="/case/tenzin#section-forms">the Forms section</a> with its \u201c+ Add form\u201d button' in linked
    page = client_page_add_form_label()
    assert "+ Add form" in page  # the button the message names reads so on the case page


def client_page_add_form_label() -> str:
    import tempfile

    root = Path(tempfile.mkdtemp())
    write_case(root / "c", minimal())
    return client(root).get("/case/c").text


def test_the_cli_still_says_where_the_g28_goes_in_the_case_file():
    from assembler.casefile.forms import missing_forms

    [(_path, message, _error)] = missing_forms({**minimal(), "attorney": {"name": "Ana Ruiz"}}, None)
    assert "`- kind: g28`" in message  # validate and the CLI keep pointing to forms:


def test_a_choice_still_to_make_names_no_key_as_its_example():
    # issue 26, the re-walk: a new form's Kind said "to fill, e.g. 'g28'" above a list reading "Form G-28 (...)"
    data = minimal()
    data["forms"] = [{"file": None}]
    found = {f.path: plain.plain(f.message) for f in api.check_case_data(Path("/c"), data, api.NO_OPTIONS, "case.yaml")}
    assert found["forms[0].kind"] == "to fill: choose one"
    # a text field keeps its example
    assert plain.plain("is required but missing: add it, e.g. title: 'Lease' (its line in the index)") == \
        "to fill, e.g. 'Lease'"


def test_the_build_pages_messages_link_its_own_approve_button_and_the_law_entry():
    # issue 26, the re-walk: on the Build page, "with the Approve button on the Build page"; the Law link opened
    # the Law page's top, not the rule
    approve = "not approved yet: an attorney reads it, then `pdpacket approve 'c' --as NAME`"
    on_build = str(plain.linked(approve, "c", "build"))
    assert 'with the <a href="#approval">Approve button on this page</a>' in on_build, on_build
    assert "on the Build page" not in on_build
    rebuild = str(plain.linked("the filing is older than the case: build again with `pdpacket build 'c'`", "c", "build"))
    assert 'on <a href="#build-form">this page</a>' in rebuild and "Build page" not in rebuild, rebuild
    elsewhere = str(plain.linked(approve, "c"))
    assert '<a href="/case/c/build#approval">Approve button on the Build page</a>' in elsewhere
    from datetime import date

    from assembler.casefile import law
    entries = {"citation.dismissal.immigration_judge": {"text": "8 C.F.R. § 1239.2(c)", "source": "eCFR"}}
    [warning] = law.warnings("case.yaml", list(entries), entries, date(2026, 12, 7), 12)
    shown = str(plain.linked(warning.message, "c", "build"))
    assert 'on the <a href="/law#citation.dismissal.immigration_judge">Law page</a>' in shown, shown


WEB_WORDS = re.compile(r"settings file|domain brief", re.I)


def test_no_page_of_the_web_app_speaks_of_a_settings_file_or_a_domain_brief(tmp_path):
    """Extends the rule above to whole pages: a paralegal has the Settings and Law pages, not a file."""
    from helpers import minimal, write_case

    copy_firm_settings(tmp_path)
    write_case(tmp_path / "tenzin", minimal(**{"attorney": {"name": "Ana Ruiz"}, "service.method": "email"}))
    c = client(tmp_path)
    for path in ("/", "/settings", "/law", "/templates", "/new", "/case/tenzin", "/case/tenzin/build",
                 "/case/tenzin/signatures", "/case/tenzin/record"):
        text = re.sub(r"<code>.*?</code>", "", c.get(path).text)  # the file's name, shown as a path, is a path
        assert not WEB_WORDS.search(text), (path, WEB_WORDS.search(text)[0])


def test_the_settings_pages_choices_are_in_words(tmp_path):
    # seen on the page after the Settings merge: the mail server's security offered "starttls", "tls", "none"
    copy_firm_settings(tmp_path)
    page = client(tmp_path).get("/settings").text
    assert "<select" in page
    bad = {k: v for k, v in _file_words(page, set()).items() if k.startswith("option ")}
    assert bad == {}


# --- every page in words: no file, path, key or research trail (brief words, the paralegal's walk) -----------

PATH_WORDS = {
    "a settings file's name": re.compile(r"pdpacket\.ya?ml|\.json\b", re.I),
    "a folder path": re.compile(r"(?:^|\s|\()(?:/|\.\.\./|…/)[\w.-]{2,}/"),  # not "/s/ Daniel Okafor"
    # (the exhibit file fields' examples, "exhibits/birth-certificate.pdf", are the branch picks' to reword)
    "a case folder's subfolder": re.compile(r"\b(?:responses|out/docx|exhibits|scans|signed)/"),
    "a law entry's key": re.compile(r"\b(?:bond|citation|court|policy|stage_rule)\.[a-z_]+"),
    "the project's research trail": re.compile(r"Not verified on \d|not among the stored pages|stored copies"),
    "name: value": re.compile(r"name: value"),
    "a backtick or code word": re.compile(r"`|<code>exhibits</code>"),
}


def _page_text(page: str) -> str:
    # the project's own note on a law entry is kept whole, folded under its own heading: not the page's words
    page = re.sub(r'<details class="project-note">.*?</details>', "", page, flags=re.S)
    shown = _Shown()
    shown.feed(page)
    return "\n".join(shown.texts)


def _path_words(text: str, root: Path) -> list[str]:
    found = [name for name, pattern in PATH_WORDS.items() if pattern.search(text)]
    return found + (["the cases folder's path"] if str(root) in text else [])


def test_no_page_names_a_file_a_path_or_a_key(tmp_path):
    from assembler.web.security import csrf_token
    from helpers import make_pdf, minimal, write_case
    from test_web_http import TOKEN

    copy_firm_settings(tmp_path)
    write_case(tmp_path / "tenzin", minimal(**{"attorney": {"name": "Ana Ruiz"}, "service.method": "mail",
                                               "custom": {"matter_number": "2026-0142"}}))
    c = client(tmp_path)
    api.log_sent(tmp_path / "tenzin", None, "hand")
    decision = make_pdf(tmp_path / "occ decision.pdf", text="Granted").read_bytes()
    r = c.post("/case/tenzin/record/answer", data={"csrf": csrf_token(TOKEN), "outcome": "granted",
                                                   "date": api.today().isoformat()},
               files={"decision": ("occ decision.pdf", decision, "application/pdf")})
    assert r.status_code == 303
    c.post("/law", data={"csrf": csrf_token(TOKEN), "key": "citation.termination.board", "checked_on": "2026-11-20",
                         "checked_by": "Ana Ruiz", "text": "", "source": ""})
    bad = {}
    # the re-walk (issue 26): the cases folder's path on the list, "exhibits/lease.pdf added" after an upload, the
    # exhibit files page and its confirmations named files by their path in the case folder
    make_pdf(tmp_path / "tenzin" / "exhibits" / "lease.pdf")
    uploaded = c.post("/case/tenzin/upload", data={"csrf": csrf_token(TOKEN)},
                      files={"files": ("Pay stub.pdf", make_pdf(tmp_path / "stub.pdf").read_bytes(), "application/pdf")})
    assert uploaded.status_code == 200 and "Pay-stub.pdf" in uploaded.text
    pages = {path: c.get(path) for path in (
        "/", "/settings", "/settings?saved=1", "/law", "/templates", "/new", "/case/tenzin", "/case/tenzin/build",
        "/case/tenzin/signatures", "/case/tenzin/record", r.headers["location"], "/case/tenzin/edits",
        "/case/tenzin/files", "/case/tenzin/files/delete?file=exhibits/lease.pdf",
        "/case/tenzin/files/rename?file=exhibits/lease.pdf", "/case/tenzin/court")}
    pages["upload"] = uploaded
    for path, page in pages.items():
        assert page.status_code == 200, path
        text = _page_text(page.text)
        if _path_words(text, tmp_path):
            bad[path] = [line for line in text.splitlines() if _path_words(line, tmp_path)]
    assert bad == {}, "\n".join(f"{k}: {v}" for k, v in bad.items())
    record = c.get("/case/tenzin/record").text
    assert re.search(r'<a href="/case/tenzin/file/responses/[^"]+">The decision \(granted\)', record)


def test_the_page_check_sees_paths_keys_and_the_research_trail():
    root = Path("/srv/cases")
    for line in ("Saved in /srv/cases/pdpacket.yaml", "see bond.present_without_admission", "as chosen by …/pdpacket.yaml",
                 "Not verified on 2026-12-07: the text was not among the stored pages", "One name: value a line",
                 "responses/2026-12-08_granted_occ.pdf", "(/root/.config/pdpacket/smtp-passwords.json)"):
        assert _path_words(line, root), line


def test_the_service_date_says_which_day_to_type_and_that_sending_dates_it():
    hints = {f.key: plain.hint(f.hint) for f in form.case_fields() if f.key == "service" for f in f.children}
    assert "sending it by e-mail dates" in hints["date"] and "recorded on the Record page dates them on the day entered there" in hints["date"]


def test_settings_say_the_mail_goes_from_the_attorneys_address(tmp_path):
    copy_firm_settings(tmp_path)
    page = client(tmp_path).get("/settings").text
    assert "sent from the attorney's e-mail address" in page


def test_the_law_page_puts_what_needs_a_check_first_and_the_firms_check_before_the_projects_note(tmp_path):
    from assembler.web.security import csrf_token
    from test_web_http import TOKEN

    c = client(tmp_path)
    r = c.post("/law", data={"csrf": csrf_token(TOKEN), "key": "citation.termination.board",
                             "checked_on": "2026-11-20", "checked_by": "Ana Ruiz", "text": "", "source": ""})
    assert r.status_code == 303
    page = c.get("/law").text
    entries = re.findall(r'<article class="[^"]*law-entry[^"]*" id="([^"]+)" data-needs-check="(\w+)"', page)
    assert len(entries) > 20
    flags = [needs for _key, needs in entries]
    assert flags == sorted(flags, key=lambda f: f != "yes") and "yes" in flags and "no" in flags
    board = page[page.index('id="citation.termination.board"'):]
    board = board[:board.index("</article>")]
    assert "Checked by Ana Ruiz on 2026-11-20" in board
    assert board.index("Checked by Ana Ruiz") < board.index("How the pdpacket project checked it")
    assert "written before the firm's check" in board
    assert "Not verified on 2026-12-07" in board  # the project's note, kept whole, folded
    pending = page[page.index('id="stage_rule.pending"'):]
    pending = pending[:pending.index("</article>")]
    assert '<a href="#citation.stay_of_removal.final_order">' in pending


def test_counts_are_proper_plurals(tmp_path):
    from helpers import DELETE, minimal, write_case

    write_case(tmp_path / "tenzin", minimal(**{"respondent.a_number": DELETE, "respondent.date_of_birth": DELETE,
                                               "service.method": "email"}))
    c = client(tmp_path)
    listing = c.get("/").text
    assert re.search(r"\b\d+ problems to fix", listing) and "(s)" not in listing


def test_the_immigration_history_warning_names_the_switch_as_it_reads():
    from assembler.casefile import sections  # noqa: F401  (the warning's own words)
    from helpers import DELETE, minimal

    messages = [f.message for f in api.check_case_data(Path("/c"), minimal(immigration_history=DELETE),
                                                       api.NO_OPTIONS, "case.yaml") if f.path == "immigration_history"]
    assert messages
    shown = [plain.plain(m) for m in messages]
    assert all('"No encounters with immigration known"' in s and '"none known"' not in s for s in shown), shown
    # every switch with its own words is named by them in the messages (the form reads them from the schema)
    def labels(fields):
        for f in fields:
            if f.none_label:
                yield f.key, f.none_label
            yield from labels(f.children)
    assert dict(labels(form.case_fields())) == plain._SWITCH


def test_the_case_list_asks_for_the_court_papers_after_a_grant_in_words(tmp_path):
    # the walk-throughs: "answered: granted", then nothing due above a hearing still on the calendar; the
    # list says what is due in the web app's words (its commands were shown as typed before)
    from datetime import date

    write_case(tmp_path / "c", minimal(**{"proceedings.next_hearing": {"date": "2027-03-09", "type": "master"}}))
    api.log_sent(tmp_path / "c", date(2026, 11, 2), "portal")
    api.log_response(tmp_path / "c", "granted", date(2026, 11, 20))
    page = html.unescape(re.sub(r"<[^>]+>", "", client(tmp_path).get("/").text))
    assert "the office agreed: prepare the court papers for the hearing on 2027-03-09" in page  # its page: test_web_court
    assert "pdpacket court" not in page and "`" not in page
    (tmp_path / "c" / "out").mkdir()
    (tmp_path / "c" / "out" / "court-manifest.json").write_text("{}")  # the attorney ran `pdpacket court`
    page = html.unescape(client(tmp_path).get("/").text)
    assert "the court papers were prepared on 2026-" in page and "(in /" not in page


def test_an_id_the_page_makes_from_its_title_is_not_marked_for_the_user_to_fill(tmp_path):
    # the web re-walk: "Id *", required, above "made from the title when left empty", with a hint allowing
    # letters, digits and - while the id made from an upload held an _
    import shutil

    shutil.copytree(SAMPLES / "1-garcia-lopez", tmp_path / "c", ignore=shutil.ignore_patterns("out", "signed"))
    page = client(tmp_path).get("/case/c").text
    for name in ("exhibits[0].id", "declarations[0].id"):
        at = page.index(f'name="{name}"')
        field = page[page.rindex('<div class="field', 0, at):page.index("</div>", at)]
        assert "req" not in field, field
    assert "- and _ only" in page and "Letters, digits and - only" not in page


def test_a_language_the_text_recognition_lacks_is_said_without_its_package_or_a_root_command():
    # the last web walk: "... Tesseract's data for vie is not installed, so OCR read it without: install it with
    # apt-get install tesseract-ocr-vie (as root) and build again" on the Build page
    from assembler.convert import ocr

    said = [ocr.INSTALL, "Tesseract", "tesseract-ocr", "as root", "vie", "OCR"]
    missing = ("exhibit birth (exhibits/giay-khai-sinh.pdf) is in Vietnamese, but Tesseract's data for vie is not "
               f"installed, so OCR read it without: install it with `{ocr.INSTALL} tesseract-ocr-vie` (as root) and "
               "build again")
    unknown = ("exhibit birth (exhibits/x.pdf): pdpacket knows no Tesseract language for 'Klingon', so OCR read it as "
               "English only: name its Tesseract code in the settings (ocr.languages: {Klingon: CODE})")
    for message in (missing, unknown):
        shown = plain.plain(message)
        assert [w for w in said if w in shown] == [] and "text recognition" in shown, shown


def test_the_forms_section_speaks_of_forms_not_of_custom_fields_or_keys(tmp_path):
    # issue 26, the re-walk: the Forms section's hint read "kind, file, and optionally fill", and its Fill box
    # carried the Custom fields' "e.g. Matter number: 2026-0142"
    write_case(tmp_path / "c", minimal(forms=[{"kind": "g28", "file": "forms/g28.pdf"}]))
    page = client(tmp_path).get("/case/c").text
    forms = page[page.index('id="section-forms"'):page.index('id="section-service"')]
    forms = re.sub(r"<template>.*?</template>", "", forms, flags=re.S)
    hints = [html.unescape(h) for h in re.findall(r'<div class="hint">([^<]*)</div>', forms)]
    assert hints and not [h for h in hints if "Matter number" in h or "optionally fill" in h or wrong(h)], hints
    assert any("right after the request letter" in h for h in hints), hints
    custom = page[page.index('id="section-custom"'):]
    assert "Matter number: 2026-0142" in custom  # the Custom fields keep their own example


def test_a_send_refused_names_the_mail_servers_security_in_words_and_an_entry_by_its_files_name():
    """The web walk: "not sent through 127.0.0.1:2591 (none)" (the setting's value), and an exhibit without a
    title captioned "exhibits/certidao-nascimento.pdf"."""
    from assembler.web import editor
    from assembler.web import form as web_form

    said = plain.plain("not sent through 127.0.0.1:2591 (none): the server refused the login of x (535 bad)")
    assert said.startswith("not sent through 127.0.0.1:2591, without encryption (no TLS): the server refused")
    exhibits = next(f for f in web_form.case_fields() if f.key == "exhibits")
    assert editor.item_caption(exhibits, {"file": "exhibits/certidao.pdf"}) == "certidao.pdf"
    assert editor.item_caption(exhibits, {"file": "exhibits/certidao.pdf", "title": "Birth certificate"}) == \
        "Birth certificate"
