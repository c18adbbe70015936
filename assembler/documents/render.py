"""Fill the Word templates: docxtpl in a sandboxed, strict, autoescaping Jinja.

Autoescape keeps `Smith & Sons <Ltd>` as typed (without it docxtpl silently drops
the paragraph); StrictUndefined turns a misspelled variable into an error naming
the template instead of a blank in a filing; the sandbox keeps templates away
from Python internals.
"""
from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import jinja2.meta
from docx import Document
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, Listing
from jinja2.sandbox import SandboxedEnvironment

from assembler import kept
from assembler.casefile.limits import DOC_PROPERTY_MAX
from assembler.casefile.normalize import paragraphs as split_paragraphs
from assembler.documents import typography
from assembler.errors import TemplateError
from assembler.private import write_docx_package

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


longdate = typography.longdate


def paragraphs(text: Any) -> list[str]:
    """Blank lines separate paragraphs; single line breaks inside one are spaces (normalize.paragraphs)."""
    return split_paragraphs(text)


def lines(value: Any) -> Listing:
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(v) for v in value)
    return Listing(str(value or ""))


# Compiled template parts, by their source: docxtpl asks Jinja to compile the XML of a
# template's body, headers and footers on every render, which is most of a render's time
# when one template makes many documents (declarations, certificates, a batch).
_COMPILED: OrderedDict[tuple, CodeType] = OrderedDict()
_COMPILED_MAX = 256  # template parts, not cases: a firm has a few dozen
_COMPILED_LOCK = threading.Lock()


class _DocumentEnvironment(SandboxedEnvironment):
    """The templates' environment; compiles each distinct source once per process.

    The code Jinja generates depends on the source, the autoescape setting and which
    filters exist (with how they are called), not on what the filters do: so the key."""

    kept_key: dict | None = None  # set by make_environment: the tabs its filters cite (render's kept key)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:  # Jinja's signature
        if self.overlayed or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = (source, self.autoescape,
               tuple(sorted((name, getattr(f, "jinja_pass_arg", None)) for name, f in self.filters.items())))
        with _COMPILED_LOCK:
            code = _COMPILED.get(key)
            if code is not None:
                _COMPILED.move_to_end(key)
        if code is None:
            code = self.compile(source)
            with _COMPILED_LOCK:
                _COMPILED[key] = code
                if len(_COMPILED) > _COMPILED_MAX:
                    _COMPILED.popitem(last=False)
        return self.template_class.from_code(self, code, self.make_globals(globals))


def make_environment(tabs: dict[str, str]) -> SandboxedEnvironment:
    env = _DocumentEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)

    def cite(ids: Any) -> str:
        order = list(tabs)
        letters = [tabs[i] for i in sorted({i for i in (ids or []) if i in tabs}, key=order.index)]
        if not letters:
            return ""
        return f" ({typography.tabs_text(letters)})"

    env.filters.update(longdate=longdate, words=typography.in_words, a_number=typography.a_number, lines=lines, paragraphs=paragraphs,
                       cite=cite, tab=lambda i: tabs.get(i, ""), sentence=typography.sentence)
    env.kept_key = dict(tabs)  # what, besides pdpacket's code, its filters give: part of a kept render's key
    return env


# Some writers (older LibreOffice among them) relate the core properties with
# the transitional relationship type; python-docx does not recognise it, adds a
# second docProps/core.xml, and Word then calls the file corrupt.
_CORE_PROPS_ALT = b"http://schemas.openxmlformats.org/officedocument/2006/relationships/metadata/core-properties"
_CORE_PROPS = b"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"


