"""Firm-wide settings: where they are looked up, and what they hold.

Lookup order (the first file found is used, whole):
  1. --settings FILE on the command line
  2. the file named by the PDPACKET_SETTINGS environment variable
  3. pdpacket.yaml in the folder that holds the case folder (a firm's or clinic's cases folder)
  4. $XDG_CONFIG_HOME/pdpacket/settings.yaml (default ~/.config/pdpacket/settings.yaml)
With none, the built-in defaults apply.
"""
from __future__ import annotations

import copy
import hashlib
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path

from assembler import resources
from assembler.casefile import law as law_data
from assembler.casefile import limits
from assembler.casefile import offices as office_profiles
from assembler.casefile.examples import is_under
from assembler.casefile.lookup import SETTINGS_FILE_NAME, find_settings_file  # noqa: F401 - part of this module's face
from assembler.casefile.read import load_file
from assembler.casefile.schema import SchemaCheck
from assembler.errors import Finding, InvalidSettingsError, errors_of
from assembler.vocab import Severity


@dataclass
class Settings:
    path: Path | None = None
    attorney: dict = field(default_factory=dict)
    page_numbers: dict = field(default_factory=dict)
    templates: Path | None = None
    template_sets: dict = field(default_factory=dict)  # name -> folder
    offices: dict = field(default_factory=dict)
    soffice_path: str | None = None
    soffice_timeout: int = 180
    soffice_server: str | None = None  # host:port of a running `pdpacket convert-server`
    soffice_token: str | None = None
    size_limit_mb: float = 25.0
    deadline: int = 900  # seconds a whole build may take (stopping.limit)
    cache_mb: float = 500  # the bound of the cache of converted PDFs (convert/cache.py)
    keeper_idle_minutes: float = 10  # a LibreOffice kept between commands this long (convert/keeper.py); 0: none
    pdfa: str = "2b"  # the filing is made PDF/A-2b (pdf/pdfa.py); "off": a plain PDF
    decide_days: int = 7  # a detained case asks for a decision this many days after the request is sent
    # The legal rules (casefile/law.py): the shipped entries with the firm's over them, what the firm
    # changed (key -> fields), and the age in months past which a build warns about an entry.
    law: dict = field(default_factory=lambda: law_data.merge(None, None)[0])
    law_changed: dict = field(default_factory=dict)
    law_stale_after_months: int = law_data.STALE_AFTER_MONTHS
    deprecated: list[Finding] = field(default_factory=list)  # settings still read under an old name
    # Sending and following up (assembler/send/): read through assembler/send/office.py.
    email: dict = field(default_factory=dict)
    smtp: dict = field(default_factory=dict)
    ledger_path: Path | None = None
    follow_up: dict = field(default_factory=dict)
    forms: dict = field(default_factory=dict)  # kind -> {file (absolute), file_named, title, fill}
    courts: dict = field(default_factory=dict)  # the shipped court directory and the firm's additions
    consent_risks: dict = field(default_factory=lambda: resources.data("consent_risks"))  # key -> what it means
    require_consent: bool = True  # `pdpacket send` refuses a case that records no consent
    legend: bool = True  # the confidentiality legend, where a case needs one (documents/confidential.py)
    # OCR of scanned exhibits (convert/ocr.py): on or off, seconds per page, the firm's extra language names.
    ocr: bool = True
    ocr_page_timeout: float = 120
    ocr_languages: dict = field(default_factory=dict)
    image_dpi: int = 300  # exhibits' images finer than this on their page are downsampled (convert/exhibits.py, compress.py)
    jpeg_quality: int = 85
    attorneys: list[str] = field(default_factory=list)  # who may approve a filing (pdpacket approve); []: anyone
    # The approved filing's digital signature (pdf/pades.py): the PKCS#12 file (absolute), None: not signed.
    signing_pkcs12: Path | None = None
    signing_password_env: str = "PDPACKET_SIGNING_PASSWORD"


def _settings_schema() -> dict:
    schema = copy.deepcopy(resources.load_schema("settings"))
    attorney = copy.deepcopy(resources.load_schema("case")["attorney"]["schema"])
    for rules in attorney.values():
        rules.pop("required", None)
    schema["attorney"]["schema"] = attorney
    return schema


_CHECK: SchemaCheck | None = None


def _check() -> SchemaCheck:
    global _CHECK
    if _CHECK is None:
        _CHECK = SchemaCheck(_settings_schema())
    return _CHECK


