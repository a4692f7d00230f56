"""The kiosk's web server: one page and a few JSON endpoints, bridged to the bus.

    GET  /             the page
    GET  /frame        the latest camera image (set by whoever owns the camera)
    GET  /config       title and the safe requests for the big buttons
    GET  /events?after=N   long-poll: plan, progress, speech, E-stop, safety events
    POST /instruction  {"text": "..."} -> an `Instruction` on the bus
    POST /stop         engage the protective stop (`EStop(engaged=True)`: the arm holds)
    POST /reset        release it (on `EStop/release`, which only operators may send)

Only the kiosk's own page drives the arm. Any web page a browser on the same machine
or network shows can send requests here, so everything but STOP is refused (403) when
(rules shared with the live view, robot/web_access.py):

- `Host` is not one of the kiosk's names: `localhost`, an IP address, or a name in
  `[kiosk] hosts` (e.g. `kiosk.local`). This stops DNS rebinding, where a foreign page
  re-points its own name at this machine to become "same-origin" with us; an IP
  address cannot be re-pointed, so any is accepted, and a name must be listed;
- `Origin` is present and is not `http://` plus the request's own `Host`: another
  page's script, another port on this machine included. A request without `Origin` is
  not from a page's script on another site: browsers send it with every cross-origin
  request and every POST, so only same-origin GETs (the page, its image and polls) and
  non-browser clients (curl, a staff script) come without one, and those are let in;
- the token is missing or wrong, when the kiosk has one (every request, STOP too):
  off loopback a token is required, so a visitor's phone on the expo Wi-Fi cannot
  drive the arm (`X-Kiosk-Token` header or `?token=`).

An action (`/instruction`, `/reset`) must also be `Content-Type: application/json`
(415 otherwise): a page can send text/plain or a form to anyone without asking, but
JSON across origins needs a CORS preflight, which this server never grants.

`POST /stop` is let in from anywhere that reaches the server, with any content type
and body: engaging the E-stop is always safe, and it must work from the simplest
client (`curl -X POST`). Releasing it is not, and `/reset` is checked as above.

The HTTP server (`robot.kiosk.httpd`) bounds connections, threads, sizes and times, and
answers STOP in its reader thread, ahead of everything queued. A request that fails
behind the bus (a full queue, a publisher raising) gets a clean 503; a request the
planner fails on (raises, hangs, crashes its process) is refused by the brain with a
reason, which the page shows.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from http import HTTPStatus
from importlib.resources import files
from typing import Any

from core.errors import ConfigError, QueueFull
from core.msgs import (
    ESTOP_RELEASE,
    EStop,
    Instruction,
    Plan,
    PlanStatus,
    SafetyEvent,
    SkillStatus,
    Utterance,
)
from robot.bus import Bus, fifo
from robot.kiosk.events import EventLog, to_event
from robot.kiosk.httpd import WORKERS, HttpServer, Request, Response, error, json_response
from robot.node import Node
from robot.web_access import WebAccess, is_loopback

log = logging.getLogger(__name__)

MAX_INSTRUCTION_CHARS = 300
MAX_BODY_BYTES = 4096
"""The largest request body: a request of MAX_INSTRUCTION_CHARS as JSON with every
character escaped as a surrogate pair (12 bytes each) still fits."""
LONG_POLL_S = 10.0
"""How long a `/events` poll waits for news, seconds."""
MAX_LONG_POLLS = WORKERS // 2
"""Polls of `/events` waiting at once (one per open page); more are answered 503. Half
the server's worker threads, so that polls never take them all."""
EVENT_DEPTH = 1000
"""Fifo depth for the events the page shows: far more than a plan produces in a poll."""
FRAME_TYPES = ("image/png", "image/jpeg")
OK = json_response(HTTPStatus.OK, {"ok": True})

ROUTES = {
    "/": "GET",
    "/config": "GET",
    "/frame": "GET",
    "/events": "GET",
    "/instruction": "POST",
    "/stop": "POST",
    "/reset": "POST",
}
"""Each path and the one method it answers."""
_COUNT = re.compile(r"[0-9]{1,18}")


def is_stop(request: Request) -> bool:
    return request.method == "POST" and request.path == "/stop"


