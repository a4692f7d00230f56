"""The kiosk under a flood (issue 13): how fast STOP engages, and the threads it costs.

A child process floods the kiosk and keeps it flooded: `--idle` connections that send
nothing, `--slow` ones that send a header byte a second (slowloris), `--polls`
long-polls of /events, and `--hammer` clients asking for /config as fast as they can;
each connection is reopened as soon as the server answers or drops it. Meanwhile this
process, the kiosk's, sends `--probes` POST /stop one at a time, each on a new
connection, and times from just before connecting to (a) the HTTP answer and (b) the
EStop message's stamp (it is on the bus: the stop is engaged). A sampler counts this
process's threads every `SAMPLE_S`. The same probes on the idle kiosk come first, as
the reference.

Targets: under the flood, STOP engages within 50 ms at the median and 250 ms at worst,
no probe fails, and the kiosk's process runs no more threads than when idle.

    python -m benchmarks.kiosk [--idle 400] [--slow 100] [--polls 50] [--hammer 4] \\
        [--probes 50] [--json FILE]
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from collections import Counter
from multiprocessing.synchronize import Event

from benchmarks.common import parser, percentile, report
from core.msgs import EStop
from core.processes import spawn_context
from robot.bus import Bus, fifo
from robot.kiosk import Kiosk

SAMPLE_S = 0.01
"""How often the thread count is sampled, seconds."""
PROBE_GAP_S = 0.1
"""Pause between two STOP probes, seconds."""
SETTLE_S = 2.0
"""Flood time before the first probe, seconds: every connection open and waiting."""
SLOW_BYTE_S = 1.0
"""A slow client's pace: one header byte per this many seconds."""
FLOOD_START_S = 600.0
"""How long the flood may take to open its connections, seconds: a server with a small
accept backlog (http.server's is 5) takes minutes to accept hundreds."""
ANSWER_TIMEOUT_S = 10.0
"""A probe without an answer by then counts as failed."""
LOCALHOST = "127.0.0.1"


def _stop_request(port: int) -> bytes:
    return (
        f"POST /stop HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    ).encode()


# -- the flood (child process) ------------------------------------------------------------


def _hammer(port: int, stop: Event, counts: Counter[str], lock: threading.Lock) -> None:
    ask = f"GET /config HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n\r\n".encode()
    while not stop.is_set():
        try:
            with socket.create_connection((LOCALHOST, port), timeout=ANSWER_TIMEOUT_S) as s:
                s.sendall(ask)
                status = s.recv(64)[9:12].decode() or "closed"
        except OSError:
            status = "error"
        with lock:
            counts[f"config_{status}"] += 1


def flood(
    port: int, idle: int, slow: int, polls: int, hammer: int, stop: Event, ready: Event, out
) -> None:
    """Keep `idle` + `slow` + `polls` connections open and `hammer` clients asking until
    `stop`; put the counts of what the server answered into `out`."""
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    hammers = [
        threading.Thread(target=_hammer, args=(port, stop, counts, lock), daemon=True)
        for _ in range(hammer)
    ]
    poll = f"GET /events?after=999999999 HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n\r\n".encode()
    trickle = f"GET / HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\nX-Slow: ".encode() + b"a" * 10_000
    selector = selectors.DefaultSelector()
    sent: dict[socket.socket, int] = {}  # slow connections: bytes sent so far

    def open_one(kind: str) -> None:
        try:
            s = socket.create_connection((LOCALHOST, port))
        except OSError:
            with lock:
                counts[f"{kind}_connect_error"] += 1
            return
        if kind == "poll":
            s.sendall(poll)
        if kind == "slow":
            sent[s] = 0
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ, kind)

    for kind, n in (("idle", idle), ("slow", slow), ("poll", polls)):
        for _ in range(n):
            open_one(kind)
    for t in hammers:
        t.start()
    ready.set()
    next_byte = time.monotonic()
    while not stop.is_set():
        for key, _ in selector.select(0.05):
            s, kind = key.fileobj, key.data
            try:
                answer = s.recv(4096)  # type: ignore[union-attr]
            except OSError:
                answer = b""
            with lock:
                counts[f"{kind}_{answer[9:12].decode(errors='replace') or 'dropped'}"] += 1
            selector.unregister(s)
            sent.pop(s, None)  # type: ignore[call-overload]
            s.close()  # type: ignore[union-attr]
            open_one(kind)
        if time.monotonic() >= next_byte:
            next_byte += SLOW_BYTE_S
            for s, n in list(sent.items()):
                try:
                    s.send(trickle[n : n + 1])
                    sent[s] = n + 1
                except OSError:
                    pass  # dropped: the selector sees it
    for key in list(selector.get_map().values()):
        key.fileobj.close()  # type: ignore[union-attr]
    for t in hammers:
        t.join(ANSWER_TIMEOUT_S)
    out.put(dict(counts))


