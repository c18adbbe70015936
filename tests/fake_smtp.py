"""A small SMTP server for the sending tests: the conversation in a few lines, on 127.0.0.1, that drops
the connection at the point a test names (aiosmtpd cannot stop between the final "." and its answer,
nor keep still)."""
from __future__ import annotations

import socket
import socketserver
import threading


class FakeSMTP(socketserver.ThreadingTCPServer):
    """The SMTP conversation in a few lines, on 127.0.0.1. It keeps the messages it accepts; on its
    first connection only it drops at `point` (of message `at` for the points of one message),
    answering nothing there."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int, point: str | None, at: int = 2):
        self.point, self.at = point, at
        self.received: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Conversation)

    def server_bind(self):
        # A small receive buffer: a large message cannot sit whole in the kernel once the server stops reading.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        super().server_bind()

    def handle_error(self, request, client_address):
        pass  # a client gone while the test drops or mutes is what the test does


class _Conversation(socketserver.StreamRequestHandler):
    timeout = 10  # bounded: a conversation never outlives a stuck client by more than this

    def handle(self):
        srv = self.server
        with srv.lock:
            srv.connections += 1
            point = srv.point if srv.connections == 1 else None
        if point == "connect":
            return
        self.wfile.write(b"220 fake.example ESMTP\r\n")
        n = 0
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 fake.example\r\n")
                if point == "ehlo":
                    return
            elif verb in (b"MAIL", b"RCPT"):
                n += verb == b"MAIL"
                if point == verb.decode().lower() and n == srv.at:
                    return
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"DATA":
                if point == "data" and n == srv.at:
                    return  # the DATA command, and no 354
                self.wfile.write(b"354 go ahead\r\n")
                if point == "body" and n == srv.at:
                    self.rfile.readline()
                    return  # a line of the message read, the rest left unread
                body = self._body()
                if point in ("dot", "dot-mute") and n == srv.at:
                    while point == "dot-mute" and self.rfile.readline():
                        pass  # never answers: the client gives up
                    return
                if point == "refuse" and n == srv.at:
                    self.wfile.write(b"554 5.7.1 refused by policy\r\n")
                    continue
                with srv.lock:
                    srv.received.append(body)
                self.wfile.write(b"250 2.0.0 queued\r\n")
                if point == "after-250" and n == srv.at:
                    return
            elif verb == b"QUIT":
                self.wfile.write(b"451 4.3.0 not now\r\n" if point == "quit-refused" else b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")

    def _body(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


def serve(port: int, point: str | None = None, at: int = 2) -> FakeSMTP:
    """Start one in a thread; `stop` it."""
    server = FakeSMTP(port, point, at)
    # shutdown() waits for serve_forever to look at its flag, once per poll_interval: the default 0.5 s
    # was half a second of every test's teardown.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


def stop(server: FakeSMTP) -> None:
    server.shutdown()
    server.server_close()
