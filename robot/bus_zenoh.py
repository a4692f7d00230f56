"""A bus backend over Eclipse Zenoh: the same typed topics between processes and hosts.

    bus = Bus(ZenohBackend(listen=["tcp/0.0.0.0:7447"]))          # on the arm's computer
    bus = Bus(ZenohBackend(connect=["tcp/arm-host:7447"]))        # on the brain's

Messages travel msgpack-encoded under the key `<prefix>/<topic key>`, and are
validated on arrival like any boundary input. Multicast scouting is off unless asked
for: peers are named explicitly, which is what a robot cell on a shared network wants.

Two departures from the in-process bus: a remote subscriber's full fifo cannot raise
`QueueFull` in the publisher's process. It is logged as an error and counted in
`overflows` instead; local subscribers behave exactly as in-process. And a message
from another process that arrives later than its type allows (robot/staleness.py) is
dropped and counted in `stale`, per topic: the first of each topic is logged.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import zenoh

from core.errors import BusError, MessageError, QueueFull
from core.msgs import Message, decode_msgpack, encode_msgpack
from robot.bus import Backend, Newest, Subscription, Topic
from robot.bus_security import Acl, configure, secure_endpoint_problem
from robot.cell.certificates import Credentials
from robot.staleness import Lateness, max_age_s

log = logging.getLogger(__name__)

HOST_PORT_PROTOCOLS = ("tcp", "udp", "tls", "quic", "ws")
"""Zenoh link protocols of this build whose address is `host:port`."""
PATH_PROTOCOLS = ("unixsock-stream",)
"""Zenoh link protocols of this build whose address is a file system path."""
ENDPOINT_FORM = "<protocol>/<address>[?<metadata>][#<config>], e.g. tcp/127.0.0.1:7447"
MAX_PORT = 65535
_HOST_PORT = re.compile(r"(?:\[(?P<ipv6>[^\]]+)\]|(?P<host>[A-Za-z0-9._-]+)):(?P<port>\d{1,5})")
_ZENOH_SOURCE = re.compile(r" at \S+\.rs:\d+\.?")
"""Where in Zenoh's Rust sources an error was raised: noise for the person reading it."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now (the OS's choice): for an endpoint to be listened on
    at once (a race with another process taking it first is possible, and unlikely)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def endpoint_problem(endpoint: str, listening: bool) -> str | None:
    """Why `endpoint` is not a Zenoh endpoint this build can use, or None if it is one.

    Checks the form `<protocol>/<address>[?<metadata>][#<config>]` (Zenoh's EndPoint), that
    the protocol is one the installed Zenoh supports, and the address: `host:port` (an IPv6
    host in brackets; port 0, any free port, only for listening) or a path. Whether the
    host resolves and the port is free shows only when the session opens.
    """
    locator = endpoint.partition("#")[0].partition("?")[0]
    protocol, slash, address = locator.partition("/")
    if not slash or not protocol or not address:
        return f"is not a Zenoh endpoint {ENDPOINT_FORM}"
    if protocol in PATH_PROTOCOLS:
        return None
    if protocol not in HOST_PORT_PROTOCOLS:
        known = ", ".join((*HOST_PORT_PROTOCOLS, *PATH_PROTOCOLS))
        return f"has protocol {protocol!r}, not one of {known}"
    match = _HOST_PORT.fullmatch(address)
    if match is None:
        return f"has address {address!r}, not host:port"
    lowest_port = 0 if listening else 1
    if not lowest_port <= int(match["port"]) <= MAX_PORT:
        return f"has port {match['port']}, not in {lowest_port}..{MAX_PORT}"
    host = match["ipv6"] or match["host"]
    looks_numeric = match["ipv6"] is not None or host.replace(".", "").isdigit()
    if looks_numeric:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return f"has host {host!r}, not an IP address"
    return None


def _zenoh_why(err: zenoh.ZError) -> str:
    """The first line of a Zenoh error, without where in Zenoh's sources it was raised."""
    return (_ZENOH_SOURCE.sub("", str(err)).strip() or type(err).__name__).splitlines()[0]


