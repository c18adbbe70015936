"""`pdpacket init` and the web settings page: the firm settings file (casefile/firm_setup.py) and the SMTP
password, which goes to the system keyring (smtp.store_password), never to the file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assembler.casefile import firm_setup
from assembler.errors import PdpacketError
from assembler.send import smtp


@dataclass
class InitDone:
    path: Path
    notes: list[str] = field(default_factory=list)  # what is still to do (the office's e-mail, the SMTP password)
    password_kept: bool = False  # the SMTP password went to the system keyring


def init_settings(folder: Path, answers: firm_setup.Answers, force: bool = False,
                  password: str | None = None) -> InitDone:
    """Write FOLDER/pdpacket.yaml from `answers` and keep `password` in the system keyring."""
    path = firm_setup.write_settings(Path(folder), answers, force)
    done = InitDone(path)
    if answers.office and not answers.office_email:
        city = firm_setup.office_directory().get(answers.office, {}).get("city") or answers.office
        done.notes.append(f"The e-mail of the {city} office has not been checked by your firm, so none was written: "
                          f"check it on ice.gov, then set it with `pdpacket init --force` or in {path} under "
                          f"offices.{answers.office}.email (and verified_on: the day you checked it)")
    user = answers.smtp_user
    if user and password and smtp.keyring_ready():
        try:
            smtp.store_password(user, password)
            done.password_kept = True
            done.notes.append(f"The SMTP password of {user} is kept in the system keyring (not in {path.name})")
            return done
        except PdpacketError as exc:
            done.notes.append(exc.message)
    if user:
        where = "no system keyring is available here, so the password was not kept" if password else "no password given"
        done.notes.append(f"SMTP password: {where}: set the environment variable PDPACKET_SMTP_PASSWORD where "
                          f"`pdpacket send` runs, or `keyring set {smtp.KEYRING_SERVICE} {user}` (never in {path.name})")
    return done
