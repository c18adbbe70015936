"""E-mail messages that carry a filing: RFC 5322, a plain-text body, an HTML alternative, PDFs.

Offices take requests by e-mail with PDF attachments only, and some delete
messages without a body; the body comes from the firm-editable `email.txt`
template. A filing over the office's message limit goes in numbered messages,
one part each, cut at exhibit boundaries by the same split as `--split`.

The same filing gives the same bytes: the MIME boundaries and the Message-ID
derive from the filing's SHA-256, and a draft's Date is the letter's date at
12:00 UTC unless the caller gives one.
"""
from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import jinja2
from pypdf import PdfReader

from assembler import workspace
from assembler.casefile.case import Case
from assembler.casefile.normalize import format_a_number, parse_date
from assembler.casefile.settings import Settings
from assembler.documents import choose, typography
from assembler.documents.context import build_context
from assembler.documents.plan import page_range, plan
from assembler.documents.render import make_environment
from assembler.errors import TemplateError
from assembler.output import filing_title
from assembler.pdf import split
from assembler.send import office
from assembler.send.built import Built
from assembler.vocab import MB

TEMPLATE_NAME = "email.txt"
HEADROOM = 64 * 1024  # headers and the two bodies, generously
POLICY = policy.SMTP  # CRLF line ends, as RFC 5322 wants them (in files too)


@dataclass
class Attachment:
    name: str
    data: bytes
    pages: int
    contents: list[str] = field(default_factory=list)  # what it holds, with the filing's page numbers


@dataclass
class Message:
    number: int
    total: int
    message: EmailMessage
    attachments: list[Attachment]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"]).strip()

    @property
    def recipients(self) -> list[str]:
        return [a.addr_spec for h in ("To", "Cc") for a in (self.message[h].addresses if self.message[h] else ())]

    def as_bytes(self) -> bytes:
        return self.message.as_bytes(policy=POLICY)