def _secure(
    config: zenoh.Config,
    listen: list[str],
    connect: list[str],
    credentials: Credentials | None,
    acl: Acl | None,
    prefix: str,
) -> None:
    """Add mutual TLS and the ACL to `config`; BusError for an endpoint that would carry
    neither, or for an ACL without credentials (its host names come from certificates)."""
    if credentials is None:
        if acl is not None:
            raise BusError(
                "a Zenoh ACL names hosts by their certificates: give the host's credentials too"
            )
        return
    for endpoint in (*listen, *connect):
        if problem := secure_endpoint_problem(endpoint):
            raise BusError(f"Zenoh endpoint {endpoint!r} {problem}")
    # Said even when empty: a Zenoh peer told nothing listens on plain tcp/[::]:0, a door
    # around the certificates.
    config.insert_json5("listen/endpoints", json.dumps(listen))
    try:
        configure(config, credentials, acl, prefix)
    except zenoh.ZError as err:
        raise BusError(f"cannot configure the Zenoh bus's security: {_zenoh_why(err)}") from err


class ZenohBackend(Backend):
    """Zenoh transport. `listen` / `connect`: Zenoh endpoints such as "tcp/127.0.0.1:7447".

    mode: "peer" (the default) links directly to the peers it is given; a host running
    several layer processes (`robot up`) has one "router" facing the network, and each
    layer process is its "client"."""

    def __init__(
        self,
        listen: list[str] | None = None,
        connect: list[str] | None = None,
        *,
        prefix: str = "robot",
        multicast_scouting: bool = False,
        mode: Literal["peer", "client", "router"] = "peer",
        credentials: Credentials | None = None,
        acl: Acl | None = None,
    ) -> None:
        """`credentials`: this host's certificate and key (`robot.bus_security`); with them
        every endpoint must be `tls/` or `quic/` and only peers of the same cell connect.
        `acl`: who among them may publish the restricted topics; it takes effect on what
        arrives here, so every process of the cell loads it."""
        for endpoints, listening in ((listen or [], True), (connect or [], False)):
            for endpoint in endpoints:
                if problem := endpoint_problem(endpoint, listening):
                    raise BusError(f"Zenoh endpoint {endpoint!r} {problem}")
        config = zenoh.Config()
        config.insert_json5("mode", json.dumps(mode))
        config.insert_json5("scouting/multicast/enabled", json.dumps(multicast_scouting))
        _secure(config, listen or [], connect or [], credentials, acl, prefix)
        try:
            if listen:
                config.insert_json5("listen/endpoints", json.dumps(listen))
            if connect:
                config.insert_json5("connect/endpoints", json.dumps(connect))
            self.session = zenoh.open(config)
        except zenoh.ZError as err:
            raise BusError(
                f"cannot open the Zenoh session (listen {listen or []}, connect "
                f"{connect or []}): {_zenoh_why(err)}"
            ) from err
        self.prefix = prefix
        self.overflows = 0
        self.malformed = 0
        self.stale: dict[str, int] = {}
        """Messages dropped for arriving too late, per topic key."""
        self._sender = str(self.session.info.zid()).encode()
        """Who we are to the others' `Lateness`: this session's Zenoh id."""
        self._lateness = Lateness()
        self._lateness_lock = threading.Lock()
        self._lock = threading.Lock()
        self._publishers: dict[Topic, Any] = {}
        self._subscribers: dict[Subscription, Any] = {}
        self._tokens: list[Any] = []
        self._presence_watches: list[Any] = []
        self._rings: list[Any] = []

    def key(self, topic: Topic) -> str:
        return f"{self.prefix}/{topic.key}"

    def attach(self, sub: Subscription) -> None:
        key = self.key(sub.topic)

        def on_sample(sample: zenoh.Sample) -> None:
            # A put on a wildcard (`robot/*`) reaches every subscriber it matches: `aged`
            # takes only a message on the topic's own key as one of the topic's.
            aged = self.aged(sample, sub.topic)
            if aged is None or self._too_late(sub.topic, *aged):
                return
            msg = aged[0]
            if sub.is_full():
                self.overflows += 1
                log.error("%s: fifo subscriber full, message from the network lost", sub.topic.key)
                return
            sub.deliver(msg)

        # Run on the thread that receives (for a local publisher: inside its put), not on
        # a thread per subscriber (zenoh's default): messages of different topics then
        # arrive in the order they were sent, as on the in-process bus. A status sent after
        # a world update must not overtake it.
        handler = zenoh.handlers.Callback(on_sample, indirect=False)
        handle = self.session.declare_subscriber(key, handler)
        with self._lock:
            self._subscribers[sub] = handle

    def _too_late(self, topic: Topic, msg: Message, age_s: float) -> bool:
        if age_s <= max_age_s(msg):
            return False
        with self._lateness_lock:
            count = self.stale[topic.key] = self.stale.get(topic.key, 0) + 1
        if count == 1:
            log.warning(
                "dropped a %s that arrived %.0f ms late (more than %.0f ms); such drops "
                "are counted",
                topic.key,
                age_s * 1e3,
                max_age_s(msg) * 1e3,
            )
        return True

    def newest(self, topic: Topic) -> Newest:
        """Kept in a ring of one in Zenoh's own threads: receiving a beat never waits for
        the interpreter lock, so a process busy in a physics step still finds its peer's
        newest beat when it looks, and that beat's lateness (`Lateness`) says how old."""
        key = self.key(topic)
        handle = self.session.declare_subscriber(key, zenoh.handlers.RingChannel(1))
        with self._lock:
            self._rings.append(handle)
        return _RingNewest(self, topic, handle)

    def aged(self, sample: zenoh.Sample, topic: Topic) -> tuple[Message, float] | None:
        """The message in `sample` and how long ago it was sent, on this process's clock
        (s): its lateness against its sender's quickest message (robot/staleness.py), 0
        for our own and for a message without a sender.
        None, counted as malformed, for what is not a message of `topic`."""
        if str(sample.key_expr) != self.key(topic):
            self.malformed += 1
            return None
        try:
            msg = decode_msgpack(sample.payload.to_bytes(), topic.type)
        except MessageError as err:
            self.malformed += 1
            log.error("dropped malformed message on %s: %s", sample.key_expr, err)
            return None
        if sample.attachment is None:
            return msg, 0.0  # from outside the stack: no sender to judge it against
        sender = sample.attachment.to_bytes()
        now_ns = time.monotonic_ns()
        if sender == self._sender:
            return msg, 0.0  # our own: no link between
        with self._lateness_lock:
            return msg, self._lateness.late_s(sender, msg.stamp_ns, now_ns)

    def release(self, handle: Any) -> None:
        """Undeclare one of `newest`'s subscribers, unless the session has already."""
        with self._lock:
            if handle not in self._rings:
                return
            self._rings.remove(handle)
        handle.undeclare()

    def announce(self, name: str) -> Callable[[], None]:
        """A Zenoh liveliness token: withdrawn by Zenoh itself when this process dies or
        its link drops (the transport's lease, kept in Zenoh's own threads), so a peer
        hears of it without waiting for missed heartbeats."""
        token = self.session.liveliness().declare_token(f"{self.prefix}/presence/{name}")
        with self._lock:
            self._tokens.append(token)

        def withdraw() -> None:
            with self._lock:
                if token not in self._tokens:
                    return  # the session has closed it
                self._tokens.remove(token)
            token.undeclare()

        return withdraw

    def watch_presence(self, name: str, on_change: Callable[[bool], None]) -> None:
        def on_sample(sample: zenoh.Sample) -> None:
            on_change(sample.kind == zenoh.SampleKind.PUT)

        handle = self.session.liveliness().declare_subscriber(
            f"{self.prefix}/presence/{name}", on_sample, history=True
        )
        with self._lock:
            self._presence_watches.append(handle)

    def detach(self, sub: Subscription) -> None:
        with self._lock:
            handle = self._subscribers.pop(sub, None)
        if handle is not None:
            handle.undeclare()

    def send(self, topic: Topic, msg: Message) -> None:
        with self._lock:
            local = [s for s in self._subscribers if s.topic == topic and s.is_full()]
            if local:
                raise QueueFull(f"{topic.key}: a local fifo({local[0].policy.depth}) is full")
            pub = self._publishers.get(topic)
            if pub is None:
                pub = self._publishers[topic] = self.session.declare_publisher(self.key(topic))
        pub.put(encode_msgpack(msg), attachment=self._sender)

    def close(self) -> None:
        with self._lock:
            handles = [
                *self._subscribers.values(),
                *self._publishers.values(),
                *self._tokens,
                *self._presence_watches,
                *self._rings,
            ]
            self._subscribers.clear()
            self._publishers.clear()
            self._tokens.clear()
            self._presence_watches.clear()
            self._rings.clear()
        try:
            for handle in handles:
                handle.undeclare()
            self.session.close()
        except zenoh.ZError as err:  # a peer gone without a word: nothing left to tell it
            log.info("the Zenoh session closed uncleanly: %s", _zenoh_why(err))


class _RingNewest(Newest):
    def __init__(self, backend: ZenohBackend, topic: Topic, handle: Any) -> None:
        self._backend = backend
        self._topic = topic
        self._handle = handle

    def take(self) -> tuple[Message, float] | None:
        sample = self._handle.try_recv()
        return None if sample is None else self._backend.aged(sample, self._topic)

    def close(self) -> None:
        self._backend.release(self._handle)
