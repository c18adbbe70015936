"""`pdpacket init` and the web settings page: the firm settings file (casefile/firm_setup.py) and the SMTP
password, kept for this computer's user (send/passwords.py: the system keyring, or a file only that user can
read), never in the settings file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assembler.casefile import firm_setup
from assembler.send import passwords


@dataclass
class InitDone:
    path: Path
    notes: list[str] = field(default_factory=list)  # what is still to do (the office's e-mail, the SMTP password)
    password_kept: bool = False  # the SMTP password was kept (send/passwords.py)


def init_settings(folder: Path, answers: firm_setup.Answers, force: bool = False,
                  password: str | None = None, remove_password: bool = False) -> InitDone:
    """Write FOLDER/pdpacket.yaml from `answers`, then keep `password` for the SMTP user (or forget the one
    kept, with `remove_password`): the file first, so a refused answer changes nothing."""
    path = firm_setup.write_settings(Path(folder), answers, force)
    done = InitDone(path)
    if answers.office and not answers.office_email:
        city = firm_setup.office_directory().get(answers.office, {}).get("city") or answers.office
        done.notes.append(f"The e-mail of the {city} office has not been checked by your firm, so none was written: "
                          f"check it on ice.gov, then set it with `pdpacket init --force` or in {path} under "
                          f"offices.{answers.office}.email (and verified_on: the day you checked it)")
    user = answers.smtp_user
    if user and password:
        where = passwords.store(user, password)
        done.password_kept = True
        done.notes.append(f"The SMTP password of {user} is kept {where}, not in {path.name}")
    elif user and remove_password:
        passwords.remove(user)
        done.notes.append(f"The SMTP password of {user} is no longer kept on this computer")
    elif user and not passwords.status(user).kept:
        done.notes.append(f"No SMTP password is kept for {user} yet: set it with `pdpacket smtp-password` (or on "
                          f"the web app's Settings page), never in {path.name}")
    return done