# Settings checked in this process: (the file's path, the sha256 of its bytes) -> the Settings made of them.
# Most commands, and every page of the web app, read the settings again; checking them is the slow part
# (10 ms), and what they hold depends on nothing else (the shipped data are read once a process; the
# folder, for the length of paths, is in the path). Only what passed is kept, pickled: each caller gets
# a copy of its own (unpickled in 0.1 ms; a deep copy of the offices alone took 1 ms).
_CHECKED: dict[tuple[str, str], bytes] = {}
_CHECKED_MAX = 16
_CHECKED_LOCK = threading.Lock()
_NO_FILE = ("", "")


def _remembered(key: tuple[str, str]) -> Settings | None:
    with _CHECKED_LOCK:
        found = _CHECKED.get(key)
    return pickle.loads(found) if found is not None else None  # only what _remember pickled


def _remember(key: tuple[str, str], settings: Settings) -> Settings:
    kept = pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL)
    with _CHECKED_LOCK:
        _CHECKED.pop(key, None)
        _CHECKED[key] = kept
        while len(_CHECKED) > _CHECKED_MAX:
            del _CHECKED[next(iter(_CHECKED))]  # the oldest
    return settings


def load_settings(explicit: Path | None = None, case_dir: Path | None = None) -> Settings:
    path = find_settings_file(explicit, case_dir)
    if path is None:
        found = _remembered(_NO_FILE)
        if found is not None:
            return found
        doc, _ = _check().run({}, "settings", {})
        return _remember(_NO_FILE, _from_document(None, doc, office_profiles.merge(
            copy.deepcopy(resources.data("offices")), {})))
    if not path.is_file():
        raise InvalidSettingsError([Finding(str(path), "", "settings file not found: check the path")],
                                   f"settings file not found: {path}")
    try:
        raw: bytes | None = path.read_bytes()
    except OSError:
        raw = None  # load_file says why
    if raw is None:
        return _checked(path, None)
    key = (str(path), hashlib.sha256(raw).hexdigest())
    return _remembered(key) or _remember(key, _checked(path, raw))


def _checked(path: Path, raw: bytes | None) -> Settings:
    """The settings file `path`, whose bytes are `raw` (None: read them), checked."""
    loaded = load_file(path, raw=raw)
    problems = errors_of(loaded.problems)
    if not problems and not isinstance(loaded.data, dict):
        problems.append(Finding(str(path), "", "the settings file must be a mapping of fields"))
    if problems:
        raise InvalidSettingsError(problems)
    assert isinstance(loaded.data, dict)
    renamed = office_profiles.renamed_fields(loaded.data, str(path), loaded.lines)
    smtp = loaded.data.get("smtp")
    if isinstance(smtp, dict) and "password" in smtp:
        raise InvalidSettingsError([Finding(str(path), "smtp.password", "a password is never read from the settings "
                                            "file: remove it, and put it in the environment variable named by "
                                            "smtp.password_env (default PDPACKET_SMTP_PASSWORD) or in the system "
                                            "keyring (`keyring set pdpacket-smtp USER`)",
                                            line=loaded.lines.get("smtp.password"))])
    signing = loaded.data.get("signing")
    if isinstance(signing, dict) and "password" in signing:
        raise InvalidSettingsError([Finding(str(path), "signing.password", "a password is never read from the "
                                            "settings file: remove it, and put the certificate's password in the "
                                            "environment variable named by signing.password_env (default "
                                            "PDPACKET_SIGNING_PASSWORD)", line=loaded.lines.get("signing.password"))])
    # Values over a limit (a line break in an office's name would end up in an e-mail header) are
    # reported, and left out of what the schema checks.
    checked = limits.check(loaded.data, limits.SETTINGS, _check().schema, str(path), loaded.lines, path.parent)
    assert isinstance(checked.data, dict)
    doc, problems = _check().run(checked.data, str(path), loaded.lines)
    problems = checked.findings + [p for p in problems if not any(is_under(p.path, r) for r in checked.refused)]
    if renamed:  # their own message says more than "unknown field"
        problems = renamed + [p for p in problems if p.path not in {r.path for r in renamed}]
    if problems:
        raise InvalidSettingsError(problems)
    offices = office_profiles.merge(copy.deepcopy(resources.data("offices")), doc.get("offices") or {})
    problems = office_profiles.problems(offices, str(path))
    problems += law_data.merge((doc.get("law") or {}).get("entries"), str(path))[2]
    if problems:
        raise InvalidSettingsError(problems)
    return _from_document(path, doc, offices)


