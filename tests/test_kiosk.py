"""The kiosk server: page, requests onto the bus, STOP and reset, tokens off loopback;
only its own page drives it; floods, slow clients and failures behind it leave it
serving, STOP first."""

from __future__ import annotations

import json
import logging
import select
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from core.errors import ConfigError, QueueFull
from core.msgs import Instruction, Plan, Step, Utterance
from robot.brain.node import BrainNode
from robot.brain.planner import PlanResult
from robot.bus import Bus, fifo
from robot.cerebellum.stop_requests import StopRequests
from robot.kiosk import Kiosk

REQUESTS = ["Bring the guest a cup of tea", "Put the blue cup on the tray"]


@pytest.fixture
def kiosk() -> Iterator[tuple[Kiosk, Bus]]:
    bus = Bus()
    k = Kiosk(bus, REQUESTS, port=0)
    k.start()
    assert k.serving.wait(10)
    yield k, bus
    k.stop()


def call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    """GET, or POST `body` as JSON (as the page does)."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(url, data=data, headers=sent | (headers or {}))
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_page_and_config(kiosk) -> None:
    k, _ = kiosk
    status, page = call(k.url)
    assert status == 200 and b'id="stop"' in page
    status, body = call(k.url + "config")
    assert json.loads(body)["requests"] == REQUESTS


def test_instruction_reaches_the_bus(kiosk) -> None:
    k, bus = kiosk
    sub = bus.subscribe(Instruction, policy=fifo(4))
    assert call(k.url + "instruction", {"text": "Pour tea into the red cup."})[0] == 200
    msg = sub.get(timeout=5)
    assert (msg.text, msg.source) == ("Pour tea into the red cup.", "kiosk")
    assert call(k.url + "instruction", {"text": "   "})[0] == 400
    assert call(k.url + "instruction", {"text": "x" * 301})[0] == 400
    assert call(k.url + "instruction", {"nope": 1})[0] == 400
    assert sub.poll() is None


def test_stop_and_reset_publish_estop(kiosk) -> None:
    k, bus = kiosk
    sub = StopRequests(bus, 4)
    assert call(k.url + "stop", {})[0] == 200
    assert sub.get(timeout=5).engaged is True
    assert call(k.url + "reset", {})[0] == 200
    assert sub.get(timeout=5).engaged is False


def test_events_follow_the_plan_and_speech(kiosk) -> None:
    k, bus = kiosk
    steps = (Step("pour", {"source": "teapot", "target": "cup_red"}), Step("go_home"))
    bus.publish(Plan(instruction="Füll die rote Tasse", steps=steps, language="de"))
    bus.publish(Utterance(text="Ich gehe nach Hause.", language="de"))
    after, seen = 0, []
    while len(seen) < 2:
        body = json.loads(call(k.url + f"events?after={after}")[1])
        after, seen = body["next"], seen + body["events"]
    assert [e["type"] for e in seen] == ["plan", "say"]
    # Each step as people say it, in the plan's language, with the catalogue's names.
    assert seen[0]["steps"] == [
        {
            "skill": "pour",
            "args": {"source": "teapot", "target": "cup_red"},
            "text": "Ich nehme die Teekanne und gieße in die rote Tasse.",
        },
        {"skill": "go_home", "args": {}, "text": "Ich fahre in die Ausgangsposition."},
    ]


def test_frame_is_served_once_set(kiosk) -> None:
    k, _ = kiosk
    assert call(k.url + "frame")[0] == 503
    k.set_frame(b"\x89PNG fake", "image/png")
    assert call(k.url + "frame") == (200, b"\x89PNG fake")


def test_other_interfaces_need_a_token() -> None:
    with pytest.raises(ConfigError, match="token"):
        Kiosk(Bus(), REQUESTS, host="0.0.0.0")


def test_token_is_checked_on_every_request() -> None:
    bus = Bus()
    k = Kiosk(bus, REQUESTS, port=0, token="s3cret")
    k.start()
    assert k.serving.wait(10)
    try:
        assert call(k.url)[0] == 403
        assert call(k.url + "stop", {})[0] == 403
        assert call(k.url + "?token=wrong")[0] == 403
        assert call(k.url + "?token=s3cret")[0] == 200
        assert call(k.url + "config", headers={"X-Kiosk-Token": "s3cret"})[0] == 200
    finally:
        k.stop()


# -- only the kiosk's own page drives it ------------------------------------------------

SETTLE_S = 0.3
"""How long to wait for a message that must not come."""
RAW_TIMEOUT_S = 15.0
"""A raw request that takes longer has hung (generous: shared machines)."""


def raw(
    port: int, data: bytes, timeout: float = RAW_TIMEOUT_S
) -> tuple[int, dict[str, str], bytes]:
    """Send `data` as it is; (status, headers with lower-case names, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    host: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A request with Host `127.0.0.1:port` (or `host`), the given headers and body."""
    host = f"127.0.0.1:{port}" if host is None else host
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body and not any(k.lower() == "content-length" for k in headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return raw(port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)


JSON = {"Content-Type": "application/json"}
ASK = json.dumps({"text": "Pour tea into the red cup."}).encode()


def test_other_pages_cannot_reset_or_instruct_but_can_stop(kiosk) -> None:
    k, bus = kiosk
    estops = StopRequests(bus, 16)
    instructions = bus.subscribe(Instruction, policy=fifo(16))
    foreign = [
        "http://evil.example",
        f"http://127.0.0.1:{k.port + 1}",  # another server on this machine
        f"https://127.0.0.1:{k.port}",
        "null",  # sandboxed frames, file: pages
    ]
    for origin in foreign:
        for content_type in ("text/plain", "application/json"):
            sent = {"Origin": origin, "Content-Type": content_type}
            status, _, body = request(k.port, "POST", "/reset", sent, b"{}")
            assert status == 403 and "other web pages" in json.loads(body)["error"]
            assert request(k.port, "POST", "/instruction", sent, ASK)[0] == 403
    time.sleep(SETTLE_S)
    assert estops.poll() is None and instructions.poll() is None
    # Engaging the stop is always safe: taken from any page, any Host, any body.
    sent = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
    assert request(k.port, "POST", "/stop", sent, b"x", host="evil.example")[0] == 200
    assert estops.get(timeout=5).engaged is True


def test_only_the_kiosks_own_names_and_origin_are_served(kiosk) -> None:
    """DNS rebinding: a foreign page re-points its own name at this machine; its
    requests carry that name as Host."""
    k, bus = kiosk
    estops = StopRequests(bus, 16)
    for host in (f"127.0.0.1:{k.port}", f"localhost:{k.port}", f"[::1]:{k.port}"):
        sent = {"Origin": f"http://{host}"} | JSON
        assert request(k.port, "POST", "/reset", sent, b"{}", host=host)[0] == 200
        assert estops.get(timeout=5).engaged is False
        assert request(k.port, "GET", "/", host=host)[0] == 200
    # A non-browser client (curl, a script) sends no Origin: Host and token decide.
    assert request(k.port, "POST", "/reset", JSON, b"{}")[0] == 200
    assert estops.get(timeout=5).engaged is False
    for host in (f"evil.example:{k.port}", "evil.example", "", "127.0.0.1:99999", "a b"):
        assert request(k.port, "GET", "/", host=host)[0] == 403
        assert request(k.port, "GET", "/events?after=0", host=host)[0] == 403
        assert request(k.port, "POST", "/reset", JSON, b"{}", host=host)[0] == 403
    time.sleep(SETTLE_S)
    assert estops.poll() is None


def test_listed_host_names_are_served() -> None:
    bus = Bus()
    k = Kiosk(bus, REQUESTS, port=0, hosts=["Kiosk.local"])
    k.start()
    assert k.serving.wait(10)
    try:
        own = f"kiosk.local:{k.port}"
        assert request(k.port, "GET", "/config", host=own)[0] == 200
        sent = {"Origin": f"http://{own}"} | JSON
        assert request(k.port, "POST", "/reset", sent, b"{}", host=own)[0] == 200
        assert request(k.port, "GET", "/", host=f"other.local:{k.port}")[0] == 403
    finally:
        k.stop()
    for wrong in ("http://kiosk.local", "kiosk.local:8080", "", "kiosk local"):
        with pytest.raises(ConfigError, match=r"\[kiosk\] hosts"):
            Kiosk(Bus(), REQUESTS, hosts=[wrong])


def test_actions_must_be_json(kiosk) -> None:
    """A page may send text/plain or a form anywhere without asking; JSON needs a
    preflight the kiosk never grants."""
    k, bus = kiosk
    estops = StopRequests(bus, 16)
    instructions = bus.subscribe(Instruction, policy=fifo(16))
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain; application/json",
        "",
    ):
        sent = {"Content-Type": content_type}
        assert request(k.port, "POST", "/reset", sent, b"{}")[0] == 415
        assert request(k.port, "POST", "/instruction", sent, ASK)[0] == 415
    time.sleep(SETTLE_S)
    assert estops.poll() is None and instructions.poll() is None
    sent = {"Content-Type": "Application/JSON; charset=utf-8"}
    assert request(k.port, "POST", "/instruction", sent, ASK)[0] == 200
    assert instructions.get(timeout=5).text == "Pour tea into the red cup."


def test_content_length_is_checked_before_the_body_is_read(kiosk) -> None:
    k, bus = kiosk
    estops = StopRequests(bus, 16)
    for length, status in (("-1", 400), ("abc", 400), ("1_0", 400), ("0x10", 400), ("+2", 400)):
        sent = JSON | {"Content-Length": length}
        assert request(k.port, "POST", "/reset", sent)[0] == status, length
    # Announced but never sent: refused at once, not waited for.
    huge = JSON | {"Content-Length": str(10**9)}
    status, _, body = request(k.port, "POST", "/reset", huge)
    assert status == 413 and "at most" in json.loads(body)["error"]
    chunked = JSON | {"Transfer-Encoding": "chunked"}
    assert request(k.port, "POST", "/reset", chunked, b"2\r\n{}\r\n0\r\n\r\n")[0] == 411
    twice = f"POST /reset HTTP/1.1\r\nHost: 127.0.0.1:{k.port}\r\nContent-Type: application/json"
    twice += "\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"
    assert raw(k.port, twice.encode())[0] == 400
    time.sleep(SETTLE_S)
    assert estops.poll() is None


def test_responses_may_not_be_framed_by_other_pages(kiosk) -> None:
    """Clickjacking: a foreign page showing ours in a frame could steer clicks to Reset."""
    k, _ = kiosk
    _, headers, _ = request(k.port, "GET", "/")
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


# -- slow clients, floods, failures behind the bus ----------------------------------------


def test_a_slow_client_is_dropped(kiosk, monkeypatch) -> None:
    """Slowloris: headers a byte at a time. The request's whole time is bounded."""
    import robot.kiosk.httpd as httpd

    monkeypatch.setattr(httpd, "REQUEST_TIMEOUT_S", 0.5)
    k, _ = kiosk
    trickle = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{k.port}\r\nX-Slow: " + "a" * 200
    pause_s = 0.05
    with socket.create_connection(("127.0.0.1", k.port), timeout=RAW_TIMEOUT_S) as s:
        answer = b""
        for byte in trickle.encode():
            try:
                s.send(bytes([byte]))
            except OSError:  # the server has closed the connection
                break
            if select.select([s], [], [], pause_s)[0]:
                answer = s.recv(4096)
                break
        else:
            pytest.fail(
                f"the server took {len(trickle)} bytes over {len(trickle) * pause_s:.0f} s "
                "and did not drop the connection"
            )
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_a_flood_takes_no_threads_and_stop_still_engages(kiosk) -> None:
    """Hundreds of idle connections, half-sent requests and long-polls: the server's
    threads stay those it started with, extra polls are refused, and STOP engages."""
    from robot.kiosk.server import MAX_LONG_POLLS

    k, bus = kiosk
    estops = StopRequests(bus, 4)
    threads = threading.active_count()
    flood: list[socket.socket] = []
    polls: list[socket.socket] = []
    try:
        for i in range(300):
            s = socket.create_connection(("127.0.0.1", k.port), timeout=RAW_TIMEOUT_S)
            if i % 3 == 1:
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
            flood.append(s)
        assert threading.active_count() <= threads
        for _ in range(MAX_LONG_POLLS + 6):
            s = socket.create_connection(("127.0.0.1", k.port), timeout=RAW_TIMEOUT_S)
            s.sendall(
                f"GET /events?after=999 HTTP/1.1\r\nHost: 127.0.0.1:{k.port}\r\n\r\n".encode()
            )
            polls.append(s)
        # The polls past the bound are refused at once (the others wait LONG_POLL_S).
        refused: set[socket.socket] = set()
        deadline = time.monotonic() + RAW_TIMEOUT_S / 2
        while len(refused) < len(polls) - MAX_LONG_POLLS and time.monotonic() < deadline:
            for s in select.select([p for p in polls if p not in refused], [], [], 0.1)[0]:
                assert s.recv(4096).startswith(b"HTTP/1.1 503")
                refused.add(s)
        assert len(refused) == len(polls) - MAX_LONG_POLLS
        assert threading.active_count() <= threads
        assert request(k.port, "POST", "/stop")[0] == 200
        assert estops.get(timeout=5).engaged is True
        assert threading.active_count() <= threads
    finally:
        for s in flood + polls:
            s.close()


def test_an_action_that_raises_gets_a_clean_error(kiosk, monkeypatch) -> None:
    k, _ = kiosk

    def broken(msg: Instruction) -> Instruction:
        raise RuntimeError("the bus broke")

    monkeypatch.setattr(k._instructions, "publish", broken)
    status, body = call(k.url + "instruction", {"text": "Pour tea."})
    assert status == 503 and "error" in json.loads(body)

    def full(msg: Instruction) -> Instruction:
        raise QueueFull("Instruction: full")

    monkeypatch.setattr(k._instructions, "publish", full)
    assert call(k.url + "instruction", {"text": "Pour tea."}) == (
        503,
        b'{"error": "busy, try again"}',
    )
    assert call(k.url + "config")[0] == 200
    assert k.running and k.failure is None


class PlannerThatRaises:
    """Plans a greeting, except for `BOOM`, where it raises as onnxruntime does when a
    request overflows the model's context."""

    BOOM = "boom"

    def __init__(self) -> None:
        self.calls = 0

    def plan(self, spec, instruction, world=None, attempt=0, language="en", use_cache=True):
        self.calls += 1
        if instruction == self.BOOM:
            raise RuntimeError("INVALID_ARGUMENT: indices element out of data bounds, idx=256")
        steps = (Step("say", {"text": "Hello!"}),)
        return PlanResult(Plan(instruction=instruction, steps=steps, language=language))


def wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served_with_raising_planner() -> Iterator[tuple[Kiosk, PlannerThatRaises, threading.Thread]]:
    """The expo kiosk as `robot kiosk` runs it (run_nodes), planning with
    `PlannerThatRaises`; yields the kiosk, the planner and the thread running them."""
    from robot.kiosk.cli import build_kiosk
    from robot.launch.config import PROJECT_ROOT, load_launch
    from robot.node import run_nodes

    served = build_kiosk(load_launch(PROJECT_ROOT / "launch" / "expo.toml"), port=0)
    planner = PlannerThatRaises()
    next(n for n in served.stack.nodes if isinstance(n, BrainNode)).planner = planner
    done = threading.Event()
    runner = threading.Thread(target=run_nodes, args=(served.nodes, done.is_set), daemon=True)
    runner.start()
    try:
        assert served.kiosk.serving.wait(20)
        yield served.kiosk, planner, runner
    finally:
        done.set()
        runner.join(10)
        served.close()


def events_until(k: Kiosk, found, timeout_s: float = 20.0) -> list[dict]:
    """Follow /events as the page does until `found(events)` holds."""
    after, seen = 0, []
    deadline = time.monotonic() + timeout_s
    while not found(seen):
        assert time.monotonic() < deadline, f"timed out; events so far: {seen}"
        body = json.loads(call(k.url + f"events?after={after}")[1])
        after, seen = body["next"], seen + body["events"]
    return seen


def test_the_kiosk_survives_a_request_whose_planning_raises(served_with_raising_planner) -> None:
    k, planner, runner = served_with_raising_planner
    assert call(k.url + "instruction", {"text": PlannerThatRaises.BOOM})[0] == 200
    events = events_until(k, lambda seen: any(e.get("state") == "refused" for e in seen))
    assert "the planner failed" in next(e for e in events if e.get("state") == "refused")["reason"]
    # Still serving, and planning again: the next request is planned and carried out.
    assert call(k.url + "instruction", {"text": "Say hello."})[0] == 200
    events_until(k, lambda seen: any(e.get("state") == "succeeded" for e in seen))
    assert planner.calls == 2 and runner.is_alive()


def test_the_kiosk_survives_frames_that_fail_to_encode(monkeypatch) -> None:
    """The camera feed runs in the physics thread: a failing frame must not stop it."""
    import robot.camera_feed as camera_feed
    import robot.kiosk.cli as cli
    from robot.launch.config import PROJECT_ROOT, load_launch
    from robot.node import run_nodes

    attempts = []

    def broken_render(scene, camera, width, height):
        attempts.append((camera, width, height))
        raise OSError("renderer broke")

    monkeypatch.setattr(camera_feed, "render", broken_render)
    served = cli.build_kiosk(load_launch(PROJECT_ROOT / "launch" / "expo.toml"), port=0)
    done = threading.Event()
    runner = threading.Thread(target=run_nodes, args=(served.nodes, done.is_set), daemon=True)
    runner.start()
    try:
        assert served.kiosk.serving.wait(20)
        wait_for(lambda: len(attempts) >= 3, 20, "three frames")
        assert runner.is_alive() and all(n.running for n in served.nodes)
        assert call(served.kiosk.url + "frame")[0] == 503  # no image yet, and still serving
    finally:
        done.set()
        runner.join(10)
        served.close()


def test_a_kiosk_without_a_chinese_font_says_so_in_one_line(monkeypatch, caplog) -> None:
    from robot.kiosk import cli

    monkeypatch.setattr(cli.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(cli, "cjk_fonts", lambda: [])
    with caplog.at_level(logging.WARNING, logger=cli.log.name):
        cli.warn_without_cjk_font(["Bring the guest a cup of tea."])
        assert not caplog.records  # nothing Chinese to show
        cli.warn_without_cjk_font(["给客人端一杯茶。"])
    assert len(caplog.records) == 1
    assert "fonts-noto-cjk" in caplog.records[0].getMessage()
    monkeypatch.setattr(cli, "cjk_fonts", lambda: ["Noto Sans CJK SC"])
    caplog.clear()
    cli.warn_without_cjk_font(["给客人端一杯茶。"])
    assert not caplog.records