class _Template(DocxTemplate):
    """docxtpl, minus its rendering of the document properties: it compiles a Jinja
    template for each of them on every render, and escapes them twice (see the
    pitfalls); pdpacket sets title and author itself after rendering.

    And each render starts from a copy of the template read once per process
    (python-docx parses every part of a package: a copy of the parsed package is
    about twice as fast, and a case renders one template many times)."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.data = data

    def init_docx(self, reload: bool = True) -> None:
        docx, rendered = getattr(self, "docx", None), getattr(self, "is_rendered", False)
        if not docx or (rendered and reload):
            self.docx = _fresh_document(self.data)
            self.is_rendered = False

    def render_properties(self, context: dict, jinja_env: Any = None) -> None:
        return None


# Parts no render changes (docxtpl fills the body, headers, footers and footnotes;
# pdpacket sets the core properties): a render's copy shares them with the parsed
# template instead of copying them (a copy then costs 0.3 ms, not 5).
_UNCHANGED = {f"application/vnd.openxmlformats-officedocument.{kind}+xml" for kind in (
    "wordprocessingml.styles", "wordprocessingml.settings", "wordprocessingml.webSettings",
    "wordprocessingml.fontTable", "wordprocessingml.numbering", "theme", "extended-properties")} | {
    "application/vnd.ms-word.stylesWithEffects+xml"}

# template bytes -> (its python-docx Document, never changed; the parts copies share). Per
# thread: shared parts are only read, but lxml wants a tree used by one thread at a time.
_PARSED: OrderedDict[tuple[int, bytes], tuple[Any, list]] = OrderedDict()
_PARSED_MAX = 32
_PARSED_LOCK = threading.Lock()


def _fresh_document(data: bytes) -> Any:
    key = (threading.get_ident(), data)
    with _PARSED_LOCK:
        found = _PARSED.get(key)
        if found is not None:
            _PARSED.move_to_end(key)
    if found is None:
        parsed = Document(io.BytesIO(data))
        found = (parsed, [p for p in parsed.part.package.iter_parts() if p.content_type in _UNCHANGED])
        with _PARSED_LOCK:
            _PARSED[key] = found
            if len(_PARSED) > _PARSED_MAX:
                _PARSED.popitem(last=False)
    parsed, shared = found
    return copy.deepcopy(parsed, {id(p): p for p in shared})


def load_template(path: Path | bytes) -> DocxTemplate:
    """A DocxTemplate of `path` (or of a template's bytes), read into memory (the file itself is never changed)."""
    data = path if isinstance(path, bytes) else Path(path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = z.read("_rels/.rels") if "_rels/.rels" in z.namelist() else b""
        if _CORE_PROPS_ALT in rels:
            data = _zip([(i.filename, z.read(i.filename).replace(_CORE_PROPS_ALT, _CORE_PROPS)
                          if i.filename == "_rels/.rels" else z.read(i.filename)) for i in z.infolist()], True)
    return _Template(data)


def render(template: Path, context: dict, env: SandboxedEnvironment, out: Path, title: str,
           author: str, signature_image: Path | None = None, compress: bool = True) -> Path:
    """Render `template` into `out`. `compress=False` for documents only LibreOffice reads (faster).

    A render is a function of the template's bytes, the context, the environment's filters (the tabs),
    the title, the author, the signature image and `compress`: the bytes are kept between builds
    (kept.py) under all of them, so a rebuild renders only the documents whose inputs changed (sample 1's
    24 renders take about 0.25 s). A context holding anything but plain data (text, numbers, true/false,
    none, lists and mappings with text keys) is rendered every time: its key could not be exact."""
    inputs = _render_inputs(template, context, env, title, author, signature_image, compress)
    if inputs is None:
        data = _rendered(template, context, env, title, author, signature_image, compress)
    else:
        data = kept.remember("render", inputs, lambda: _rendered(template, context, env, title, author,
                                                                  signature_image, compress))
    out.write_bytes(data)
    return out


class _NotPlain(Exception):
    pass


def _plain(value: Any) -> Any:
    """`value` as JSON that tells every plain type apart (a tuple from a list, 1.0 from 1); _NotPlain for
    anything else. Exact types: a str subclass (Jinja's Markup) renders otherwise than a str."""
    kind = type(value)
    if value is None or kind in (str, bool, int):
        return value
    if kind is float:
        return {"f": repr(value)}
    if kind is dict:
        if any(type(k) is not str for k in value):
            raise _NotPlain
        return {"d": [[k, _plain(v)] for k, v in value.items()]}  # in order: a template may loop over it
    if kind in (list, tuple):
        return {"l" if kind is list else "t": [_plain(v) for v in value]}
    raise _NotPlain


def _render_inputs(template: Path, context: dict, env: SandboxedEnvironment, title: str, author: str,
                   signature_image: Path | None, compress: bool) -> list[bytes | str] | None:
    """The key of a kept render, or None when it cannot be exact (an environment of another maker, a
    context with other than plain data, a file that cannot be read: the render says what is wrong)."""
    filters = getattr(env, "kept_key", None)
    if filters is None or not kept.active() or env.overlayed or env.autoescape is not True:  # not make_environment's as it made it
        return None
    try:
        data = template.read_bytes()
        names = _names_read(data, env)
        if names is not None:  # only what the template reads: a change elsewhere renders it not again
            context = {"read": {k: context[k] for k in names if k in context},
                       "absent": [k for k in names if k not in context]}
        encoded = json.dumps(_plain({"context": context, "filters": filters}), ensure_ascii=False,
                             separators=(",", ":"))
        image = signature_image.read_bytes() if signature_image is not None else b"no image"
    except (_NotPlain, OSError):
        return None
    return [data, encoded, title, author, image, f"compress {compress}", kept.library("docxtpl"),
            kept.library("docx"), kept.library("jinja2"), kept.library("lxml")]


_TEMPLATE_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")


# The names each template reads, by the sha256 of its bytes, for the process (as kept.py keeps them between
# commands): the approval's key and the staleness check read every template of a case, and a command or
# the web app's pages ask again for the same bytes.
_NAMES: OrderedDict[bytes, tuple[str, ...] | None] = OrderedDict()
_NAMES_MAX = 64
_NAMES_LOCK = threading.Lock()


def _names_read(data: bytes, env: SandboxedEnvironment) -> list[str] | None:
    """The top-level context names the template reads (in its body, headers and footers),
    sorted; None when a tag stands in another part (a footnote: docxtpl renders it, the names miss it) or
    the template does not open: the whole context is the key then. Which names a template reads depends on
    its bytes alone (`env`: only for its filters to be known when the names are found)."""
    key = hashlib.sha256(data).digest()
    with _NAMES_LOCK:
        known = key in _NAMES
        found = _NAMES.get(key)
    if not known:
        names = _names_found(data, env)
        found = tuple(names) if names is not None else None
        with _NAMES_LOCK:
            _NAMES[key] = found
            while len(_NAMES) > _NAMES_MAX:
                _NAMES.popitem(last=False)
    return list(found) if found is not None else None


def _names_found(data: bytes, env: SandboxedEnvironment) -> list[str] | None:
    def tags_elsewhere() -> bool:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return any(n.endswith(".xml") and not _TEMPLATE_PARTS.fullmatch(n)
                           and (b"{{" in (part := z.read(n)) or b"{%" in part) for n in z.namelist())
        except (zipfile.BadZipFile, OSError, KeyError):
            return True

    def names() -> list[str] | None:
        if tags_elsewhere():
            return None
        try:  # each part parsed alone, as docxtpl renders it: a name one part sets is still read in another
            tpl = DocxTemplate(io.BytesIO(data))
            tpl.init_docx()
            parts = [tpl.get_xml()] + [tpl.get_part_xml(part) for uri in (tpl.HEADER_URI, tpl.FOOTER_URI)
                                       for _, part in tpl.get_headers_footers(uri)]
            return sorted(set().union(*(jinja2.meta.find_undeclared_variables(env.parse(tpl.patch_xml(xml)))
                                        for xml in parts)))
        except Exception:  # noqa: BLE001 - a template that does not parse: the render says what is wrong
            return None

    return kept.remember_json("template names read", [data], names)


def names_read(template: Path) -> list[str] | None:
    """The top-level context names a template reads, or None when that cannot be known (see _names_read)."""
    return _names_read(template.read_bytes(), make_environment({}))


def _rendered(template: Path, context: dict, env: SandboxedEnvironment, title: str, author: str,
              signature_image: Path | None, compress: bool) -> bytes:
    try:
        tpl = load_template(template)
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
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise TemplateError(f"template {template.name} cannot be used: {exc}") from exc
    # Set after rendering: autoescape would double-escape them through Jinja.
    props = tpl.docx.core_properties
    props.title, props.author, props.last_modified_by = _property(title), _property(author), "pdpacket"
    return _package_bytes(tpl, compress)


def _property(text: str) -> str:
    """`text` cut to what Word (and python-docx) take in a document property. Only the file's
    properties see the cut: the document itself shows the whole name or title, and refusing a
    long but real title for a field nobody reads would stop the build for nothing."""
    return text if len(text) <= DOC_PROPERTY_MAX else text[: DOC_PROPERTY_MAX - 1].rstrip() + "\u2026"


class _Members:
    """Collects what python-docx would write into its zip, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.items.append((pack_uri.membername, blob))


def _package_bytes(tpl: DocxTemplate, compress: bool) -> bytes:
    """The .docx with fixed zip timestamps, so the same input gives the same bytes.

    python-docx stamps each zip entry with the time of saving and compresses
    everything; writing the package ourselves fixes the time and compresses
    once (or not at all for documents only LibreOffice reads).
    """
    if tpl.pics_to_replace or tpl.crc_to_new_media or tpl.crc_to_new_embedded or tpl.zipname_to_replace:
        buffer = io.BytesIO()
        tpl.save(buffer)  # docxtpl's own media replacement needs its save path
        return _rezip(buffer.getvalue(), compress)
    members = _Members()
    write_docx_package(members, tpl.docx.part.package)
    return _zip(members.items, compress)


def _zip(items: Iterable[tuple[str, bytes]], compress: bool) -> bytes:
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    items = list(items)
    last = {name: i for i, (name, _) in enumerate(items)}  # of a duplicated name, the last written wins
    with zipfile.ZipFile(out, "w", method) as dst:
        for i, (name, blob) in enumerate(items):
            if last[name] != i:
                continue
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            dst.writestr(info, blob)
    return out.getvalue()


def _rezip(docx: bytes, compress: bool) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx))
    return _zip([(i.filename, src.read(i.filename)) for i in src.infolist()], compress)
