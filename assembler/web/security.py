"""What keeps a local server private: the access token, CSRF checks, and paths that stay inside the cases folder.

A server on 127.0.0.1 is still reachable by every local user and, through the
browser, by any web page the paralegal opens. So (as Jupyter does) every request
needs the random token printed at start: in the URL the first time, then in a
cookie. Every POST also carries a CSRF token tied to it, and comes from this
origin. Pages send headers that stop them from being framed by other sites.

Before any of that, a request must name this server in its Host header: the address
it listens on, with its port (localhost too on a loopback address), or a name given
with --allow-host. A web page that points a name of its own at 127.0.0.1 (DNS
rebinding) is then its own origin, and gets 400 whatever cookie it holds.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'; "
                               "form-action 'self'; base-uri 'none'",
    "x-frame-options": "SAMEORIGIN",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # with no-referrer, Chrome sends `Origin: null` on form posts
    "cache-control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(token: str) -> str:
    """Derived from the access token, so the server keeps no session state."""
    return hmac.new(token.encode(), b"pdpacket-csrf", hashlib.sha256).hexdigest()


# --- the Host header ------------------------------------------------------------------------

LOOPBACK_NAMES = {"127.0.0.1": ("127.0.0.1", "localhost"), "::1": ("::1", "localhost"),
                  "localhost": ("localhost", "127.0.0.1", "::1")}
# Listening on every address: the server cannot know the names others use; loopback and --allow-host only.
ANY_ADDRESS = {"0.0.0.0", "::", ""}


def split_host(value: str, default_port: int | None = None) -> tuple[str, int | None]:
    """'Example.org:8080' -> ('example.org', 8080); '[::1]:8765' -> ('::1', 8765); no port: default_port.
    ValueError for what is not a host (a bad port, an unclosed bracket, a space, a path)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(value)
        host, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            raise ValueError(value)
        port_text = rest[1:] if rest else None
    elif value.count(":") > 1:  # a bare IPv6 address
        host, port_text = value, None
    else:
        host, _, port_text = value.partition(":")
        port_text = port_text if ":" in value else None
    if not host or re.search(r"[\s/@?#\\]", host):
        raise ValueError(value)
    if port_text is None:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(value)
    return host, int(port_text)


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[tuple[str, int]]:
    """The (name, port) pairs a request's Host may say: the address listened on (localhost too on a
    loopback one), and each of `extra` (--allow-host: a name, or name:port; without a port, the server's)."""
    host = host.strip().lower().strip("[]")
    names = set(LOOPBACK_NAMES.get(host, (host,)))
    if host in ANY_ADDRESS:
        names = {"127.0.0.1", "localhost", "::1"}
    pairs = {(name, port) for name in names}
    for item in extra:
        name, item_port = split_host(item)
        pairs.add((name, port if item_port is None else item_port))
    return frozenset(pairs)


def shown_host(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Guard:
    """ASGI middleware: the Host on every request, the token on every request, CSRF and origin on every POST,
    the security headers."""

    def __init__(self, app: ASGIApp, token: str, state=None, hosts: frozenset[tuple[str, int]] = frozenset()):
        self.app, self.token = app, token
        self.hosts = hosts
        self.state = state  # the app's shared state (its builds), for whoever runs the server
        self.csrf = csrf_token(token)
        # Cookies are not kept apart by port: two servers on one machine need two names.
        self.cookie = f"pdpacket_token_{hashlib.sha256(token.encode()).hexdigest()[:8]}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self._known_host(headers):
            names = ", ".join(sorted(shown_host(h, p) for h, p in self.hosts))
            await self._send(PlainTextResponse(
                f"400 Bad Request: this server answers only to {names}. To reach it by another name, start "
                "`pdpacket serve` with --allow-host NAME.", status_code=400), scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            # First visit: keep the token in a cookie and take it out of the address bar.
            rest = urlencode([(k, v) for k, v in parse_qsl(scope["query_string"].decode("latin-1")) if k != "token"])
            location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
            response: Response = RedirectResponse(location or "/", status_code=303)
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
            await self._send(response, scope, receive, send)
            return
        cookie = _cookie(headers.get("cookie", ""), self.cookie)
        if cookie is None or not hmac.compare_digest(cookie.encode(), self.token.encode()):
            await self._send(PlainTextResponse(
                "403 Forbidden: open the address that `pdpacket serve` printed when it started "
                "(it ends with ?token=...).", status_code=403), scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not self._same_origin(headers):
            await self._send(PlainTextResponse("403 Forbidden: this request came from another site.",
                                               status_code=403), scope, receive, send)
            return
        await self.app(scope, receive, self._with_headers(send))

    def _known_host(self, headers: Headers) -> bool:
        given = headers.getlist("host")
        if len(given) != 1:
            return False
        try:
            return split_host(given[0], 80) in self.hosts  # no port in Host: the scheme's, http's 80
        except ValueError:
            return False

    def _same_origin(self, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is None or origin == "null":
            return origin is None  # a sandboxed or privacy-stripped origin is not ours
        return origin.split("://", 1)[-1] == headers.get("host", "")

    async def _send(self, response: Response, scope: Scope, receive: Receive, send: Send) -> None:
        await response(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def wrapped(message):
            if message["type"] == "http.response.start":
                present = {k.lower(): v for k, v in message.get("headers", [])}
                html = present.get(b"content-type", b"").startswith(b"text/")
                # A PDF shown in the page is drawn by the browser's own viewer, which a page policy can block.
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()
                         if k.encode() not in present and (html or k != "content-security-policy")]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)
        return wrapped


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def check_csrf(token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), csrf_token(token).encode())


# --- paths from the browser ----------------------------------------------------------------

class OutsideFolder(ValueError):
    """A path from the browser that would leave its folder (`..`, absolute, a link, an encoded slash)."""


FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._() -]{0,150}")


def inside(folder: Path, relative: str) -> Path:
    """`relative` (as the browser sent it) inside `folder`, or OutsideFolder."""
    if not relative or "\\" in relative or "\x00" in relative or "%" in relative:
        raise OutsideFolder(relative)
    if relative.startswith(("/", "~")) or os.path.isabs(relative):
        raise OutsideFolder(relative)
    parts = relative.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise OutsideFolder(relative)
    target = folder / relative
    try:
        real = target.resolve(strict=False)
    except (OSError, RuntimeError) as exc:
        raise OutsideFolder(relative) from exc
    if not real.is_relative_to(folder.resolve()):
        raise OutsideFolder(relative)  # a symbolic link leading out
    return target


def safe_file_name(name: str) -> str | None:
    """An uploaded file's own name, kept if it is plain; None if it cannot be used as given."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base if FILE_NAME.fullmatch(base) and not base.endswith(".") else None
