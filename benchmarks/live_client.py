"""A minimal client of Foxglove's WebSocket protocol, for tests and the loop benchmark:
connects, reads the server's channel advertisements, subscribes to every channel and
collects the messages it receives. Written from the protocol's description (JSON text
frames for control: `serverInfo`, `advertise`, `subscribe`; binary frames for data: op
0x01, subscription id u32 LE, log time u64 LE ns, payload)."""

from __future__ import annotations

import json
import struct
import time
from collections import defaultdict
from dataclasses import dataclass, field

import websocket  # websocket-client

SUBPROTOCOLS = ["foxglove.sdk.v1", "foxglove.websocket.v1"]
"""The SDK's server (foxglove-sdk 0.30) speaks the protocol under the first name; the
second is the older name, which the app also offers."""
MESSAGE_DATA = 0x01


@dataclass
class Received:
    channels: dict[int, dict] = field(default_factory=dict)
    """Advertised channels by id (topic, encoding, schemaName, schema)."""
    messages: dict[str, list[tuple[int, bytes]]] = field(default_factory=lambda: defaultdict(list))
    """topic -> [(log time ns, payload)] in arrival order."""
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """topic -> monotonic arrival times (s)."""

    def topics(self) -> set[str]:
        return {c["topic"] for c in self.channels.values()}


def connect(url: str, headers: dict[str, str] | None = None, timeout_s: float = 5.0):
    """A connected socket; raises `websocket.WebSocketBadStatusException` when refused.
    `Host` and `Origin` in `headers` replace the client's own (it sends no Origin else)."""
    extra = dict(headers or {})
    host, origin = extra.pop("Host", None), extra.pop("Origin", None)
    return websocket.create_connection(
        url,
        subprotocols=SUBPROTOCOLS,
        header=[f"{k}: {v}" for k, v in extra.items()],
        timeout=timeout_s,
        host=host,
        origin=origin,
        suppress_origin=origin is None,
    )


def collect(
    url: str,
    seconds: float,
    headers: dict[str, str] | None = None,
    until: set[str] | None = None,
    min_seconds: float = 0.0,
) -> Received:
    """Subscribe to every channel advertised and collect for `seconds` (or, after at
    least `min_seconds`, until every topic of `until` has been received once)."""
    ws = connect(url, headers)
    got = Received()
    subscribed: dict[int, str] = {}
    next_id = 1
    start = time.monotonic()
    deadline = start + seconds
    ws.settimeout(0.2)
    try:
        while time.monotonic() < deadline:
            done = until is not None and until <= set(got.messages)
            if done and time.monotonic() - start >= min_seconds:
                break
            try:
                opcode, data = ws.recv_data()
            except websocket.WebSocketTimeoutException:
                continue
            if opcode == websocket.ABNF.OPCODE_TEXT:
                msg = json.loads(data)
                if msg.get("op") == "advertise":
                    subs = []
                    for channel in msg["channels"]:
                        got.channels[channel["id"]] = channel
                        subscribed[next_id] = channel["topic"]
                        subs.append({"id": next_id, "channelId": channel["id"]})
                        next_id += 1
                    ws.send(json.dumps({"op": "subscribe", "subscriptions": subs}))
            elif opcode == websocket.ABNF.OPCODE_BINARY and data[0] == MESSAGE_DATA:
                sub_id, log_time = struct.unpack_from("<IQ", data, 1)
                topic = subscribed.get(sub_id, "?")
                got.messages[topic].append((log_time, bytes(data[13:])))
                got.arrivals[topic].append(time.monotonic())
    finally:
        ws.close()
    return got