def _from_document(path: Path | None, doc: dict, offices: dict) -> Settings:
    templates = doc.get("templates")
    if templates and path is not None and not Path(templates).is_absolute():
        templates = path.parent / templates
    sets = {name: (path.parent / folder if path is not None and not Path(folder).is_absolute() else Path(folder))
            for name, folder in (doc.get("template_sets") or {}).items()}
    ledger = (doc.get("ledger") or {}).get("path")
    law_entries, law_changed, _ = law_data.merge((doc.get("law") or {}).get("entries"), str(path))
    if ledger and path is not None and not Path(ledger).is_absolute():
        ledger = path.parent / ledger
    return Settings(
        path=path,
        template_sets=sets,
        attorney={k: v for k, v in (doc.get("attorney") or {}).items() if v is not None},
        page_numbers=doc.get("page_numbers") or {},
        templates=Path(templates) if templates else None,
        offices=offices,
        soffice_path=(doc.get("soffice") or {}).get("path"),
        soffice_timeout=(doc.get("soffice") or {}).get("timeout", 180),
        soffice_server=(doc.get("soffice") or {}).get("server"),
        soffice_token=(doc.get("soffice") or {}).get("token"),
        size_limit_mb=(doc.get("filing") or {}).get("size_limit_mb", 25.0),
        deadline=(doc.get("filing") or {}).get("deadline", 900),
        cache_mb=(doc.get("cache") or {}).get("converted_mb", 500),
        keeper_idle_minutes=(doc.get("keeper") or {}).get("idle_minutes", 10),
        pdfa=(doc.get("filing") or {}).get("pdfa", "2b"),
        decide_days=_decide_days(doc.get("detained") or {}),
        law=law_entries,
        law_changed=law_changed,
        law_stale_after_months=(doc.get("law") or {}).get("stale_after_months", law_data.STALE_AFTER_MONTHS),
        deprecated=_deprecated(path, doc),
        email=doc.get("email") or {},
        smtp=doc.get("smtp") or {},
        ledger_path=Path(ledger) if ledger else None,
        follow_up=doc.get("follow_up") or {},
        forms=_firm_forms(path, doc.get("forms") or {}),
        courts=_courts(doc.get("courts") or {}),
        consent_risks=(doc.get("consent") or {}).get("risks") or dict(resources.data("consent_risks")),
        require_consent=(doc.get("send") or {}).get("require_consent", True),
        legend=(doc.get("confidentiality") or {}).get("legend", True),
        ocr=(doc.get("ocr") or {}).get("enabled", True),
        ocr_page_timeout=(doc.get("ocr") or {}).get("page_timeout", 120),
        ocr_languages=(doc.get("ocr") or {}).get("languages") or {},
        image_dpi=(doc.get("images") or {}).get("dpi", 300),
        jpeg_quality=(doc.get("images") or {}).get("jpeg_quality", 85),
        attorneys=list((doc.get("approval") or {}).get("attorneys") or []),
        signing_pkcs12=_beside(path, (doc.get("signing") or {}).get("pkcs12")),
        signing_password_env=(doc.get("signing") or {}).get("password_env") or "PDPACKET_SIGNING_PASSWORD",
    )


def _beside(path: Path | None, name: str | None) -> Path | None:
    """A file the settings name, relative to the settings file."""
    if not name:
        return None
    return path.parent / name if path is not None and not Path(name).is_absolute() else Path(name)


def _decide_days(detained: dict) -> int:
    """Days after sending that a detained case asks a decision by. The old setting counted back from
    the hearing; its number is read as the new one (with a warning, _deprecated)."""
    for name in ("decide_within_days", "decide_days_before_hearing"):
        if detained.get(name) is not None:
            return max(int(detained[name]), 1)
    return 7


def _deprecated(path: Path | None, doc: dict) -> list[Finding]:
    detained = doc.get("detained") or {}
    if detained.get("decide_days_before_hearing") is None:
        return []
    return [Finding(str(path), "detained.decide_days_before_hearing",
                    "is deprecated: a detained case's decision date is now counted from the day the request is "
                    "sent, not back from the hearing (which could leave the client detained for weeks); pdpacket "
                    f"read it as decide_within_days: {_decide_days(detained)}. Rename it to decide_within_days",
                    Severity.warning)]


def _firm_forms(path: Path | None, forms: dict) -> dict:
    """The firm's forms per kind, each file made absolute (relative to the settings file)."""
    out = {}
    for kind, entry in forms.items():
        file = Path(entry["file"])
        if path is not None and not file.is_absolute():
            file = path.parent / file
        out[kind] = {**entry, "file": str(file), "file_named": entry["file"]}
    return out


def _courts(own: dict) -> dict:
    courts = copy.deepcopy(resources.data("courts"))
    for key, court in own.items():
        courts[key] = {**courts.get(key, {}), **{k: v for k, v in court.items() if v is not None}}
    return courts
