"""Bus latency and throughput for `JointState` (issue 2).

Latency: a publisher thread sends a JointState every millisecond (the cerebellum's
rate) and a subscriber thread blocked in `get()` timestamps its arrival; latency =
arrival - the message's source stamp. Throughput: one thread publishes into a fifo as
fast as it can while another drains it. Python's `queue.Queue` does the same work in
the same run, as a reference for what a thread hand-off costs at all.

    python benchmarks/bus.py [--seconds 5] [--json FILE]
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from benchmarks.common import parser, percentile, report
from core.msgs import JointState
from robot.bus import Bus, fifo

RATE_HZ = 1000
JOINTS = 6


def _paced_publisher(send: Callable[[JointState], None], count: int) -> None:
    """Send `count` messages at RATE_HZ on absolute deadlines (sleep, then spin)."""
    period_ns = 1_000_000_000 // RATE_HZ
    deadline = time.monotonic_ns()
    for i in range(count):
        deadline += period_ns
        while (left := deadline - time.monotonic_ns()) > 200_000:
            time.sleep((left - 200_000) / 1e9)
        while time.monotonic_ns() < deadline:
            pass
        send(JointState(position=(i * 1e-3,) * JOINTS, velocity=(0.0,) * JOINTS))


def latency_bus(count: int) -> list[float]:
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


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0, help="length of each latency run")
    args = p.parse_args()
    count = int(args.seconds * RATE_HZ)
    # Alternate the two implementations so both see the same machine load.
    bus_lat, queue_lat = [], []
    for _ in range(2):
        bus_lat += latency_bus(count // 2)
        queue_lat += latency_queue(count // 2)
    rate = max(throughput_bus(100_000) for _ in range(3))
    p50, p99 = percentile(bus_lat, 50), percentile(bus_lat, 99)
    q50 = percentile(queue_lat, 50)
    report(
        f"bus: JointState ({JOINTS} joints) at {RATE_HZ} Hz, {len(bus_lat)} messages",
        [
            ("bus_latency_p50_us", p50, "us publish -> get, median"),
            ("bus_latency_p99_us", p99, "us"),
            ("bus_msgs_per_s", rate, "msgs/s, publish -> drain by another thread"),
            ("queue_latency_p50_us", q50, "us, stdlib queue.Queue reference, same run"),
            ("bus_vs_queue_latency_ratio", p50 / q50, "bus median / queue median"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
