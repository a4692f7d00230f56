"""The kiosk server: page, requests onto the bus, STOP and reset, tokens off loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from robot.bus import Bus, fifo
from robot.errors import ConfigError
from robot.kiosk import Kiosk
from robot.msgs import EStop, Instruction, Plan, Step, Utterance

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
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=headers or {})
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
    sub = bus.subscribe(EStop, policy=fifo(4))
    assert call(k.url + "stop", {})[0] == 200
    assert sub.get(timeout=5).engaged is True
    assert call(k.url + "reset", {})[0] == 200
    assert sub.get(timeout=5).engaged is False


def test_events_follow_the_plan_and_speech(kiosk) -> None:
    k, bus = kiosk
    bus.publish(Plan(instruction="tidy", steps=(Step("go_home"),)))
    bus.publish(Utterance(text="Ich gehe nach Hause.", language="de"))
    after, seen = 0, []
    while len(seen) < 2:
        body = json.loads(call(k.url + f"events?after={after}")[1])
        after, seen = body["next"], seen + body["events"]
    assert [e["type"] for e in seen] == ["plan", "say"]
    assert seen[0]["steps"] == [{"skill": "go_home", "args": {}}]


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
