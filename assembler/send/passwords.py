"""Where the SMTP password is kept: for this computer's user, never in the firm's settings file (which the
whole firm shares, and which is copied with the cases).

The system keyring (the optional `keyring` package) when one works here; otherwise a file only this user
can read, $XDG_CONFIG_HOME/pdpacket/smtp-passwords.json (~/.config/pdpacket/ by default), mode 0600 in a
0700 folder, written atomically. A Debian server has no keyring daemon: without the file, the web app
could not take the password at all and the only way was an environment variable set by whoever starts
pdpacket. The environment variable named by smtp.password_env still wins when it is set.
"""
from __future__ import annotations

import getpass
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from assembler import atomic
from assembler.errors import ExitCode, PdpacketError

KEYRING_SERVICE = "pdpacket-smtp"
DEFAULT_ENV = "PDPACKET_SMTP_PASSWORD"


class PasswordError(PdpacketError):
    """The password could not be read, kept or removed."""

    exit_code = ExitCode.send_failed


class NoPassword(PasswordError):
    """No password for the SMTP user anywhere: the web app words its own advice (the Settings page)."""

    def __init__(self, user: str, env: str):
        super().__init__(f"no password for the SMTP user {user}: set it with `pdpacket smtp-password` (or on the "
                         f"web app's Settings page), or set the environment variable {env}")
        self.user, self.env = user, env


@dataclass(frozen=True)
class Status:
    """What the Settings page and `pdpacket smtp-password` say about the password of `user`."""

    user: str
    kept: bool  # a password is kept for this user (keyring or file)
    where: str  # in words: "in the system keyring" or "in a file only USER can read (PATH)"
    env: str  # the environment variable that wins over what is kept
    env_set: bool
    account: str  # this computer's user the password is kept for


def store_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pdpacket" / "smtp-passwords.json"


def account() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name known (a container without passwd entry)
        return "this account"


def keyring_ready() -> bool:
    """Whether a password can be kept in the system keyring here: the `keyring` package and a usable
    backend (without one, keyring falls back to a backend that refuses every call)."""
    try:
        keyring = importlib.import_module("keyring")
        return float(getattr(keyring.get_keyring(), "priority", 0)) > 0
    except Exception:  # noqa: BLE001 - no package, or a backend that fails to load: not ready
        return False


def where() -> str:
    if keyring_ready():
        return "in the system keyring"
    return f"in a file only {account()} can read ({store_file()})"


def _read_file() -> dict[str, str]:
    path = store_file()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise PasswordError(f"{path}: the kept SMTP passwords could not be read ({exc}): delete the file and set "
                            "the password again") from exc
    kept = doc.get("passwords") if isinstance(doc, dict) else None
    return {str(k): str(v) for k, v in kept.items()} if isinstance(kept, dict) else {}


def _write_file(kept: dict[str, str]) -> None:
    path = store_file()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if kept:  # created 0600 before a byte is written (atomic.write_text), so never readable by others
            atomic.write_text(path, json.dumps({"passwords": dict(sorted(kept.items()))}, indent=1) + "\n", mode=0o600)
        else:
            path.unlink(missing_ok=True)
    except OSError as exc:
        raise PasswordError(f"{path}: the SMTP password could not be kept ({exc.strerror or exc}): check that "
                            f"{path.parent} can be written by {account()}") from exc


def _from_keyring(user: str, env: str) -> str | None:
    try:
        keyring = importlib.import_module("keyring")
        return keyring.get_password(KEYRING_SERVICE, user) or None
    except ImportError:
        return None
    except Exception as exc:  # keyring backends raise their own kinds
        raise PasswordError(f"the system keyring could not be read ({exc}): put the password in {env} instead") from exc


def read(user: str, env: str = DEFAULT_ENV) -> str:
    """The password of `user`: the environment variable `env` when set, else the keyring, else the file."""
    if os.environ.get(env):
        return os.environ[env]
    found = _from_keyring(user, env) or _read_file().get(user)
    if not found:
        raise NoPassword(user, env)
    return found


def store(user: str, secret: str) -> str:
    """Keep `secret` as the password of `user`, replacing any; returns where it is kept, in words."""
    if keyring_ready():
        try:
            importlib.import_module("keyring").set_password(KEYRING_SERVICE, user, secret)
        except Exception as exc:  # keyring backends raise their own kinds
            raise PasswordError(f"the system keyring refused the password ({exc}): set the environment "
                                f"variable {DEFAULT_ENV} instead") from exc
        kept = _read_file()
        if kept.pop(user, None) is not None:  # no older copy left behind in the file
            _write_file(kept)
    else:
        _write_file({**_read_file(), user: secret})
    return where()


def remove(user: str) -> bool:
    """Forget the password of `user` wherever pdpacket kept it; whether there was one."""
    found = False
    if keyring_ready():
        try:
            keyring = importlib.import_module("keyring")
            if keyring.get_password(KEYRING_SERVICE, user):
                keyring.delete_password(KEYRING_SERVICE, user)
                found = True
        except Exception as exc:  # keyring backends raise their own kinds
            raise PasswordError(f"the system keyring could not remove the password ({exc})") from exc
    kept = _read_file()
    if kept.pop(user, None) is not None:
        _write_file(kept)
        found = True
    return found


def status(user: str, env: str = DEFAULT_ENV) -> Status:
    try:
        kept = bool(_from_keyring(user, env) or _read_file().get(user)) if user else False
    except PasswordError:
        kept = False
    return Status(user, kept, where(), env, bool(os.environ.get(env)), account())
