"""A small HTTP/1.1 server in which every resource a client can claim is bounded.

Why not `http.server.ThreadingHTTPServer`: it starts a thread per connection, and that
thread blocks while it reads the request. A hundred idle or slow clients (slowloris:
headers one byte a second) hold a hundred threads for as long as they like, memory
grows with them, and a STOP waits behind whatever the machine has left. Here:

- One thread, the *reader*, accepts connections and reads each request, head and body,
  from non-blocking sockets through a selector. A client that trickles bytes costs a
  socket and a small buffer, not a thread, and is dropped `REQUEST_TIMEOUT_S` after it
  connected, however it paces its bytes.
- At most `MAX_CONNECTIONS` requests are read at once; a new connection beyond that
  drops the one that has waited longest, so a flood cannot lock new clients out.
- A head has at most `MAX_HEAD_BYTES`; a body at most the `max_body` the caller sets,
  checked on `Content-Length` before a byte of it is read (no chunked bodies).
- Complete requests go to `WORKERS` threads, started once, through a queue of
  `QUEUE_DEPTH`; when it is full the reader answers 503 at once.
- Requests that `urgent(request)` picks are answered by the reader itself as soon as
  they are complete, never queued behind the workers: the kiosk's STOP. Their handler
  must be quick and must not block.
- Each connection carries one request and is closed (`Connection: close`): no idle
  keep-alive connection holds anything.

A handler that raises is logged and answered with a 500; neither thread ever dies of a
request.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import queue
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 256
"""Connections whose request is still being read; past it the oldest is dropped."""
MAX_HEAD_BYTES = 8192
"""Request line and headers together, bytes."""
MAX_QUERY_FIELDS = 32
"""Fields in a query string (`?a=1&b=2` has 2)."""
REQUEST_TIMEOUT_S = 5.0
"""From connect to the last byte of the body, seconds, whatever the client's pace."""
SEND_TIMEOUT_S = 5.0
"""How long a worker waits for a client to take a whole response, seconds."""
LINGER_S = 1.0
"""After refusing a request whose body was not read, how long its bytes are read and
dropped (seconds), so that the refusal is not lost to the reset a close with unread
data causes."""
WORKERS = 8
"""Threads that answer complete requests (the reader and these are all the threads)."""
QUEUE_DEPTH = 64
"""Complete requests waiting for a worker; one more is answered 503."""
ACCEPTS_PER_TURN = 32
"""Connections accepted between two reads of the others: well below `MAX_CONNECTIONS`,
so a burst of connections cannot drop one (a STOP) before its bytes are read."""
BACKLOG = 128
"""Connections the kernel queues for the reader to accept."""
RECV_BYTES = 16384
"""Bytes read from a socket at a time."""
TICK_S = 0.1
"""How often the reader looks for expired connections when nothing happens, seconds."""

HTTP_VERSIONS = ("HTTP/1.0", "HTTP/1.1")
SINGLE_HEADERS = ("Host", "Content-Length", "Content-Type", "Origin", "Transfer-Encoding")
"""Headers that mean something only once; a request repeating one is refused."""
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_METHOD = re.compile(r"[A-Z]{1,16}")
_LENGTH = re.compile(r"[0-9]{1,12}")
_EVERY_RESPONSE = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    # No other page may show ours in a frame and steer a visitor's clicks to Reset.
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Connection", "close"),
)


@dataclass(frozen=True)
class Request:
    """A complete request as the reader read it; `headers` as `http.client` parses them."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client: str


@dataclass(frozen=True)
class Response:
    status: HTTPStatus
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self) -> bytes:
        lines = [
            f"HTTP/1.1 {self.status.value} {self.status.phrase}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body)}",
            *(f"{name}: {value}" for name, value in (*_EVERY_RESPONSE, *self.headers)),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


def json_response(status: HTTPStatus, obj: Any) -> Response:
    # ASCII with escapes: any str encodes, lone surrogates included.
    return Response(status, json.dumps(obj).encode())


def error(status: HTTPStatus, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(status, json.dumps({"error": message}).encode(), headers=headers)


class Refused(Exception):
    """A request that is answered with `response` without going further."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.response = error(status, message)


@dataclass(frozen=True)
class _Head:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    length: int


