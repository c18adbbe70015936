"""Which numbered messages of a case's filing went out: read from the ledger's `send` rows, and
written there one message at a time, as the server accepts each.

A filing travels as one or more numbered messages. Each message the server accepts (250 after
DATA) becomes a `send` row at once, so a connection lost at message 2 of 7 leaves message 1 on
record. A message the server took whole but never confirmed (the connection closed or timed out
after the final ".") is a row marked `uncertain`: possibly sent, to be checked in the mailbox,
and never sent again without the user's word. The rows of one sending share a `send_round`; a
retry continues the latest round (the messages not yet accepted), `--again` starts a new one.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from assembler.send.draft import Message
from assembler.send.ledger import Delivery, Event, Kind

ARRIVED, RESEND = "arrived", "resend"  # send --possibly-sent: what the user found in the mailbox


@dataclass
class Round:
    """The latest sending of a case by pdpacket, message by message."""

    id: str
    filing_sha256: str | None
    total: int
    accepted: dict[int, Event] = field(default_factory=dict)  # by the server, or arrived by the user's word
    uncertain: dict[int, Event] = field(default_factory=dict)  # possibly sent: check the mailbox

    @property
    def complete(self) -> bool:
        return len(self.accepted) == self.total

    def unsent(self) -> list[int]:
        return [n for n in range(1, self.total + 1) if n not in self.accepted and n not in self.uncertain]


def last_sent(events: list[Event]) -> Event | None:
    """The last row saying the request (or a message of it) went, by pdpacket or by other means."""
    sends = [e for e in events if e.kind in (Kind.send, Kind.sent_other)]
    return sends[-1] if sends else None


def latest_round(events: list[Event]) -> Round | None:
    """The round of the last send row, or None when that row tells of a whole request sent (by other
    means, or by pdpacket before the ledger kept messages apart): nothing is left to send then."""
    last = last_sent(events)
    if last is None or last.kind != Kind.send or last.message_number is None:
        return None
    rows = [e for e in events if e.kind == Kind.send and e.send_round == last.send_round and e.message_number]
    found = Round(last.send_round or "", last.filing_sha256, last.message_total or 1)
    for e in rows:  # oldest first: a later word on a message replaces an earlier one
        n = e.message_number or 0
        if e.delivery == Delivery.uncertain:
            if n not in found.accepted:
                found.uncertain[n] = e
        else:
            found.accepted[n] = e
            found.uncertain.pop(n, None)
    return found


def new_round() -> str:
    return secrets.token_hex(8)


@dataclass
class Plan:
    """What a `send` does: the round its rows join, the messages it sends, and those the user says arrived."""

    round: str
    messages: list[Message]
    arrived: list[Message] = field(default_factory=list)
    note: str | None = None  # which messages a retry sends, and why not the others ("messages 2-7 of 7; 1 was...")


def plan(events: list[Event], messages: list[Message], filing_sha256: str, again: bool,
         possibly_sent: str | None, command: str) -> Plan | str:
    """The plan, or the reason (one line) to send nothing; `command` is how the user runs `send` on this case.
    Called only when the request is not wholly sent already (or with `again`)."""
    found = None if again else latest_round(events)
    if found is None or found.complete:
        return Plan(new_round(), messages)
    total = len(messages)
    went = _went(found)
    if found.filing_sha256 != filing_sha256 or found.total != total:
        return (f"{went} of an earlier build, and the filing was built again since (now {total} message(s)): "
                f"`{command} --again` sends all of this filing (the office then has both)")
    if found.uncertain and possibly_sent is None:
        one = len(found.uncertain) == 1
        return (f"{_possibly(found)}: check the mailbox, then run `{command} --possibly-sent {ARRIVED}` if "
                f"{'it' if one else 'they'} arrived, or `--possibly-sent {RESEND}` if not (`--again` sends all "
                f"{total}); {went}")
    arrived = [m for m in messages if m.number in found.uncertain] if possibly_sent == ARRIVED else []
    numbers = sorted(found.unsent() + (list(found.uncertain) if possibly_sent == RESEND else []))
    note = f"{numbers_text(numbers, total)}; {_sent_on(found, arrived)}"
    return Plan(found.id, [m for m in messages if m.number in numbers], arrived, note)


def numbers_text(numbers: list[int], total: int) -> str:
    """"message 1 of 7", "messages 2-7 of 7", "messages 1, 3-4 of 7"."""
    return f"message{'s' if len(numbers) > 1 else ''} {ranges(numbers)} of {total}"


def ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1-3, 5"."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _days(rows: list[Event]) -> str:
    days = sorted({e.day for e in rows})
    return f"on {days[0]}" if len(days) == 1 else f"between {days[0]} and {days[-1]}"


def _went(found: Round) -> str:
    if not found.accepted:
        return "no message was accepted before"
    n = len(found.accepted)
    return (f"{numbers_text(sorted(found.accepted), found.total)} {'was' if n == 1 else 'were'} sent "
            f"{_days(list(found.accepted.values()))}")


def _sent_on(found: Round, arrived: list[Message]) -> str:
    """"1 was sent on 2026-11-28", for the note of a retry."""
    parts = []
    if found.accepted:
        n = len(found.accepted)
        parts.append(f"{ranges(list(found.accepted))} {'was' if n == 1 else 'were'} sent "
                     f"{_days(list(found.accepted.values()))}")
    if arrived:
        parts.append(f"{ranges([m.number for m in arrived])} arrived, as you say")
    return "; ".join(parts) or "none was accepted before"


def _possibly(found: Round) -> str:
    numbers = sorted(found.uncertain)
    one = len(numbers) == 1
    return (f"{numbers_text(numbers, found.total)} {'is' if one else 'are'} possibly sent "
            f"{_days(list(found.uncertain.values()))} (the connection ended before the server confirmed "
            f"{'it' if one else 'them'})")


def state(events: list[Event]) -> str:
    """`status`'s words for a request sent in part, or possibly sent; "" when nothing or all of it went."""
    found = latest_round(events)
    if found is None or found.complete:
        return ""
    parts = [_went(found)] if found.accepted else []
    if found.uncertain:
        parts.append(f"{_possibly(found)}: check the mailbox")
    if found.unsent():
        parts.append(f"{numbers_text(found.unsent(), found.total)} not sent")
    return "; ".join(parts)


def failure_tail(accepted: list[int], uncertain: int | None, total: int, command: str, cc: list[str]) -> str:
    """What a failed `send` left, for the end of its one-line error: recorded, possibly sent, to do."""
    if not accepted and uncertain is None:
        return "nothing was sent; nothing was recorded as sent"
    unsent = [n for n in range(1, total + 1) if n not in accepted and n != uncertain]
    parts = []
    if accepted:
        parts.append(f"{numbers_text(accepted, total)} went out and {'is' if len(accepted) == 1 else 'are'} "
                     "recorded in the ledger")
    if unsent:
        parts.append(f"{numbers_text(unsent, total)} did not go")
    if uncertain is not None:
        copy = f" ({', '.join(cc)} get{'s' if len(cc) == 1 else ''} a copy)" if cc else ""
        which = f"message {uncertain}" if total > 1 else "the message"
        parts.append(f"{which} is recorded as possibly sent: check the mailbox{copy}, then run `{command} "
                     f"--possibly-sent {ARRIVED}` if it arrived, or `--possibly-sent {RESEND}` if not")
    elif unsent:
        parts.append(f"`{command}` sends {'it' if len(unsent) == 1 else 'them'}")
    return "; ".join(parts)
