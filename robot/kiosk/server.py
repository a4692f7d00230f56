"""The kiosk's web server: standard library HTTP, one page, a few JSON endpoints.

    GET  /             the page
    GET  /frame        the latest camera image (set by whoever owns the camera)
    GET  /config       title and the safe requests for the big buttons
    GET  /events?after=N   long-poll: plan, progress, speech, E-stop, safety events
    POST /instruction  {"text": "..."} -> an `Instruction` on the bus
    POST /stop         engage the E-stop (`EStop(engaged=True)`)
    POST /reset        reset it

It listens on loopback unless told otherwise; on any other interface every request
must carry the token (`X-Kiosk-Token` header or `?token=`), so a visitor's phone on
the expo Wi-Fi cannot drive the arm.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlparse

from robot.bus import Bus, fifo
from robot.errors import ConfigError, QueueFull
from robot.kiosk.events import EventLog, to_event
from robot.msgs import EStop, Instruction, Plan, PlanStatus, SafetyEvent, SkillStatus, Utterance
from robot.node import Node

log = logging.getLogger(__name__)

MAX_INSTRUCTION_CHARS = 300
LONG_POLL_S = 10.0
EVENT_DEPTH = 1000
"""Fifo depth for the events the page shows: far more than a plan produces in a poll."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Kiosk(Node):
    """Serves the page and bridges it to the bus.

    requests: the safe requests shown as big buttons. token: required when `host` is
    not a loopback address.
    """

    def __init__(
        self,
        bus: Bus,
        requests: list[str],
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        token: str | None = None,
        title: str = "Tea robot",
    ) -> None:
        super().__init__(bus, "kiosk")
        if not is_loopback(host) and not token:
            raise ConfigError(
                f"the kiosk serves on {host}, not loopback: set a token ([kiosk] token)"
            )
        self.host, self.port, self.token = host, port, token
        self.config = {"title": title, "requests": list(requests)}
        self.events = EventLog()
        self._frame: tuple[bytes, str] | None = None
        self._frame_lock = threading.Lock()
        self._instructions = bus.publisher(Instruction)
        self._estop = bus.publisher(EStop)
        self._server: ThreadingHTTPServer | None = None
        self.serving = threading.Event()
        """Set once the server listens (`port` is then the real one, also when 0 was asked)."""
        for type_ in (Plan, PlanStatus, SkillStatus, Utterance, EStop, SafetyEvent):
            self.handle(
                type_, lambda msg: self.events.append(to_event(msg)), policy=fifo(EVENT_DEPTH)
            )

    def _show(self, msg: Any) -> None:
        self.events.append(to_event(msg))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def set_frame(self, image: bytes, content_type: str = "image/png") -> None:
        """Show this camera image (PNG or JPEG bytes) from now on."""
        with self._frame_lock:
            self._frame = (image, content_type)

    def frame(self) -> tuple[bytes, str] | None:
        with self._frame_lock:
            return self._frame

    def setup(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]  # port 0 picks a free one
        threading.Thread(target=self._server.serve_forever, name="kiosk:http", daemon=True).start()
        self.serving.set()
        log.info("kiosk serving on %s", self.url)

    def teardown(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- actions from the page ----------------------------------------------------

    def instruct(self, text: str) -> None:
        self._instructions.publish(Instruction(text=text, source="kiosk"))

    def stop_robot(self) -> None:
        self._estop.publish(EStop(engaged=True, source="kiosk", reason="STOP pressed"))

    def reset(self) -> None:
        self._estop.publish(EStop(engaged=False, source="kiosk", reason="reset pressed"))


def _handler_for(kiosk: Kiosk) -> type[BaseHTTPRequestHandler]:
    page = files("robot.kiosk").joinpath("page.html").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        server_version = "robot-kiosk"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _authorised(self, query: dict[str, list[str]]) -> bool:
            if not kiosk.token:
                return True
            given = self.headers.get("X-Kiosk-Token") or query.get("token", [""])[0]
            return hmac.compare_digest(given.encode(), kiosk.token.encode())

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: HTTPStatus, obj: Any) -> None:
            self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json")

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if not self._authorised(query):
                return self._json(HTTPStatus.FORBIDDEN, {"error": "missing or wrong token"})
            if url.path == "/":
                return self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
            if url.path == "/config":
                return self._json(HTTPStatus.OK, kiosk.config)
            if url.path == "/frame":
                frame = kiosk.frame()
                if frame is None:
                    return self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "no image yet"})
                return self._send(HTTPStatus.OK, *frame)
            if url.path == "/events":
                try:
                    after = int(query.get("after", ["0"])[0])
                except ValueError:
                    return self._json(HTTPStatus.BAD_REQUEST, {"error": "after must be a number"})
                nxt, events = kiosk.events.since(after, LONG_POLL_S)
                return self._json(HTTPStatus.OK, {"next": nxt, "events": events})
            return self._json(HTTPStatus.NOT_FOUND, {"error": f"no page {url.path}"})

        def do_POST(self) -> None:
            url = urlparse(self.path)
            if not self._authorised(parse_qs(url.query)):
                return self._json(HTTPStatus.FORBIDDEN, {"error": "missing or wrong token"})
            if url.path == "/stop":
                kiosk.stop_robot()
                return self._json(HTTPStatus.OK, {"ok": True})
            if url.path == "/reset":
                kiosk.reset()
                return self._json(HTTPStatus.OK, {"ok": True})
            if url.path == "/instruction":
                return self._instruction()
            return self._json(HTTPStatus.NOT_FOUND, {"error": f"no action {url.path}"})

        def _instruction(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > 4 * MAX_INSTRUCTION_CHARS + 64:
                return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too long"})
            try:
                text = str(json.loads(self.rfile.read(length))["text"]).strip()
            except (ValueError, KeyError, TypeError):
                return self._json(HTTPStatus.BAD_REQUEST, {"error": 'send {"text": "..."}'})
            if not text or len(text) > MAX_INSTRUCTION_CHARS:
                return self._json(
                    HTTPStatus.BAD_REQUEST,
                    {"error": f"a request has 1 to {MAX_INSTRUCTION_CHARS} characters"},
                )
            try:
                kiosk.instruct(text)
            except QueueFull:
                return self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "busy, try again"})
            return self._json(HTTPStatus.OK, {"ok": True})

    return Handler