def parse_head(head: bytes, max_body: int) -> _Head:
    """The request line and headers (without the blank line); raises `Refused`."""
    line, _, fields = head.partition(b"\n")
    try:
        method, target, version = line.rstrip(b"\r").decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        raise Refused(
            HTTPStatus.BAD_REQUEST, "the request line must be `METHOD /path HTTP/1.1`"
        ) from None
    if version not in HTTP_VERSIONS or not _METHOD.fullmatch(method):
        raise Refused(HTTPStatus.BAD_REQUEST, "the request line must be `METHOD /path HTTP/1.1`")
    if not target.startswith("/"):
        raise Refused(HTTPStatus.BAD_REQUEST, "the request target must be a path (/...)")
    try:
        headers = http.client.parse_headers(io.BytesIO(fields + b"\r\n\r\n"))
    except http.client.HTTPException:
        raise Refused(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many headers") from None
    for name in SINGLE_HEADERS:
        if len(headers.get_all(name, [])) > 1:
            raise Refused(HTTPStatus.BAD_REQUEST, f"more than one {name} header")
    if "Transfer-Encoding" in headers:
        raise Refused(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
    declared = headers.get("Content-Length", "0").strip(" \t")
    if not _LENGTH.fullmatch(declared):
        raise Refused(HTTPStatus.BAD_REQUEST, "Content-Length must be a number of bytes")
    if int(declared) > max_body:
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a body has at most {max_body} bytes")
    path, _, query = target.partition("?")
    try:
        fields_ = parse_qs(query, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise Refused(HTTPStatus.BAD_REQUEST, "too many query fields") from None
    return _Head(method, path, fields_, headers, int(declared))


@dataclass(eq=False)
class _Incoming:
    """A connection whose request the reader is reading (or, `draining`, whose refused
    request's remaining bytes it drops until `deadline`)."""

    sock: socket.socket
    client: str
    deadline: float
    data: bytearray = field(default_factory=bytearray)
    head: _Head | None = None
    draining: bool = False

    def take(self, chunk: bytes, max_body: int) -> Request | None:
        """Add received bytes; the request once complete. Raises `Refused`."""
        self.data += chunk
        if self.head is None:
            end = _HEAD_END.search(self.data)
            if end is None or end.start() > MAX_HEAD_BYTES:
                if len(self.data) > MAX_HEAD_BYTES:
                    raise Refused(
                        HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        f"request line and headers have at most {MAX_HEAD_BYTES} bytes",
                    )
                return None
            self.head = parse_head(bytes(self.data[: end.start()]), max_body)
            del self.data[: end.end()]
        if len(self.data) < self.head.length:
            return None
        h = self.head
        body = bytes(self.data[: h.length])
        return Request(h.method, h.path, h.query, h.headers, body, self.client)


class HttpServer:
    """Serves `handle(request) -> Response` on (host, port) as the module docstring
    says. port 0 picks a free port; `port` is then the real one. `urgent(request)`:
    answer this request in the reader thread, at once (quick, non-blocking handlers
    only). max_body: the largest body accepted, bytes.
    """

    def __init__(
        self,
        host: str,
        port: int,
        handle: Callable[[Request], Response],
        *,
        urgent: Callable[[Request], bool] = lambda _: False,
        max_body: int,
        name: str = "kiosk",
    ) -> None:
        self._handle = handle
        self._urgent = urgent
        self._max_body = max_body
        self.name = name
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        self._listener = socket.create_server(address, family=family, backlog=BACKLOG)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self._incoming: dict[socket.socket, _Incoming] = {}  # in order of arrival
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._queue: queue.Queue[tuple[socket.socket, Request] | None] = queue.Queue(QUEUE_DEPTH)
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"{name}:reader", daemon=True)
        # Daemons: a worker in a long request is not waited for at shutdown.
        self._workers = [
            threading.Thread(target=self._work, name=f"{name}:worker{i}", daemon=True)
            for i in range(WORKERS)
        ]

    def start(self) -> None:
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        for thread in (self._reader, *self._workers):
            thread.start()

    def close(self, timeout_s: float = 0.5) -> None:
        """Stop accepting, drop the connections not yet answered, let the workers end
        (one in a long request ends with it)."""
        self._closing.set()
        with contextlib.suppress(OSError):  # the reader may have closed it already
            self._wake_w.send(b"x")
        if self._reader.is_alive():
            self._reader.join(timeout_s)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].close()
        for _ in self._workers:
            self._queue.put_nowait(None)  # room: the queue is empty and the reader gone

    # -- the reader ------------------------------------------------------------------

    def _read(self) -> None:
        try:
            while not self._closing.is_set():
                for key, _ in self._selector.select(TICK_S):
                    try:
                        self._on_ready(key.fileobj)
                    except Exception:  # a bug with one connection must not end the reader
                        log.exception("%s: reading a request failed", self.name)
                        conn = self._incoming.get(key.fileobj)
                        if conn is not None:
                            self._drop(conn)
                self._expire(time.monotonic())
        finally:
            for conn in list(self._incoming.values()):
                self._drop(conn)
            self._selector.close()
            self._listener.close()
            self._wake_r.close()
            self._wake_w.close()

    def _on_ready(self, sock: Any) -> None:
        if sock is self._listener:
            self._accept()
        elif sock is self._wake_r:
            self._wake_r.recv(RECV_BYTES)
        elif (conn := self._incoming.get(sock)) is not None:  # not dropped in this turn
            self._receive(conn)

    def _accept(self) -> None:
        for _ in range(ACCEPTS_PER_TURN):
            try:
                sock, address = self._listener.accept()
            except BlockingIOError:
                return
            except OSError as err:  # e.g. out of file descriptors: keep serving the rest
                log.warning("%s: accept failed: %s", self.name, err)
                return
            if len(self._incoming) >= MAX_CONNECTIONS:
                self._drop(next(iter(self._incoming.values())))
            sock.setblocking(False)
            conn = _Incoming(sock, str(address[0]), time.monotonic() + REQUEST_TIMEOUT_S)
            self._incoming[sock] = conn
            self._selector.register(sock, selectors.EVENT_READ)

    def _receive(self, conn: _Incoming) -> None:
        try:
            chunk = conn.sock.recv(RECV_BYTES)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client closed (or reset) its side
            self._drop(conn)
            return
        if conn.draining:
            return
        try:
            request = conn.take(chunk, self._max_body)
        except Refused as refusal:
            self._refuse(conn, refusal.response)
            return
        if request is None:
            return
        self._release(conn)
        if self._urgent(request):
            self._reply_now(conn.sock, self._answer(request))
            return
        try:
            self._queue.put_nowait((conn.sock, request))
        except queue.Full:
            self._reply_now(conn.sock, error(HTTPStatus.SERVICE_UNAVAILABLE, "busy, try again"))

    def _expire(self, now: float) -> None:
        for conn in [c for c in self._incoming.values() if c.deadline <= now]:
            if conn.draining:
                self._drop(conn)
            else:
                self._refuse(conn, error(HTTPStatus.REQUEST_TIMEOUT, "the request came too slowly"))

    def _refuse(self, conn: _Incoming, response: Response) -> None:
        """Answer now, then drop what the client still sends for `LINGER_S`."""
        log.debug("%s %s: %s", self.name, conn.client, response.status)
        try:
            conn.sock.send(response.encode())
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._drop(conn)
            return
        conn.draining = True
        conn.deadline = time.monotonic() + LINGER_S
        conn.data = bytearray()

    def _reply_now(self, sock: socket.socket, response: Response) -> None:
        """Answer from the reader: one non-blocking send. A fresh socket's send buffer
        takes a small answer whole; a client that cannot take it gets nothing."""
        with contextlib.suppress(OSError):
            sock.send(response.encode())
        sock.close()

    def _release(self, conn: _Incoming) -> None:
        """The reader is done with this connection: its request is complete."""
        del self._incoming[conn.sock]
        self._selector.unregister(conn.sock)

    def _drop(self, conn: _Incoming) -> None:
        self._release(conn)
        conn.sock.close()

    # -- the workers -----------------------------------------------------------------

    def _work(self) -> None:
        while not self._closing.is_set():
            item = self._queue.get()
            if item is None:
                return
            sock, request = item
            response = self._answer(request)
            try:
                sock.settimeout(SEND_TIMEOUT_S)  # for the whole sendall, not per chunk
                sock.sendall(response.encode())
            except OSError:
                pass  # the client went away or was too slow: nothing to tell it
            sock.close()

    def _answer(self, request: Request) -> Response:
        try:
            response = self._handle(request)
        except Exception:
            log.exception("%s: %s %s failed", self.name, request.method, request.path)
            response = error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (logged)")
        log.debug("%s %s %s: %d", request.client, request.method, request.path, response.status)
        return response
