"""The SMTP conversation of `send`, message by message, against the test's own server on 127.0.0.1
(no filing to build): what counts as accepted, as possibly sent, and as not sent."""
from __future__ import annotations

import socket
from email.message import EmailMessage

import pytest

import fake_smtp
from assembler.casefile.settings import Settings
from assembler.send import smtp
from assembler.send.draft import POLICY, Message


def _messages(*sizes: int) -> list[Message]:
    out = []
    for n, size in enumerate(sizes, 1):
        msg = EmailMessage(policy=POLICY)
        msg["From"], msg["To"], msg["Cc"] = "d@example.org", "pd@office.example", "docket@firm.example"
        msg["Subject"], msg["Message-ID"] = f"Request ({n} of {len(sizes)})", f"<{n}@firm.example>"
        msg.set_content(".a line the server must not take for the end\n" + ("x" * 70 + "\n") * (size // 71))
        out.append(Message(n, len(sizes), msg, []))
    return out


@pytest.fixture
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = []

    def start(point=None, at=2):
        started.append(fake_smtp.serve(port, point, at))
        return started[-1]
    start.settings = Settings(smtp={"host": "127.0.0.1", "port": port, "security": "none", "timeout": 2})
    yield start
    for s in started:
        fake_smtp.stop(s)


def _send(server, messages):
    accepted, uncertain = [], []
    try:
        smtp.send_all(server.settings, messages, lambda m: accepted.append(m.number),
                      lambda m: uncertain.append(m.number))
    except smtp.SendError as exc:
        return accepted, uncertain, exc
    return accepted, uncertain, None


def test_every_message_arrives_whole_and_is_reported_accepted_one_by_one(server):
    fake = server()
    messages = _messages(1000, 5000, 200)
    accepted, uncertain, error = _send(server, messages)
    assert (accepted, uncertain, error) == ([1, 2, 3], [], None)
    assert fake.received == [m.as_bytes() for m in messages]  # the leading "." stuffed and unstuffed


def test_a_refused_quit_after_the_last_250_is_no_failure(server):
    server("quit-refused")
    accepted, uncertain, error = _send(server, _messages(1000, 1000))
    assert error is None, error.message
    assert accepted == [1, 2]


def test_a_drop_in_the_middle_of_a_large_message_is_not_sent(server):
    # 8 MB cannot sit whole in the kernel's buffers once the server stops reading: the client sees the
    # drop while it writes, before the final "." (a small message would be handed over whole, and count
    # as possibly sent: from the client's side the two cannot be told apart).
    fake = server("body", at=2)
    accepted, uncertain, error = _send(server, _messages(1000, 8_000_000))
    assert (accepted, uncertain) == ([1], [])
    assert error is not None and (error.accepted, error.uncertain) == ([1], None)
    assert "at message 2 of 2" in error.message and "possibly" not in error.message
    assert len(fake.received) == 1


# dot-mute waits out the client's 2 s timeout (the server never answers): slow.
@pytest.mark.parametrize("point", ["dot", pytest.param("dot-mute", marks=pytest.mark.slow)])
def test_no_answer_after_the_final_dot_is_possibly_sent(server, point):
    server(point, at=1)
    accepted, uncertain, error = _send(server, _messages(1000))
    assert (accepted, uncertain) == ([], [1])
    assert error is not None and (error.accepted, error.uncertain) == ([], 1)
    assert error.message.endswith("after it had taken the message whole, before confirming it")


def test_a_refusal_after_the_final_dot_is_certain(server):
    server("refuse", at=2)
    accepted, uncertain, error = _send(server, _messages(1000, 1000))
    assert (accepted, uncertain) == ([1], [])
    assert error is not None and (error.accepted, error.uncertain) == ([1], None)
    assert "the server refused the message (554 5.7.1 refused by policy) at message 2 of 2" in error.message
