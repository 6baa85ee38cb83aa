"""A small IMAP4rev1 server over TLS for the tests (issue 17): enough of RFC 3501 for the
stdlib ``imaplib`` client that ``sms-tui mail fetch --imap`` uses -- CAPABILITY, LOGIN,
SELECT, UID SEARCH, UID FETCH (BODY.PEEK[]), UID STORE (+FLAGS), LOGOUT, NOOP -- on a real
socket, with a real TLS handshake under a certificate made at test time (``trustme``).

It is a protocol endpoint, not a mock of imaplib: the client parses the server's greeting,
tagged and untagged responses and literals as it would from any server.
"""

from __future__ import annotations

import re
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field

_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\((?:[^()]*)\))|([^\s()"]+)')


def _args(line: bytes) -> list[bytes]:
    """The arguments of a command line: quoted strings unescaped, lists kept whole."""
    out = []
    for quoted, listed, atom in _TOKEN.findall(line):
        if quoted or (not listed and not atom):
            out.append(re.sub(rb"\\(.)", rb"\1", quoted))
        else:
            out.append(listed or atom)
    return out


@dataclass
class Mailbox:
    user: str
    password: str
    name: str = "INBOX"
    messages: list[bytes] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # UIDs flagged \Seen
    commands: list[str] = field(default_factory=list)  # what the client sent (no passwords)

    def add(self, raw: bytes) -> int:
        self.messages.append(raw)
        return len(self.messages)


class _Handler(socketserver.StreamRequestHandler):
    server: ImapServer

    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:  # noqa: C901 -- one branch per command, as the RFC lists them
        box = self.server.mailbox
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] test IMAP server ready")
        logged_in = selected = False
        while line := self.rfile.readline(65536):
            line = line.rstrip(b"\r\n")
            tag, _, rest = line.partition(b" ")
            command, _, tail = rest.partition(b" ")
            name = command.upper().decode(errors="replace")
            args = _args(tail)
            if name == "UID" and args:
                name = "UID " + args[0].upper().decode(errors="replace")
                args = args[1:]
            box.commands.append(name)
            t = tag.decode(errors="replace")
            if name == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self.send(f"{t} OK CAPABILITY completed")
            elif name == "NOOP":
                self.send(f"{t} OK NOOP completed")
            elif name == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{t} OK LOGOUT completed")
                return
            elif name == "LOGIN":
                if len(args) == 2 and args[0].decode() == box.user and \
                        args[1].decode() == box.password:
                    logged_in = True
                    self.send(f"{t} OK [CAPABILITY IMAP4rev1] LOGIN completed")
                else:
                    self.send(f"{t} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif not logged_in:
                self.send(f"{t} BAD log in first")
            elif name in ("SELECT", "EXAMINE"):
                if args and args[0].decode() == box.name:
                    selected = True
                    self.send(f"* {len(box.messages)} EXISTS")
                    self.send("* 0 RECENT")
                    self.send("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
                    self.send("* OK [UIDVALIDITY 1] UIDs valid")
                    self.send(f"{t} OK [READ-WRITE] SELECT completed")
                else:
                    self.send(f"{t} NO no such mailbox")
            elif not selected:
                self.send(f"{t} BAD select a mailbox first")
            elif name == "UID SEARCH":
                unseen = [str(uid) for uid in range(1, len(box.messages) + 1)
                          if uid not in box.seen]
                if [a.upper() for a in args] == [b"UNSEEN"]:
                    self.send("* SEARCH" + "".join(f" {u}" for u in unseen))
                    self.send(f"{t} OK SEARCH completed")
                else:
                    self.send(f"{t} BAD only UNSEEN is searched here")
            elif name == "UID FETCH" and len(args) == 2 and args[1].upper() == b"(BODY.PEEK[])":
                uid = int(args[0])
                raw = box.messages[uid - 1]
                self.wfile.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode()
                                 + raw + b")\r\n")
                self.send(f"{t} OK FETCH completed")
            elif name == "UID STORE" and len(args) == 3 and args[1].upper() == b"+FLAGS":
                uid = int(args[0])
                if b"\\Seen" in args[2]:
                    box.seen.add(uid)
                self.send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))")
                self.send(f"{t} OK STORE completed")
            else:
                self.send(f"{t} BAD command not known here")


class ImapServer(socketserver.ThreadingTCPServer):
    """``with ImapServer(mailbox, cert) as server:`` serves IMAP over TLS on
    127.0.0.1:``server.port`` in a thread until the block ends."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox, context: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox
        self.context = context  # None: plain text (a server that does not speak TLS)
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def get_request(self):
        sock, addr = super().get_request()
        if self.context is None:
            return sock, addr
        sock.settimeout(10)
        try:
            return self.context.wrap_socket(sock, server_side=True), addr
        except (ssl.SSLError, OSError):
            sock.close()
            raise

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (bad certificate) is what some tests are about

    def __enter__(self) -> ImapServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def silent_port() -> tuple[socket.socket, int]:
    """A listening socket that accepts and never answers (a hung server): (socket, port)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    return sock, sock.getsockname()[1]


def free_port() -> int:
    """A port nothing listens on (a server that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