class Kiosk(Node):
    """Serves the page and bridges it to the bus (see the module docstring).

    requests: the safe requests shown as big buttons. token: required when `host` is
    not a loopback address. hosts: names other than `localhost` and IP addresses that
    browsers may reach the kiosk by (`[kiosk] hosts`, e.g. `kiosk.local`). scene: the
    scene whose catalogue names the things in the plans shown.
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
        hosts: Sequence[str] = (),
        scene: str = "tea",
    ) -> None:
        super().__init__(bus, "kiosk")
        if not is_loopback(host) and not token:
            raise ConfigError(
                f"the kiosk serves on {host}, not loopback: set a token ([kiosk] token)"
            )
        self.access = WebAccess.of(hosts, token=token, key="[kiosk] hosts", what="kiosk")
        """Its Host, Origin and token rules (robot/web_access.py)."""
        self.host, self.port, self.token = host, port, token
        self.names = self.access.names
        """Host names browsers may use for the kiosk, besides IP addresses."""
        self.config = {"title": title, "requests": list(requests)}
        self.events = EventLog()
        self._frame: tuple[bytes, str] | None = None
        self._frame_lock = threading.Lock()
        self._long_polls = threading.BoundedSemaphore(MAX_LONG_POLLS)
        self._page = files("robot.kiosk").joinpath("page.html").read_bytes()
        self._instructions = bus.publisher(Instruction)
        self._estop = bus.publisher(EStop)
        self._release = bus.publisher(EStop, ESTOP_RELEASE)
        self._server: HttpServer | None = None
        self.serving = threading.Event()
        """Set once the server listens (`port` is then the real one, also when 0 was asked)."""
        topics = [(t, "") for t in (Plan, PlanStatus, SkillStatus, Utterance, EStop, SafetyEvent)]
        for type_, name in [*topics, (EStop, ESTOP_RELEASE)]:
            self.handle(
                type_,
                lambda msg: self.events.append(to_event(msg, scene)),
                name,
                policy=fifo(EVENT_DEPTH),
            )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def set_frame(self, image: bytes, content_type: str = "image/png") -> None:
        """Show this camera image (PNG or JPEG bytes) from now on."""
        if content_type not in FRAME_TYPES:
            raise ValueError(f"a frame is one of {FRAME_TYPES}, got {content_type!r}")
        with self._frame_lock:
            self._frame = (bytes(image), content_type)

    def frame(self) -> tuple[bytes, str] | None:
        with self._frame_lock:
            return self._frame

    def setup(self) -> None:
        # STOP is urgent: the server answers it ahead of everything queued.
        self._server = HttpServer(
            self.host, self.port, self.respond, urgent=is_stop, max_body=MAX_BODY_BYTES
        )
        self.port = self._server.port  # port 0 picks a free one
        self._server.start()
        self.serving.set()
        log.info("kiosk serving on %s", self.url)

    def teardown(self) -> None:
        if self._server is not None:
            self._server.close()

    # -- actions from the page ----------------------------------------------------

    def instruct(self, text: str) -> None:
        self._instructions.publish(Instruction(text=text, source="kiosk"))

    def stop_robot(self) -> None:
        self._estop.publish(EStop(engaged=True, source="kiosk", reason="STOP pressed"))

    def reset(self) -> None:
        self._release.publish(EStop(engaged=False, source="kiosk", reason="reset pressed"))

    # -- requests ------------------------------------------------------------------

    def respond(self, request: Request) -> Response:
        """The answer to one request; runs in the server's threads."""
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        if is_stop(request):
            return self._act(self.stop_robot)
        method = ROUTES.get(request.path)
        if method is None:
            return error(HTTPStatus.NOT_FOUND, f"no page {request.path}")
        if request.method != method:
            return error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"{request.path} answers {method} only",
                headers=(("Allow", method),),
            )
        if method == "POST" and not _is_json(request.headers.get("Content-Type", "")):
            return error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json")
        if request.path == "/reset":
            return self._act(self.reset)
        if request.path == "/instruction":
            return self._instruction(request.body)
        if request.path == "/events":
            return self._events(request.query)
        if request.path == "/frame":
            frame = self.frame()
            if frame is None:
                return error(HTTPStatus.SERVICE_UNAVAILABLE, "no image yet")
            return Response(HTTPStatus.OK, *frame)
        if request.path == "/config":
            return json_response(HTTPStatus.OK, self.config)
        return Response(HTTPStatus.OK, self._page, "text/html; charset=utf-8")

    def _refusal(self, request: Request) -> Response | None:
        """A 403 when the request is not from the kiosk's own page or a non-browser
        client of this machine (the module docstring says why), else None."""
        if not is_stop(request):
            why = self.access.page_refusal(
                request.headers.get("Host", ""), request.headers.get("Origin")
            )
            if why is not None:
                return error(HTTPStatus.FORBIDDEN, why)
        given = request.headers.get("X-Kiosk-Token") or request.query.get("token", [""])[0]
        why = self.access.token_refusal(given)
        return None if why is None else error(HTTPStatus.FORBIDDEN, why)

    def _act(self, action: Callable[[], None]) -> Response:
        try:
            action()
        except QueueFull:
            return error(HTTPStatus.SERVICE_UNAVAILABLE, "busy, try again")
        except Exception:  # whatever is behind the bus, the kiosk goes on serving
            log.exception("kiosk: %s failed", action.__name__)
            return error(HTTPStatus.SERVICE_UNAVAILABLE, "the robot could not take that now")
        return OK

    def _instruction(self, body: bytes) -> Response:
        try:
            sent: Any = json.loads(body)
        except (ValueError, RecursionError):
            sent = None
        text = sent.get("text") if isinstance(sent, dict) else None
        if not isinstance(text, str):
            return error(HTTPStatus.BAD_REQUEST, 'send {"text": "..."}')
        text = text.strip()
        if not 0 < len(text) <= MAX_INSTRUCTION_CHARS or not _is_text(text):
            return error(
                HTTPStatus.BAD_REQUEST, f"a request has 1 to {MAX_INSTRUCTION_CHARS} characters"
            )
        return self._act(lambda: self.instruct(text))

    def _events(self, query: dict[str, list[str]]) -> Response:
        after = query.get("after", ["0"])[0]
        if not _COUNT.fullmatch(after):
            return error(HTTPStatus.BAD_REQUEST, "after must be a whole number")
        if not self._long_polls.acquire(blocking=False):
            return error(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"{MAX_LONG_POLLS} pages follow the kiosk already; close one",
            )
        try:
            nxt, events = self.events.since(int(after), LONG_POLL_S)
        finally:
            self._long_polls.release()
        return json_response(HTTPStatus.OK, {"next": nxt, "events": events})


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip(" \t").lower() == "application/json"


def _is_text(text: str) -> bool:
    """True unless `text` holds lone surrogates (JSON can carry them; UTF-8 cannot)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