# -- the probes (this process, the kiosk's) --------------------------------------------------


def probe_stops(k: Kiosk, count: int) -> tuple[list[float], list[float], int]:
    """(ms to the answer, ms to the EStop on the bus, failures) of `count` STOPs."""
    estops = k.bus.subscribe(EStop, policy=fifo(count + 1))
    answered, engaged, failed = [], [], 0
    request = _stop_request(k.port)
    for _ in range(count):
        time.sleep(PROBE_GAP_S)
        start = time.monotonic_ns()
        try:
            with socket.create_connection((LOCALHOST, k.port), timeout=ANSWER_TIMEOUT_S) as s:
                s.sendall(request)
                status = s.recv(64)[9:12]
            answered.append((time.monotonic_ns() - start) / 1e6)
            msg = estops.get(timeout=ANSWER_TIMEOUT_S)
            engaged.append((msg.stamp_ns - start) / 1e6)
            failed += status != b"200"
        except (OSError, TimeoutError):
            failed += 1
    estops.close()
    return answered, engaged, failed


class ThreadSampler:
    """The peak of `threading.active_count()`, sampled every SAMPLE_S in a thread."""

    def __init__(self) -> None:
        self.peak = threading.active_count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.peak = max(self.peak, threading.active_count())

    def __enter__(self) -> ThreadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--idle", type=int, default=400, help="connections that send nothing")
    p.add_argument("--slow", type=int, default=100, help="connections sending 1 byte/s")
    p.add_argument("--polls", type=int, default=50, help="long-polls of /events")
    p.add_argument("--hammer", type=int, default=4, help="clients asking /config nonstop")
    p.add_argument("--probes", type=int, default=50, help="STOPs timed, idle and flooded")
    args = p.parse_args()

    k = Kiosk(Bus(), ["Pour tea."], port=0)
    k.start()
    assert k.serving.wait(10), "the kiosk did not start"
    try:
        with ThreadSampler() as threads:
            time.sleep(SETTLE_S)  # the server's threads have all started
            threads_idle = threading.active_count()
            idle_answered, _, idle_failed = probe_stops(k, args.probes)
            ctx = spawn_context()
            stop, ready, out = ctx.Event(), ctx.Event(), ctx.Queue()
            child = ctx.Process(
                target=flood,
                args=(k.port, args.idle, args.slow, args.polls, args.hammer, stop, ready, out),
                name="kiosk-flood",
                daemon=True,  # never outlives the benchmark, whatever fails
            )
            opening = time.perf_counter()
            child.start()
            try:
                assert ready.wait(FLOOD_START_S), "the flood did not start"
                open_s = time.perf_counter() - opening
                time.sleep(SETTLE_S)
                answered, engaged, failed = probe_stops(k, args.probes)
            finally:
                stop.set()
            counts = out.get(timeout=FLOOD_START_S)
            child.join(FLOOD_START_S)
    finally:
        k.stop()

    served = sum(n for key, n in counts.items() if key.startswith("config_2"))
    busy = sum(n for key, n in counts.items() if key.endswith("_503"))
    report(
        f"kiosk: STOP under a flood of {args.idle} idle, {args.slow} slow, {args.polls} "
        f"long-poll connections and {args.hammer} clients hammering, {args.probes} probes",
        [
            ("stop_idle_p50_ms", percentile(idle_answered, 50), "ms connect -> answer, no flood"),
            ("stop_idle_max_ms", max(idle_answered), "ms"),
            ("stop_flood_p50_ms", percentile(answered, 50), "ms connect -> answer, flooded"),
            ("stop_flood_max_ms", max(answered), "ms"),
            ("stop_flood_engaged_p50_ms", percentile(engaged, 50), "ms connect -> EStop on bus"),
            ("stop_flood_engaged_max_ms", max(engaged), "ms"),
            ("stop_failed", float(idle_failed + failed), "probes without a 200 (of both runs)"),
            ("threads_idle", float(threads_idle), "threads in the kiosk's process (and sampler)"),
            ("threads_peak_flood", float(threads.peak), "threads in the kiosk's process, peak"),
            ("flood_open_s", open_s, "s to open the flood's connections (child start included)"),
            ("flood_config_served", float(served), "/config answered 2xx during the flood"),
            ("flood_refused_busy", float(busy), "answers 503 (busy) during the flood"),
        ],
        args.json,
    )
    print("  flood answers:", ", ".join(f"{k}={n}" for k, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
