"""Fill the Word templates: docxtpl in a sandboxed, strict, autoescaping Jinja.

Autoescape keeps `Smith & Sons <Ltd>` as typed (without it docxtpl silently drops
the paragraph); StrictUndefined turns a misspelled variable into an error naming
the template instead of a blank in a filing; the sandbox keeps templates away
from Python internals.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, Listing
from jinja2.sandbox import SandboxedEnvironment

from assembler.errors import TemplateError
from assembler.normalize import format_a_number, parse_date

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def longdate(value) -> str:
    if not value:
        return ""
    d = parse_date(str(value))
    return f"{d:%B} {d.day}, {d.year}"


def paragraphs(text) -> list[str]:
    """Blank lines separate paragraphs; single line breaks inside one are spaces."""
    if not text:
        return []
    blocks = [b for b in str(text).replace("\r\n", "\n").split("\n\n")]
    return [" ".join(line.strip() for line in b.splitlines() if line.strip()) for b in blocks if b.strip()]


def lines(value) -> Listing:
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(v) for v in value)
    return Listing(str(value or ""))


def make_environment(tabs: dict[str, str]) -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)

    def cite(ids) -> str:
        order = list(tabs)
        letters = [tabs[i] for i in sorted({i for i in (ids or []) if i in tabs}, key=order.index)]
        if not letters:
            return ""
        return f" (Tab{'s' if len(letters) > 1 else ''} {', '.join(letters)})"

    env.filters.update(longdate=longdate, a_number=format_a_number, lines=lines, paragraphs=paragraphs,
                       cite=cite, tab=lambda i: tabs.get(i, ""))
    return env


def render(template: Path, context: dict, env: SandboxedEnvironment, out: Path, title: str,
           author: str, signature_image: Path | None = None) -> Path:
    try:
        tpl = DocxTemplate(str(template))
        ctx = dict(context)
        if signature_image is not None and "attorney" in ctx:
            ctx["attorney"] = {**ctx["attorney"], "signature_image": InlineImage(tpl, str(signature_image),
                                                                                  height=Mm(14))}
        tpl.render(ctx, jinja_env=env, autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {template.name}: {exc.message}: fix the variable's name in the "
                            "template (see `pdpacket templates vars`)") from exc
    except jinja2.TemplateSyntaxError as exc:
        around = " ".join(t.strip() for t in getattr(exc, "docx_context", []) if t.strip())[:160]
        raise TemplateError(f"template {template.name}: {exc.message}"
                            + (f", near: {around!r}" if around else "")) from exc
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"template {template.name}: not allowed in a template: {exc}") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"template {template.name}: {exc}") from exc
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise TemplateError(f"template {template.name} cannot be used: {exc}") from exc
    # Set after rendering: autoescape would double-escape them through Jinja.
    props = tpl.docx.core_properties
    props.title, props.author, props.last_modified_by = title, author, "pdpacket"
    buffer = io.BytesIO()
    tpl.save(buffer)
    out.write_bytes(_fixed_timestamps(buffer.getvalue()))
    return out


def _fixed_timestamps(docx: bytes) -> bytes:
    """Zip entries carry the time of saving; fix it so the same input gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
