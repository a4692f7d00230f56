"""The live view's front door: checks each WebSocket handshake before the Foxglove SDK's
server sees it.

The SDK's server (`foxglove.start_server`) accepts every WebSocket client that reaches
it: it has no hook that sees a handshake's `Host` or `Origin` header or a token. So it
listens on a free port of 127.0.0.1 only, and this gate listens where the launch file
says (`[live] host`, `port`). For each connection the gate reads the HTTP request head
(at most `MAX_HEAD_BYTES`, within `HEAD_TIMEOUT_S`), applies the kiosk's rules
(robot/web_access.py: `Host` one of the names, `Origin` the page's own or a listed one,
the token as `?token=` or an `X-Live-Token` header), answers 403 with the reason when
they refuse, and otherwise passes the head and then every byte both ways to the SDK's
server, unchanged.

What this does not stop: a process on this machine that connects to the SDK's loopback
port directly (anything on the machine can reach loopback; the view is read-only, so it
can only watch). At most `MAX_CLIENTS` connections are passed at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
import threading
from urllib.parse import parse_qs, urlsplit

from robot.web_access import WebAccess

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 8192
"""Request line and headers of a handshake, bytes."""
HEAD_TIMEOUT_S = 5.0
"""From connect to the end of the handshake's head, seconds."""
MAX_CLIENTS = 16
"""Connections passed to the SDK's server at once; more are refused (503)."""
CHUNK_BYTES = 65536
TOKEN_HEADER = "x-live-token"


def _refuse(sock: socket.socket, status: str, why: str) -> None:
    body = json.dumps({"error": why}).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with contextlib.suppress(OSError):
        sock.sendall(head + body)
    sock.close()


def parse_handshake(head: bytes) -> tuple[str, dict[str, str]] | None:
    """(request target, lower-cased headers) of a request head; None if malformed or a
    header that means something once (Host, Origin) repeats."""
    try:
        text = head.decode("latin-1")
        line, *fields = text.split("\r\n")
        method, target, _version = line.split(" ")
    except ValueError:
        return None
    if method != "GET":
        return None
    headers: dict[str, str] = {}
    for field in fields:
        if not field:
            continue
        name, sep, value = field.partition(":")
        name = name.strip().lower()
        if not sep or (name in headers and name in ("host", "origin", TOKEN_HEADER)):
            return None
        headers[name] = value.strip()
    return target, headers


class Gate:
    """Listens on (host, port) and passes handshakes `access` admits to the SDK's server
    on 127.0.0.1:`backend_port`. port 0 picks a free port; `port` is then the real one."""

    def __init__(self, host: str, port: int, backend_port: int, access: WebAccess) -> None:
        self.access = access
        self.backend_port = backend_port
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        self._listener = socket.create_server(address, family=family)
        self.port: int = self._listener.getsockname()[1]
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._closing = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="live:gate", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop accepting and cut every passed connection."""
        self._closing.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(1.0)

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                _refuse(client, "503 Service Unavailable", f"{MAX_CLIENTS} viewers already")
                continue
            threading.Thread(
                target=self._serve, args=(client,), name="live:gate:client", daemon=True
            ).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            head = self._read_head(client)
            if head is None:
                _refuse(client, "400 Bad Request", "send a WebSocket handshake")
                return
            why = self.refusal(head[: head.index(b"\r\n\r\n")])
            if why is not None:
                log.info("live view: refused a client: %s", why)
                _refuse(client, "403 Forbidden", why)
                return
            try:
                backend = socket.create_connection(("127.0.0.1", self.backend_port), timeout=2.0)
            except OSError as err:
                _refuse(client, "503 Service Unavailable", f"the live view is not up: {err}")
                return
            backend.sendall(head)
            self._splice(client, backend)
        finally:
            self._slots.release()

    def refusal(self, head: bytes) -> str | None:
        """Why this handshake head (without the blank line) is refused, or None."""
        parsed = parse_handshake(head)
        if parsed is None:
            return "send a WebSocket handshake (GET, each of Host and Origin at most once)"
        target, headers = parsed
        why = self.access.page_refusal(headers.get("host"), headers.get("origin"))
        if why is not None:
            return why
        query = parse_qs(urlsplit(target).query)
        given = headers.get(TOKEN_HEADER) or query.get("token", [""])[0]
        return self.access.token_refusal(given)

    def _read_head(self, client: socket.socket) -> bytes | None:
        """The head and whatever followed it in the same reads; None if too slow or big."""
        client.settimeout(HEAD_TIMEOUT_S)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                if len(data) > MAX_HEAD_BYTES:
                    return None
                chunk = client.recv(4096)
                if not chunk:
                    return None
                data += chunk
        except OSError:
            return None
        return data if data.index(b"\r\n\r\n") <= MAX_HEAD_BYTES else None

    def _splice(self, client: socket.socket, backend: socket.socket) -> None:
        """Copy bytes both ways until either side closes."""
        with self._lock:
            self._open.update((client, backend))
        client.settimeout(None)
        backend.settimeout(None)
        peer = {client: backend, backend: client}
        with selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ)
            selector.register(backend, selectors.EVENT_READ)
            try:
                while not self._closing.is_set():
                    for key, _ in selector.select(0.5):
                        sock = key.fileobj
                        data = sock.recv(CHUNK_BYTES)  # type: ignore[union-attr]
                        if not data:
                            return
                        peer[sock].sendall(data)  # type: ignore[index]
            except OSError:
                return
            finally:
                with self._lock:
                    self._open.difference_update((client, backend))
                client.close()
                backend.close()