def encoded_size(raw: int) -> int:
    """Bytes of base64 as mail carries it: 4 for 3, a CRLF every 76 characters."""
    chars = 4 * -(-raw // 3)
    return chars + 2 * -(-chars // 76)


def raw_limit(limit_bytes: int) -> int:
    """The largest PDF whose message stays under `limit_bytes`."""
    return max(1, (limit_bytes - HEADROOM) * 3 // 4 * 76 // 78)


def attachments(built: Built, case: Case, limit_bytes: int) -> list[list[Attachment]]:
    """The attachments of each message: the filing whole, or its parts one a message."""
    data = built.filing.read_bytes()
    units = split.units_from_manifest(built.manifest)
    if encoded_size(len(data)) + HEADROOM <= limit_bytes:
        return [[Attachment(built.filing.name, data, built.manifest["filing"]["pages"], _contents(units))]]
    with workspace.workdir() as work:
        copy = work / built.filing.name
        shutil.copyfile(built.filing, copy)
        parts = split.split(copy, units, raw_limit(limit_bytes), filing_title(case.data))
        found = []
        for part in parts:
            reader = PdfReader(part)
            contents = [str(item.title) for item in reader.outline if not isinstance(item, list)][1:]
            found.append([Attachment(part.name, part.read_bytes(), len(reader.pages),
                                     _contents([u for u in units if u.title in contents]))])
        return found


def _contents(units: list[split.Unit]) -> list[str]:
    return [f"{u.title}, page{'s' if u.last > u.first else ''} {page_range(u.first, u.last)}" for u in units]


def default_subject(case: Case) -> str:
    r, p = case.respondent, case.proceedings
    hearing = (p.next_hearing or {}).get("date")
    # What the case does not give is left out (a missing hearing is not "no hearing set").
    bits = [r.full_name, format_a_number(r.a_number), p.court,
            f"next hearing {parse_date(hearing):%m/%d/%Y}" if hearing else None]
    return (("DETAINED - " if r.detained else "") + "Request for prosecutorial discretion: "
            + ", ".join(b for b in bits if b))


class Drafter:
    """Renders the subject and the body of one case's messages."""

    def __init__(self, case: Case, settings: Settings, templates_dir: Path | None = None):
        self.case, self.settings = case, settings
        _, tabs = plan(case.data, case.dir)
        self.context = build_context(case.data, case.office or {}, tabs, settings.decide_days, law=settings.law)
        # Plain text: the Word templates' sandboxed, strict environment and filters,
        # without HTML escaping (the HTML alternative escapes the finished text).
        self.env = make_environment(tabs).overlay(autoescape=False, trim_blocks=True, lstrip_blocks=True,
                                                  keep_trailing_newline=True)
        self.env.filters["lines"] = lambda v: "\n".join(map(str, v)) if isinstance(v, list | tuple) else str(v or "")
        self.template = self._find_template(templates_dir)

    def _find_template(self, templates_dir: Path | None) -> Path:
        for folder, _ in choose.folders(self.settings, self.case.data, templates_dir):
            if (folder / TEMPLATE_NAME).is_file():
                return folder / TEMPLATE_NAME
        raise TemplateError(f"no {TEMPLATE_NAME} template found: export the defaults or restore the file")

    def _render(self, source: str, name: str, extra: dict) -> str:
        try:
            return self.env.from_string(source).render({**self.context, **extra})
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{name}: {exc.message}: fix the variable's name (see `pdpacket templates vars`)") from exc
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateError(f"{name}: not allowed in a template: {exc}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{name}: {exc}") from exc

    def subject(self, number: int, total: int) -> str:
        # The office's own pattern ({name}, {a_number}: casefile/offices.py), else ours.
        text = typography.plain(self.context["office"].get("email_subject") or default_subject(self.case))
        text = " ".join(text.split())  # one line, whatever the data held
        return f"{text} ({number} of {total})" if total > 1 else text

    def body(self, number: int, total: int, attached: list[Attachment]) -> str:
        info = {"number": number, "total": total, "attachments": [
            {"name": a.name, "pages": a.pages, "size": f"{len(a.data) / MB:.1f} MB", "contents": a.contents}
            for a in attached]}
        try:
            source = self.template.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{self.template}: cannot be read ({exc}): save it as UTF-8 text") from exc
        # Plain hyphens and spaces: the filters keep A-numbers and dates unbroken in Word, but an
        # office searches its inbox for "A201-234-567".
        return typography.plain(self._render(source, f"template {self.template}", {"message": info}))


def as_html(text: str) -> str:
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in p.strip("\n").split("\n")) + "</p>"
                     for p in paragraphs)
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n<body style="font-family: sans-serif">\n{body}\n</body></html>\n'


def compose(case: Case, settings: Settings, built: Built, *, draft: bool, when: datetime | None = None,
            templates_dir: Path | None = None, marked: str | None = None) -> list[Message]:
    """The messages carrying `built`'s filing to the office (`draft`: marked unsent for a mail program).
    `marked`: a line that starts the subject and the body (an unsigned draft for internal review: not
    marked unsent either, so a mail program opens it to read, not to send)."""
    to = office.require_email_route(case, settings)
    drafter = Drafter(case, settings, templates_dir)
    limit_mb = office.attachment_limit_mb(case, settings)
    groups = attachments(built, case, int(limit_mb * MB))
    attorney = case.attorney
    domain = attorney.email_domain
    when = when or datetime.combine(parse_date(case.service.date), datetime.min.time().replace(hour=12),
                                    UTC)
    messages = []
    for number, attached in enumerate(groups, 1):
        total = len(groups)
        msg = EmailMessage(policy=POLICY)
        msg["From"] = Address(attorney.name, addr_spec=attorney.email)
        msg["To"] = Address(office.office_name(case), addr_spec=to)
        if office.cc(settings):
            msg["Cc"] = [Address(addr_spec=a) for a in office.cc(settings)]
        msg["Subject"] = f"{marked}: {drafter.subject(number, total)}" if marked else drafter.subject(number, total)
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = f"<pd-{built.sha256[:24]}-{number}of{total}@{domain}>"
        if draft and not marked:
            msg["X-Unsent"] = "1"  # Outlook, Apple Mail, Thunderbird open it as a draft to send
        text = f"{marked}\n\n{drafter.body(number, total, attached)}" if marked else drafter.body(number, total, attached)
        msg.set_content(text)
        msg.add_alternative(as_html(text), subtype="html")
        for a in attached:
            msg.add_attachment(a.data, maintype="application", subtype="pdf", filename=a.name)
        size = len(msg.as_bytes(policy=POLICY))
        if size > limit_mb * MB:
            raise TemplateError(f"message {number} of {total} is {size / MB:.2f} MB, over the office's "
                                f"{limit_mb:g} MB: the e-mail body is too long; shorten {drafter.template.name}")
        for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
            part.set_boundary(f"=_pdpacket_{built.sha256[:16]}_{number}_{i}")
        messages.append(Message(number, total, msg, attached))
    return messages


def draft_names(filing: Path, total: int, suffix: str = "") -> list[str]:
    """The drafts' file names; `suffix` tells an unsigned draft's apart (_UNSIGNED-DRAFT)."""
    if total == 1:
        return [f"{filing.stem}{suffix}.eml"]
    return [f"{filing.stem}{suffix}_{n}of{total}.eml" for n in range(1, total + 1)]


def date_of(value: str | date | None) -> datetime | None:
    """A --date given by the user: a day (at 12:00 UTC) or an ISO time."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        value = date.fromisoformat(value.strip())
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time().replace(hour=12), UTC)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
