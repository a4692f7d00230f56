"""Bus latency and throughput: in one process, between processes over Zenoh on loopback, and
between two network namespaces joined by a veth pair (issues 2 and 17).

In-process latency: a publisher thread sends a JointState every millisecond (the
cerebellum's rate) and a subscriber thread blocked in `get()` timestamps its arrival;
latency = arrival - the message's source stamp. Throughput: one thread publishes into a
fifo as fast as it can while another drains it. Python's `queue.Queue` does the same work
in the same run, as a reference for what a thread hand-off costs at all.

Across processes the stack's own `Bus(ZenohBackend(...))` carries the messages: a child
process publishes, the subscriber's thread blocked in `get()` timestamps arrivals
(`time.monotonic_ns()` is one clock for every process and network namespace of a host).
JointState and SkillCall are paced at 1 kHz for latency; camera frames (a 640x480 JPEG's
size, and raw 320x240 rgb8) are published as fast as the publisher can for a fixed time
for throughput. Warm-up messages flow until the subscriber has received one, so the link
is up before the timed part; they are told apart by sequence number and discarded.

On loopback the benchmark's own process subscribes; across namespaces (root only: `ip
netns`) both ends are children, one in each namespace. Where namespaces cannot be made
the rows are skipped and the reason recorded. Target (issue 17): a JointState over Zenoh
between processes on loopback, p99 <= 1 ms.

    python -m benchmarks.bus [--seconds 5] [--camera-seconds 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import queue
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from benchmarks.common import parser, percentile, report
from core.msgs import CameraFrame, JointState, Message, SkillCall, Step
from robot.bus import Bus, Fifo, Publisher, Subscription, fifo
from robot.bus_zenoh import ZenohBackend, free_port

RATE_HZ = 1000
JOINTS = 6

TARGET_P99_US = 1000.0
"""Issue 17: a JointState over Zenoh between processes on loopback, p99 <= 1 ms."""
JPEG_BYTES = 40_000
"""A 640x480 JPEG at ordinary quality is 30-50 kB."""
RGB8_WIDTH, RGB8_HEIGHT = 320, 240
RGB8_BYTES = RGB8_WIDTH * RGB8_HEIGHT * 3
PAYLOAD_SEED = 17
"""Frame bytes are pseudo-random, so no compression anywhere on the path can flatter them."""
LATENCY_FIFO_DEPTH = 4096
"""Seconds of messages at 1 kHz: a subscriber stalled by the machine loses none, and the
latency of every message is timed."""
FRAME_FIFO_BYTES = 64_000_000
"""How much image data the subscriber's fifo holds: a flood outruns its reader now and
then (a thread waits up to the GIL's 5 ms switch interval), and what the bus delivered
in the meantime is still counted."""
WARMUP_PERIOD_S = 0.01
"""How often warm-up messages go out while the link comes up."""
CONNECT_TIMEOUT_S = 15.0
"""Longest wait for the first message: two Zenoh peers find each other in well under 1 s."""
DRAIN_QUIET_S = 0.3
"""After the publisher is done, stop waiting for stragglers once nothing arrived this long."""
POLL_S = 0.005
"""How often the subscriber looks for the last message while it drains."""
REPLY_MARGIN_S = 20.0
"""Added to a timed run's length before a child's silence counts as a failure."""
CHILD_EXIT_S = 5.0
"""How long a child may take to close its Zenoh session and exit before it is killed."""
BYTES_PER_MB = 1e6
NS_PER_US = 1e3
NS_PER_S = 1e9

NETNS_SUBNET = "10.231.17"
"""The veth pair's /30; private to the two namespaces, so parallel runs cannot collide."""
NETNS_PREFIX_LEN = 30
NETNS_PORT = 7447
"""A fresh namespace has no other listener, so Zenoh's default port is free."""
ROOT = Path(__file__).resolve().parents[1]
zenoh_log = logging.getLogger("robot.bus_zenoh")

M = TypeVar("M", bound=Message)
Record = tuple[int, int, int]
"""(seq, stamp_ns at the source, arrival monotonic_ns at the subscriber) of one message."""


def _joint_state(i: int) -> JointState:
    return JointState(position=(i * 1e-3,) * JOINTS, velocity=(0.0,) * JOINTS)


def _paced_publisher(
    send: Callable[[M], object],
    count: int,
    make: Callable[[int], M] = _joint_state,  # type: ignore[assignment]
) -> None:
    """Send `count` messages `make(i)` at RATE_HZ on absolute deadlines (sleep, then spin).

    Each message is made, and so stamped, at its deadline.
    """
    period_ns = 1_000_000_000 // RATE_HZ
    deadline = time.monotonic_ns()
    for i in range(count):
        deadline += period_ns
        while (left := deadline - time.monotonic_ns()) > 200_000:
            time.sleep((left - 200_000) / 1e9)
        while time.monotonic_ns() < deadline:
            pass
        send(make(i))


def latency_bus(count: int) -> list[float]:
    """Latencies (us) of `count` JointStates at RATE_HZ through the in-process bus."""
    bus = Bus()
    # fifo, not latest: a mailbox of one may replace a message the reader has not
    # woken for yet, and the benchmark must see every message to time it.
    sub = bus.subscribe(JointState, policy=fifo(count))
    latencies: list[float] = []

    def receive() -> None:
        for _ in range(count):
            msg = sub.get(timeout=5.0)
            latencies.append((time.monotonic_ns() - msg.stamp_ns) / 1e3)

    reader = threading.Thread(target=receive)
    reader.start()
    pub = bus.publisher(JointState)
    _paced_publisher(pub.publish, count)
    reader.join()
    return latencies


def latency_queue(count: int) -> list[float]:
    """Latencies (us) of the same JointStates through a stdlib `queue.Queue`."""
    q: queue.Queue[JointState] = queue.Queue()
    latencies: list[float] = []

    def receive() -> None:
        for _ in range(count):
            msg = q.get(timeout=5.0)
            latencies.append((time.monotonic_ns() - msg.stamp_ns) / 1e3)

    reader = threading.Thread(target=receive)
    reader.start()
    _paced_publisher(q.put, count)
    reader.join()
    return latencies


def throughput_bus(count: int) -> float:
    """Messages per second from one publishing thread to one draining thread."""
    bus = Bus()
    sub = bus.subscribe(JointState, policy=fifo(count))
    msg = JointState(position=(0.0,) * JOINTS)
    pub = bus.publisher(JointState)
    done = threading.Event()

    def drain() -> None:
        for _ in range(count):
            sub.get(timeout=5.0)
        done.set()

    reader = threading.Thread(target=drain)
    start = time.perf_counter()
    reader.start()
    for _ in range(count):
        pub.publish(msg)
    done.wait()
    elapsed = time.perf_counter() - start
    reader.join()
    return count / elapsed


# -- across processes: what travels -----------------------------------------------------


_payloads = random.Random(PAYLOAD_SEED)
JPEG_DATA = _payloads.randbytes(JPEG_BYTES)
RGB8_DATA = _payloads.randbytes(RGB8_BYTES)


def _skill_call(i: int) -> SkillCall:
    return SkillCall(plan_seq=1, index=i, step=Step("pick", {"object": "red_cup"}))


def _jpeg_frame(i: int) -> CameraFrame:
    return CameraFrame(camera="overview", width=640, height=480, encoding="jpeg", data=JPEG_DATA)


def _rgb8_frame(i: int) -> CameraFrame:
    return CameraFrame(
        camera="wrist", width=RGB8_WIDTH, height=RGB8_HEIGHT, encoding="rgb8", data=RGB8_DATA
    )


@dataclass(frozen=True)
class Stream:
    """One kind of traffic. `paced`: RATE_HZ for latency; otherwise as fast as possible
    for throughput. `payload_bytes`: the image bytes a frame carries (0 for the others)."""

    name: str
    type: type[Message]
    make: Callable[[int], Message]
    paced: bool
    payload_bytes: int = 0

    @property
    def policy(self) -> Fifo:
        """The subscriber's: a fifo, so that every message the bus delivers is counted."""
        if self.paced:
            return fifo(LATENCY_FIFO_DEPTH)
        return fifo(FRAME_FIFO_BYTES // self.payload_bytes)


STREAMS: dict[str, Stream] = {
    s.name: s
    for s in (
        Stream("jointstate", JointState, _joint_state, paced=True),
        Stream("skillcall", SkillCall, _skill_call, paced=True),
        Stream("camera_jpeg", CameraFrame, _jpeg_frame, paced=False, payload_bytes=JPEG_BYTES),
        Stream("camera_rgb8", CameraFrame, _rgb8_frame, paced=False, payload_bytes=RGB8_BYTES),
    )
}


# -- across processes: the subscribing end ------------------------------------------------


class Receiving(Protocol):
    """The subscribing end of a cross-process run, in this process or in a child."""

    def start(self, stream: Stream) -> None:
        """Subscribe to `stream` and record every arrival."""

    def wait_first(self, timeout_s: float) -> None:
        """Return once a message has arrived (the link is up); raise after `timeout_s`."""

    def finish(self, last_seq: int) -> tuple[list[Record], int]:
        """Wait for `last_seq` (or a quiet DRAIN_QUIET_S), unsubscribe; the records and
        how many messages a full fifo lost meanwhile."""

    def close(self) -> None:
        """Close the bus."""


class Receiver:
    """The subscribing end in this process: a Zenoh bus listening on `endpoint`."""

    def __init__(self, endpoint: str) -> None:
        self.backend = ZenohBackend(listen=[endpoint])
        self.bus = Bus(self.backend)
        self._records: list[Record] = []
        self._first = threading.Event()
        self._sub: Subscription | None = None
        self._reader: threading.Thread | None = None
        self._overflows_before = 0
        self._log_level = zenoh_log.level

    def start(self, stream: Stream) -> None:
        self._records = []
        self._first.clear()
        self._overflows_before = self.backend.overflows
        self._log_level = zenoh_log.level
        if not stream.paced:
            # The backend logs each message a full fifo loses. A flood outruns its reader by
            # design: those losses are counted (`overflows`) and reported, not logged singly.
            zenoh_log.setLevel(logging.CRITICAL)
        self._sub = self.bus.subscribe(stream.type, policy=stream.policy)
        self._reader = threading.Thread(target=self._read, args=(self._sub,), name="bus-bench")
        self._reader.start()

    def _read(self, sub: Subscription) -> None:
        for msg in sub:
            # The clock first: whatever follows is the benchmark's cost, not the bus's.
            arrival_ns = time.monotonic_ns()
            self._records.append((msg.seq, msg.stamp_ns, arrival_ns))
            self._first.set()

    def wait_first(self, timeout_s: float) -> None:
        if not self._first.wait(timeout_s):
            raise RuntimeError(f"no message arrived over Zenoh within {timeout_s} s")

    def finish(self, last_seq: int) -> tuple[list[Record], int]:
        assert self._sub is not None and self._reader is not None
        quiet_since, count = time.monotonic(), len(self._records)
        while not (self._records and self._records[-1][0] >= last_seq):
            if len(self._records) != count:
                quiet_since, count = time.monotonic(), len(self._records)
            elif time.monotonic() - quiet_since > DRAIN_QUIET_S:
                break
            time.sleep(POLL_S)
        self._sub.close()
        self._reader.join()
        zenoh_log.setLevel(self._log_level)
        return self._records, self.backend.overflows - self._overflows_before

    def close(self) -> None:
        self.bus.close()


class Child:
    """A child process of this module, driven by lines on its stdin and answering on its
    stdout: `<word> <rest>` per reply, `error <why>` when it failed."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="bus-bench-child", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, word: str, timeout_s: float) -> str:
        """The rest of the next reply starting with `word`; raise on an error or silence."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"{self.argv}: no {word!r} within {timeout_s} s") from None
            if line is None:
                code = self.process.wait(CHILD_EXIT_S)
                raise RuntimeError(f"{self.argv} exited ({code}) before saying {word!r}")
            head, _, rest = line.partition(" ")
            if head == word:
                return rest
            if head == "error":
                raise RuntimeError(f"{self.argv}: {rest}")
            print(line, file=sys.stderr)  # not the protocol's: let it be seen

    def close(self) -> None:
        """End of input asks the child to close its bus and exit; a hung one is killed."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it has exited already
        try:
            self.process.wait(CHILD_EXIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join()


class RemoteReceiver:
    """The subscribing end in a child (another network namespace), same calls as Receiver."""

    def __init__(self, prefix: Sequence[str], endpoint: str) -> None:
        self.child = Child([*prefix, *module_argv("receive", endpoint)])
        try:
            self.child.expect("ready", CONNECT_TIMEOUT_S)
        except BaseException:
            self.child.close()
            raise

    def start(self, stream: Stream) -> None:
        self.child.send(f"start {stream.name}")
        self.child.expect("started", CONNECT_TIMEOUT_S)

    def wait_first(self, timeout_s: float) -> None:
        self.child.send(f"first {timeout_s}")
        self.child.expect("first", timeout_s + REPLY_MARGIN_S)

    def finish(self, last_seq: int) -> tuple[list[Record], int]:
        self.child.send(f"finish {last_seq}")
        got = json.loads(self.child.expect("records", REPLY_MARGIN_S))
        return [tuple(r) for r in got["records"]], got["overflows"]

    def close(self) -> None:
        self.child.close()


def module_argv(role: str, endpoint: str) -> list[str]:
    """The command that runs this module as a child in `role` ("publish", "receive")."""
    return [sys.executable, "-m", "benchmarks.bus", "--role", role, "--endpoint", endpoint]


# -- across processes: the children's side -----------------------------------------------


def _reply(line: str) -> None:
    print(line, flush=True)


def _stdin_lines() -> queue.Queue[str | None]:
    """Lines of stdin as they come, None at its end; read by a thread so that a publisher
    can wait for one between warm-up messages."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            lines.put(line.strip())
        lines.put(None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return lines


def _warm_up(pub: Publisher, stream: Stream, lines: queue.Queue[str | None]) -> int | None:
    """Publish warm-up messages until told "go"; the last seq sent, None at end of input."""
    while True:
        last_seq = pub.publish(stream.make(0)).seq
        try:
            line = lines.get(timeout=WARMUP_PERIOD_S)
        except queue.Empty:
            continue
        if line is None:
            return None
        if line != "go":
            raise RuntimeError(f"expected 'go' after warm-up, got {line!r}")
        return last_seq


def _flood(pub: Publisher, stream: Stream, seconds: float) -> int:
    """Publish as fast as possible for `seconds`; how many were sent."""
    end_ns = time.monotonic_ns() + int(seconds * NS_PER_S)
    sent = 0
    while time.monotonic_ns() < end_ns:
        pub.publish(stream.make(sent))
        sent += 1
    return sent


def publish_child(endpoint: str) -> None:
    """Child role: connect to `endpoint`; on `run NAME AMOUNT` warm up until `go`, answer
    `start FIRST_SEQ`, send AMOUNT messages paced (or flood for AMOUNT s), answer
    `done SENT`. End of input closes the bus."""
    bus = Bus(ZenohBackend(connect=[endpoint]))
    publishers: dict[str, Publisher] = {}
    lines = _stdin_lines()
    _reply("ready")
    try:
        while (line := lines.get()) is not None:
            _, name, amount = line.split()
            stream = STREAMS[name]
            if name not in publishers:
                publishers[name] = bus.publisher(stream.type)
            pub = publishers[name]
            last_warm_up = _warm_up(pub, stream, lines)
            if last_warm_up is None:
                return
            _reply(f"start {last_warm_up + 1}")
            if stream.paced:
                _paced_publisher(pub.publish, int(amount), stream.make)
                sent = int(amount)
            else:
                sent = _flood(pub, stream, float(amount))
            _reply(f"done {sent}")
    finally:
        bus.close()


def receive_child(endpoint: str) -> None:
    """Child role: a Receiver listening on `endpoint`, driven over stdin (`start NAME`,
    `first TIMEOUT_S`, `finish LAST_SEQ`; records come back as JSON)."""
    receiver = Receiver(endpoint)
    _reply("ready")
    try:
        for line in sys.stdin:
            command, arg = line.split()
            if command == "start":
                receiver.start(STREAMS[arg])
                _reply("started")
            elif command == "first":
                receiver.wait_first(float(arg))
                _reply("first")
            elif command == "finish":
                records, overflows = receiver.finish(int(arg))
                _reply("records " + json.dumps({"records": records, "overflows": overflows}))
    finally:
        receiver.close()


# -- across processes: a run and its figures ---------------------------------------------


@dataclass(frozen=True)
class Run:
    """One timed run: what was sent and the records of what arrived of it."""

    stream: Stream
    sent: int
    records: list[Record]
    overflows: int

    def latencies_us(self) -> list[float]:
        return [(arrival - stamp) / NS_PER_US for _, stamp, arrival in self.records]


def measure(receiver: Receiving, publisher: Child, stream: Stream, amount: float) -> Run:
    """Time `stream` from `publisher` to `receiver`: `amount` messages when paced, else
    `amount` seconds of flooding. Warm-up messages are left out by their seq."""
    receiver.start(stream)
    publisher.send(f"run {stream.name} {amount}")
    receiver.wait_first(CONNECT_TIMEOUT_S)
    publisher.send("go")
    first_seq = int(publisher.expect("start", REPLY_MARGIN_S))
    length_s = amount / RATE_HZ if stream.paced else amount
    sent = int(publisher.expect("done", length_s + REPLY_MARGIN_S))
    records, overflows = receiver.finish(first_seq + sent - 1)
    timed = [r for r in records if r[0] >= first_seq]
    return Run(stream, sent, timed, overflows)


def figures(run: Run) -> dict[str, float]:
    """The run's figures, keyed `<stream>_<figure>`: latency p50/p99/max (us) and messages
    lost for paced streams; for floods frames/s and MB/s (1e6 B of image data) read by the
    subscriber, latency p50, the fraction of frames sent that it read, and how many the bus
    delivered that its full fifo had no room for."""
    name, latencies = run.stream.name, run.latencies_us()
    if not latencies:
        raise RuntimeError(f"{name}: none of {run.sent} messages arrived")
    if run.stream.paced:
        return {
            f"{name}_p50_us": percentile(latencies, 50),
            f"{name}_p99_us": percentile(latencies, 99),
            f"{name}_max_us": max(latencies),
            f"{name}_lost": float(run.sent - len(latencies)),
        }
    arrivals = [arrival for _, _, arrival in run.records]
    span_s = (arrivals[-1] - arrivals[0]) / NS_PER_S
    per_s = (len(arrivals) - 1) / span_s if span_s > 0 else math.nan
    return {
        f"{name}_frames_per_s": per_s,
        f"{name}_mb_per_s": per_s * run.stream.payload_bytes / BYTES_PER_MB,
        f"{name}_p50_us": percentile(latencies, 50),
        f"{name}_delivered": len(arrivals) / run.sent,
        f"{name}_fifo_overflows": float(run.overflows),
    }


def measure_all(
    receiver: Receiving, publisher: Child, count: int, camera_s: float
) -> dict[str, float]:
    """Every stream once: the latency streams `count` messages each, the frames `camera_s`."""
    out: dict[str, float] = {}
    for stream in STREAMS.values():
        out |= figures(measure(receiver, publisher, stream, count if stream.paced else camera_s))
    return out


@contextmanager
def _publishing_to(
    receiver: Receiving, prefix: Sequence[str], endpoint: str
) -> Iterator[tuple[Receiving, Child]]:
    """`receiver` and a publishing child (its command after `prefix`) connected to
    `endpoint`; both closed when the block ends."""
    try:
        publisher = Child([*prefix, *module_argv("publish", endpoint)])
        try:
            publisher.expect("ready", CONNECT_TIMEOUT_S)
            yield receiver, publisher
        finally:
            publisher.close()
    finally:
        receiver.close()


@contextmanager
def loopback_pair() -> Iterator[tuple[Receiving, Child]]:
    """This process subscribing, a child publishing, over tcp on 127.0.0.1."""
    endpoint = f"tcp/127.0.0.1:{free_port()}"
    with _publishing_to(Receiver(endpoint), [], endpoint) as pair:
        yield pair


def zenoh_loopback(count: int, camera_s: float) -> dict[str, float]:
    """Figures of a child publishing to this process over tcp on 127.0.0.1."""
    with loopback_pair() as (receiver, publisher):
        return measure_all(receiver, publisher, count, camera_s)


# -- across network namespaces -----------------------------------------------------------


class NamespacesUnavailable(Exception):
    """Network namespaces cannot be made here; the message says why."""


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise NamespacesUnavailable(
            f"`ip {' '.join(args)}` failed: {done.stderr.strip() or done.returncode}"
        )


@contextmanager
def veth_namespaces() -> Iterator[tuple[str, str, str]]:
    """Two fresh network namespaces joined by a veth pair: (publisher's namespace,
    subscriber's namespace, subscriber's address). Both go when the block ends, whatever
    happens in it. Raises NamespacesUnavailable if they cannot be made."""
    if shutil.which("ip") is None:
        raise NamespacesUnavailable("`ip` (iproute2) is not installed")
    if os.geteuid() != 0:
        raise NamespacesUnavailable("not root: `ip netns add` needs CAP_SYS_ADMIN")
    # The pid in every name: parallel runs on one host do not collide (names <= 15 chars).
    tag = f"bb{os.getpid()}"
    pub_ns, sub_ns = f"{tag}pub", f"{tag}sub"
    pub_link, sub_link = f"{tag}p", f"{tag}s"
    made: list[str] = []
    try:
        for ns in (pub_ns, sub_ns):
            _ip("netns", "add", ns)
            made.append(ns)
        _ip("link", "add", pub_link, "type", "veth", "peer", "name", sub_link)
        for ns, link, host in ((pub_ns, pub_link, 1), (sub_ns, sub_link, 2)):
            _ip("link", "set", link, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{NETNS_SUBNET}.{host}/{NETNS_PREFIX_LEN}", "dev", link)
            _ip("-n", ns, "link", "set", link, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("netns", "exec", pub_ns, "true")  # entering one may be refused where making is not
        yield pub_ns, sub_ns, f"{NETNS_SUBNET}.2"
    finally:
        # Deleting a namespace deletes its end of the pair, and with it the other end; a
        # link never moved (setup failed half-way) is deleted by name.
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "link", "del", pub_link], capture_output=True)


@contextmanager
def netns_pair() -> Iterator[tuple[Receiving, Child]]:
    """A child subscribing in one fresh namespace, a child publishing in another, over a
    veth pair. Raises NamespacesUnavailable where namespaces cannot be made."""
    with veth_namespaces() as (pub_ns, sub_ns, sub_address):
        endpoint = f"tcp/{sub_address}:{NETNS_PORT}"
        receiver = RemoteReceiver(["ip", "netns", "exec", sub_ns], endpoint)
        with _publishing_to(receiver, ["ip", "netns", "exec", pub_ns], endpoint) as pair:
            yield pair


def zenoh_netns(count: int, camera_s: float) -> dict[str, float]:
    """Figures of a child in one namespace publishing to a child in another, over veth.
    Raises NamespacesUnavailable where namespaces cannot be made."""
    with netns_pair() as (receiver, publisher):
        return measure_all(receiver, publisher, count, camera_s)


# -- the report ---------------------------------------------------------------------------


SIDE_BY_SIDE = (
    ("jointstate_p50_us", "JointState latency p50, us"),
    ("jointstate_p99_us", "JointState latency p99, us"),
    ("jointstate_max_us", "JointState latency max, us"),
    ("skillcall_p50_us", "SkillCall latency p50, us"),
    ("skillcall_p99_us", "SkillCall latency p99, us"),
    ("skillcall_max_us", "SkillCall latency max, us"),
    ("camera_jpeg_frames_per_s", f"{JPEG_BYTES // 1000} kB JPEG frames/s"),
    ("camera_jpeg_mb_per_s", "  MB/s"),
    ("camera_jpeg_p50_us", "  latency p50, us"),
    ("camera_rgb8_frames_per_s", f"{RGB8_WIDTH}x{RGB8_HEIGHT} rgb8 frames/s"),
    ("camera_rgb8_mb_per_s", "  MB/s"),
    ("camera_rgb8_p50_us", "  latency p50, us"),
)
"""The figures printed one beside the other per path, and their labels."""


def print_side_by_side(columns: dict[str, dict[str, float] | str]) -> None:
    """A table of SIDE_BY_SIDE figures, one column per path ("-": not measured there; a
    skipped path's column says so)."""
    width, cell = max(len(label) for _, label in SIDE_BY_SIDE), 16
    print("\n" + " " * (width + 2) + "".join(f"{title:>{cell}}" for title in columns))
    for key, label in SIDE_BY_SIDE:
        cells = []
        for figures_or_why in columns.values():
            if isinstance(figures_or_why, str):
                cells.append(f"{'skipped':>{cell}}")
            elif key in figures_or_why:
                cells.append(f"{figures_or_why[key]:>{cell}.1f}")
            else:
                cells.append(f"{'-':>{cell}}")
        print(f"  {label:<{width}}" + "".join(cells))


def target_verdict(p99_us: float) -> str:
    if p99_us <= TARGET_P99_US:
        return f"target met: JointState over Zenoh on loopback p99 {p99_us:.0f} us <= 1000 us"
    return f"target NOT met: {p99_us:.0f} us (JointState over Zenoh on loopback, p99 > 1000 us)"


def run_child(args: argparse.Namespace) -> int:
    """The children's entry: `--role publish|receive --endpoint E`."""
    role = publish_child if args.role == "publish" else receive_child
    try:
        role(args.endpoint)
    except Exception as err:
        _reply(f"error {type(err).__name__}: {err}".replace("\n", " "))
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0, help="length of each latency run")
    p.add_argument(
        "--camera-seconds", type=float, default=2.0, help="length of each camera frame flood"
    )
    p.add_argument("--no-netns", action="store_true", help="skip the network namespace rows")
    p.add_argument("--role", choices=("publish", "receive"), help=argparse.SUPPRESS)
    p.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.role:
        return run_child(args)
    count = int(args.seconds * RATE_HZ)
    # Alternate the two implementations so both see the same machine load.
    bus_lat, queue_lat = [], []
    for _ in range(2):
        bus_lat += latency_bus(count // 2)
        queue_lat += latency_queue(count // 2)
    rate = max(throughput_bus(100_000) for _ in range(3))
    p50, p99 = percentile(bus_lat, 50), percentile(bus_lat, 99)
    q50 = percentile(queue_lat, 50)
    in_process = {"jointstate_p50_us": p50, "jointstate_p99_us": p99}
    in_process["jointstate_max_us"] = max(bus_lat)

    loopback = zenoh_loopback(count, args.camera_seconds)
    netns: dict[str, float] | str
    try:
        if args.no_netns:
            raise NamespacesUnavailable("not asked for (--no-netns)")
        netns = zenoh_netns(count, args.camera_seconds)
    except NamespacesUnavailable as why:
        netns = str(why)

    print_side_by_side({"in-process": in_process, "zenoh loopback": loopback, "zenoh netns": netns})
    rows = [
        ("bus_latency_p50_us", p50, "us publish -> get, median"),
        ("bus_latency_p99_us", p99, "us"),
        ("bus_latency_max_us", in_process["jointstate_max_us"], "us"),
        ("bus_msgs_per_s", rate, "msgs/s, publish -> drain by another thread"),
        ("queue_latency_p50_us", q50, "us, stdlib queue.Queue reference, same run"),
        ("bus_vs_queue_latency_ratio", p50 / q50, "bus median / queue median"),
    ]
    rows += [(f"zenoh_loopback_{k}", v, _unit(k)) for k, v in loopback.items()]
    if isinstance(netns, dict):
        rows += [(f"zenoh_netns_{k}", v, _unit(k)) for k, v in netns.items()]
    else:
        print(f"\nzenoh netns rows skipped: {netns}")
    loop_p99 = loopback["jointstate_p99_us"]
    report(
        f"bus: JointState ({JOINTS} joints) and SkillCall at {RATE_HZ} Hz, {count} messages "
        f"each; camera frames for {args.camera_seconds:g} s",
        rows,
        args.json,
        extra={
            "zenoh_loopback_jointstate_p99_target_us": TARGET_P99_US,
            "zenoh_loopback_jointstate_p99_target_met": loop_p99 <= TARGET_P99_US,
            "zenoh_netns_skipped": None if isinstance(netns, dict) else netns,
        },
    )
    print(target_verdict(loop_p99))
    return 0


def _unit(key: str) -> str:
    """The unit (or note) of a cross-process figure, from its key's ending."""
    endings = {
        "_us": "us, source stamp -> get() in the subscriber's process",
        "_lost": "messages sent in the timed part that never arrived",
        "_frames_per_s": "frames/s arriving, published as fast as possible",
        "_mb_per_s": "MB/s (1e6 B) of image data arriving",
        "_delivered": "fraction of the frames sent that arrived",
        "_fifo_overflows": "messages lost to the subscriber's full fifo",
    }
    return next((note for end, note in endings.items() if key.endswith(end)), "")


if __name__ == "__main__":
    sys.exit(main())
