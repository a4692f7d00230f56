"""Benchmark: the cerebellum's 1 kHz loop -- jitter, overruns, and tick cost vs joints.

    python -m benchmarks.cerebellum_loop                 # the default: stack + SCHED_FIFO
    python -m benchmarks.cerebellum_loop --mode both --realtime both --json out.json
    python -m benchmarks.cerebellum_loop --seconds 10 --mode process --realtime off
    python -m benchmarks.cerebellum_loop --mode all --load loaded   # thread, stack, process

Two measurements:

1. Jitter: the full tick (limb read, ruckig, safety supervisor with geometry, limb
   write) on the SO-101 profile at 1 kHz for `--seconds` per configuration. A
   configuration is a mode (`stack`: as the `Cerebellum` node runs it, the loop in
   its own process through `MotionProcess`, with a skill thread in this process
   solving IK at 50 Hz and sending new goals over the pipe, and the brain planning
   through a `PlannerProcess` as the hil and serial stacks do; `thread`: the loop in
   a thread of this process, the brain planning in-process beside it, as a loop
   thread would run; `process`: the bare loop in a child process, nothing but the
   load in this one),
   a scheduling (`rt`: the loop's thread on SCHED_FIFO with memory locked and the
   CPUs kept out of deep idle states, see
   robot/cerebellum/realtime.py; `ts`: the normal time-sharing scheduler), and a
   load (`alone`, or `loaded`: the brain planning the tea and care requests back to
   back with the committed model, one onnxruntime thread, as the brain node does),
   and, with `--camera on` or `both`, the perception process beside it (the twin's
   side camera on the tea scene, rendered and searched back to back, fed the scene's
   state every 50 ms as `PerceivedWorld` does; keys end in `_camera`), and, with
   `--live on` or `both` (mode `stack`), the live view in Foxglove: the relay
   publishes the loop's joint states and commands on a bus as the `Cerebellum` node
   does (with `--live off` too, so the two compare alike), a `LiveView` serves them
   and a WebSocket client in a process of its own (as Foxglove is), subscribed to
   every channel, counts the frame trees it receives (`live_tf_hz`: received a second;
   keys end in `_live` / `_nolive`).
   All loads of one kind run first, then the other, modes and schedulings
   interleaved so that a change in the shared machine's load hits them alike.
   Each run records the load average and the hypervisor's steal time (from
   /proc/stat) over the run, and sorts its stalls (ticks woken over 1 ms late or
   running over a period) by where the time went, from the loop thread's schedstat
   (`StallProbe`): this machine's run queue, blocked (the interpreter lock), or
   outside the guest (the VM's virtual CPU not running): stalls that come from the
   VM, not from us, are visible as a figure (`thread` and `process`; in `stack` the
   loop's tick is the node's own, without the probe).
2. Tick compute: the same tick on synthetic 6-, 12- and 30-joint arms, run by the
   loop at 1 kHz (on SCHED_FIFO unless `--realtime off`), nothing beside it:
   `tick_compute_p99_us_<n>_joints` is the p99 of the thread's CPU time per tick
   (what the tick costs; `_p50_` its median), `tick_wall_p99_us_<n>_joints` of its
   wall time (which on a shared machine also counts time the scheduler or the
   hypervisor gave away). Beside them, the floor (`..._floor`): a tick that only
   reads the limb and writes the reading back, what any Python tick pays on this
   machine when it wakes once a millisecond (a core that slept finds its caches cold,
   and a shared host slows some wakes 5-10x). The arms take turns, `COMPUTE_ROUNDS`
   rounds of a share of their ticks each, so a change in the shared machine's load
   meets every arm alike.

The JSON's unprefixed keys (`jitter_p99_us`, ...) are the default configuration
(`DEFAULT_MODE`, `DEFAULT_REALTIME`) with the brain planning, as the issue asks;
`alone_*` the same configuration alone; `<mode>_<rt|ts>_<alone|loaded>_*` every
configuration that ran. The limb is `EchoLimb` (exactly follows its commands), or
with `--limb twin` the PyBullet twin of the tea scene, its physics stepped to the
wall clock inside the loop's limb reads (so the tick also pays for physics).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from core.msgs import EStop, JointCommand, JointState, LoopStats, SafetyEvent
from core.processes import reap, spawn_context
from core.profile import load_profile
from robot.bus import Bus
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.kinematics import Chain
from robot.cerebellum.loop import THREAD_SWITCH_INTERVAL_S, RealTimeLoop
from robot.cerebellum.motion import MotionCore, MotionRequest
from robot.cerebellum.motion_child import MotionSpec
from robot.cerebellum.motion_process import MotionProcess
from robot.cerebellum.node import RELAY_PERIOD_S, SKILL_PERIOD_S
from robot.cerebellum.realtime import RealtimeRequest
from robot.cerebellum.stats import TickRecorder, TimingSummary
from robot.cerebellum.synthetic import serial_arm_profile, serial_arm_urdf
from robot.limbs.base import Limb

PERIOD_S = 0.001
RETARGET_EVERY_TICKS = 1500
"""A new random goal every 1.5 s keeps ruckig re-planning and the arm moving."""
TARGET_SPAN_RAD = 0.4
COMPUTE_TICKS = 6000
COMPUTE_ROUNDS = 3
WARM_UP_TICKS = 50
"""Ticks run and not counted at the start of each round: the first ticks after another
arm's round pay for that arm's code in the caches."""
JOINT_COUNTS = (6, 12, 30)
FLOOR_JOINTS = 6
SYNTHETIC_FENCE = ((-3.0, -3.0, -3.0), (3.0, 3.0, 3.0))
"""Synthetic arms are up to 1.5 m long: a fence they stay inside, checked every tick."""
STANDING_HAND = (0.0, 0.6, 0.3)
"""A person's hand 0.6 m from the base, outside the slow-down distance of the 6-joint
arms but close enough that separation monitoring computes the exact distance every
tick (a far hand would take a cheaper early exit)."""
STALL_US = 1_000.0
"""A tick woken more than one period late counts as a stall (`stalls_per_10k`), as
does one whose body ran longer than a period."""
ESTOP_PROBE_PERIOD_S = 2.0
"""In `stack` mode, an E-stop is engaged (and reset right after) this often (s), to
time it from the message's creation to the tick that applies it."""
IK_SEED_OFFSET_RAD = 0.2
"""The stand-in skill thread solves IK for each goal from this far off (rad, every
joint): tens of damped-least-squares iterations, the work of a skill update."""
CHILD_TIMEOUT_MARGIN_S = 180.0
SCHEDSTAT = "/proc/thread-self/schedstat"
"""Linux: the thread's CPU time, run-queue wait (both ns) and times put on a CPU."""
SCHEDSTAT_BYTES = 96
"""Start-up allowance (imports, model loading) for a child process's run."""

DEFAULT_MODE = "stack"
DEFAULT_REALTIME = True
"""The configuration whose figures are the unprefixed keys: what the hil and serial
stacks run, the loop in its own process on SCHED_FIFO (`Cerebellum`)."""

FIGURE_KEYS = (
    "jitter_p50_us",
    "jitter_p99_us",
    "jitter_p999_us",
    "jitter_max_us",
    "overruns_per_10k",
    "tick_compute_p99_us",
    "tick_compute_max_us",
    "worst_tick_index",
    "stalls_per_10k",
    "stall_ms",
    "stalls_runqueue_per_10k",
    "stalls_blocked_per_10k",
    "stalls_outside_guest_per_10k",
    "realtime_obtained",
    "sched_priority",
    "memory_locked",
    "wake_latency_held",
    "steal_ms",
    "steal_percent",
    "loadavg_1min_before",
    "loadavg_1min_after",
    "estop_latency_p50_us",
    "estop_latency_max_us",
)

BRAIN_REQUESTS = (
    ("tea", "Bring the guest a cup of tea."),
    ("tea", "Gib dem Gast die rote Tasse."),
    ("care", "把毛巾放进篮子里。"),
    ("care", "Hand the pill box to the resident, please."),
)


@dataclass(frozen=True)
class RunConfig:
    """One jitter run: where the loop runs, how it is scheduled, what runs beside it."""

    mode: str
    realtime: bool
    loaded: bool
    camera: bool = False
    live: bool | None = None
    """The live view serving the loop's states (True), the states published with no
    viewer (False), or neither, as before the live view (None)."""

    @property
    def key(self) -> str:
        load = "loaded" if self.loaded else "alone"
        seeing = "_camera" if self.camera else ""
        live = {None: "", True: "_live", False: "_nolive"}[self.live]
        return f"{self.mode}_{'rt' if self.realtime else 'ts'}_{load}{seeing}{live}"


# -- the machine around the run ------------------------------------------------------------


def steal_ms() -> float:
    """Hypervisor steal time (ms) summed over all CPUs since boot: the 8th field of
    /proc/stat's `cpu` line, in clock ticks (0 where there is no /proc/stat)."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return 0.0
    ticks_per_s = os.sysconf("SC_CLK_TCK")
    return int(fields[8]) * 1000.0 / ticks_per_s if len(fields) > 8 else 0.0


def loadavg_1min() -> float:
    return os.getloadavg()[0]


# -- the load: the brain planning ------------------------------------------------------------


def brain_planning(stop: threading.Event, ready: threading.Event, remote: bool = False) -> None:
    """The brain planning requests back to back until `stop` (the load of a busy brain);
    `ready` is set once the model is loaded and planning begins. remote: plan through a
    `PlannerProcess` (decoding in its child, this thread waiting in `recv`), as the
    hil and serial stacks do; else with a `Planner` in this thread."""
    from core.scenes import scene_spec
    from robot.brain.planner import Planner
    from robot.brain.planner_process import PlannerProcess

    planner = PlannerProcess() if remote else Planner()
    try:
        ready.set()
        while not stop.is_set():
            for scene, text in BRAIN_REQUESTS:
                planner.plan(scene_spec(scene), text)
    finally:
        if isinstance(planner, PlannerProcess):
            planner.close()


@contextmanager
def brain_load(enabled: bool, remote: bool = False) -> Iterator[None]:
    """The brain planning in a thread of this process for the body's duration (with
    `remote`, the thread plans through a `PlannerProcess`)."""
    if not enabled:
        yield
        return
    stop, ready = threading.Event(), threading.Event()
    # Keyword only when set: a stand-in `brain_planning(stop, ready)` (tests) still fits.
    kwargs = {"remote": True} if remote else {}
    thread = threading.Thread(target=brain_planning, args=(stop, ready), kwargs=kwargs, daemon=True)
    thread.start()
    ready.wait()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def camera_load(enabled: bool, frames: list[int]) -> Iterator[None]:
    """For the body's duration, the perception process looking at the tea scene through
    the twin's side camera, sent the scene's state and taken its findings every
    `PerceivedWorld` period, as the world node does; `frames` gets how many frames it
    searched meanwhile."""
    if not enabled:
        yield
        return
    from robot.perception.node import PERIOD_S as PERCEPTION_PERIOD_S
    from robot.perception.process import CameraSpec, PerceptionProcess
    from sim.scenes import build_scene
    from sim.world import World

    with World() as world:
        scene = build_scene(world, "tea")
        state, joints = scene.state(), np.asarray(scene.arm.state()[0])
    camera = PerceptionProcess(CameraSpec("twin", "tea"))
    stop, seen = threading.Event(), [0]

    def feed() -> None:
        while not stop.wait(PERCEPTION_PERIOD_S):
            camera.send_snapshot(state, joints)
            seen[0] += camera.poll() is not None

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        camera.close()
        frames.append(seen[0])


@contextmanager
def live_load(live: bool | None, seconds: float, figures: dict[str, float]) -> Iterator[Bus | None]:
    """For the body's duration, a bus for the relay to publish on (None when `live` is
    None) and, when `live`, a `LiveView` serving it to a WebSocket client subscribed to
    every channel; `figures` gets the frame trees the client received a second."""
    if live is None:
        yield None
        return
    bus = Bus()
    if not live:
        yield bus
        return
    from robot.launch.config import Launch
    from robot.live.server import LiveView
    from robot.live.setup import converter_for

    view = LiveView(bus, converter_for(Launch(), BasePose()), port=0)
    view.start()
    if not view.serving.wait(10.0):
        raise RuntimeError(f"the live view did not start: {view.failure}")
    # The viewer in a process of its own, as Foxglove is: a client thread here would
    # take the interpreter lock from the relay that passes E-stops to the loop.
    ours, theirs = spawn_context().Pipe(duplex=False)
    client = spawn_context().Process(
        target=_view, args=(view.url, seconds, theirs), name="viewer", daemon=True
    )
    client.start()
    theirs.close()
    try:
        yield bus
    finally:
        arrivals = ours.recv() if ours.poll(seconds + 30.0) else []
        reap(client, 5.0)
        view.stop()
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    figures["live_tf_hz"] = (len(arrivals) - 1) / span if span > 0 else 0.0
    figures["live_tf_received"] = float(len(arrivals))


def _view(url: str, seconds: float, conn: Connection) -> None:
    """A viewer's process: subscribes to every channel for `seconds`, then sends when
    each frame tree arrived (`time.monotonic`, the same clock in every process)."""
    from benchmarks.live_client import collect

    conn.send(collect(url, seconds).arrivals.get("/tf", []))


# -- jitter ----------------------------------------------------------------------------------


def make_limb(kind: str, model: ArmModel) -> Limb:
    if kind == "twin":
        from robot.limbs.twin import TwinLimb

        # The tea scene, particles and all, stepped to the wall clock inside read().
        return TwinLimb.for_scene("tea", clock=time.monotonic)
    return EchoLimb(model.profile)


def targets_for(model: ArmModel, count: int, seed: int = 0) -> list[MotionRequest]:
    """Random reachable-ish goals around the middle of each joint's range."""
    rng = np.random.default_rng(seed)
    lower = np.array(model.limits.lower)
    upper = np.array(model.limits.upper)
    middle = (lower + upper) / 2.0
    return [
        MotionRequest(
            target=tuple(middle + rng.uniform(-TARGET_SPAN_RAD, TARGET_SPAN_RAD, lower.size))
        )
        for _ in range(count)
    ]


class StallProbe:
    """Why ticks stalled: the loop thread's schedstat, sampled at the start of every
    tick (one pread, ~2-5 us) into a list allocated once.

    A stall is a tick woken more than `STALL_US` late (the time lost lies between
    the previous tick's sample and its own) or one whose body ran longer than a
    period (between its sample and the next); both cause overruns. The schedstat
    change over that interval says where the time went: waiting in this machine's
    run queue (runnable, another thread on the CPU, or a non-preemptible kernel
    section); blocked (put on a CPU two or more times: it slept again, e.g. for the
    interpreter lock); else neither, which on a VM means the virtual CPU itself was
    not running (the hypervisor) or an interrupt held it. A heuristic: in a thread
    beside busy Python threads a short lock wait in the same interval also counts as
    blocked.
    """

    def __init__(self, capacity: int, path: str = SCHEDSTAT) -> None:
        """capacity: ticks to sample; path: opened in (and bound to) the calling thread."""
        try:
            self._fd: int | None = os.open(path, os.O_RDONLY)
        except OSError:
            self._fd = None
        self._raw = [b""] * capacity
        self._count = 0

    def sample(self) -> None:
        if self._fd is not None and self._count < len(self._raw):
            self._raw[self._count] = os.pread(self._fd, SCHEDSTAT_BYTES, 0)
            self._count += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def classify(
        self, late_us: np.ndarray, compute_us: np.ndarray, periods: int
    ) -> dict[str, float]:
        """Stalls per 10 000 periods, by cause, and the time they lost (ms)."""
        period_us = PERIOD_S * 1e6
        # (interval start sample, time lost in us) per stall
        stalls = [(k - 1, late_us[k]) for k in np.flatnonzero(late_us > STALL_US)]
        stalls += [(k, compute_us[k]) for k in np.flatnonzero(compute_us > period_us)]
        counts = {"runqueue": 0, "blocked": 0, "outside_guest": 0}
        if self._count > 1:
            fields = np.array([r.split()[:3] for r in self._raw[: self._count]], dtype=np.int64)
            wait_us = np.diff(fields[:, 1]) / 1000.0
            arrivals = np.diff(fields[:, 2])
            for start, lost_us in stalls:
                if not 0 <= start < wait_us.size:
                    continue
                if wait_us[start] >= lost_us / 2.0:
                    counts["runqueue"] += 1
                elif arrivals[start] >= 2:
                    counts["blocked"] += 1
                else:
                    counts["outside_guest"] += 1
        result = {
            "stalls_per_10k": 10_000.0 * len(stalls) / periods,
            "stall_ms": float(sum(lost for _, lost in stalls) / 1000.0),
        }
        for name, count in counts.items():
            result[f"stalls_{name}_per_10k"] = 10_000.0 * count / periods
        return result


def jitter_run(
    seconds: float,
    limb_kind: str,
    switch_interval_s: float | None,
    realtime: RealtimeRequest | None,
) -> tuple[dict[str, float], str]:
    """Run the loop in the calling thread for `seconds` of wall time (however many
    periods overruns skip): (timing figures, scheduling). switch_interval_s: the
    interpreter's switch interval while the loop runs (None: left alone)."""
    profile = load_profile("so101")
    model = ArmModel.from_profile(profile, BasePose())
    limb = make_limb(limb_kind, model)
    core = MotionCore.for_arm(model, limb, PERIOD_S)
    core.start()
    core.supervisor.set_hand(STANDING_HAND)
    goals = targets_for(model, int(seconds * 1000 / RETARGET_EVERY_TICKS) + 2)
    counter = [0]
    stop = threading.Event()
    clock = time.monotonic_ns
    end_ns = [0]
    ticks = int(seconds / PERIOD_S)
    probe = StallProbe(ticks + 16)
    sample = probe.sample

    def tick() -> None:
        sample()
        n = counter[0]
        if n % RETARGET_EVERY_TICKS == 0:
            core.request(goals[n // RETARGET_EVERY_TICKS])
        counter[0] = n + 1
        core.tick()
        if clock() >= end_ns[0]:
            stop.set()

    history = TickRecorder(ticks + 16)
    loop = RealTimeLoop(
        tick,
        PERIOD_S,
        history=history,
        switch_interval_s=switch_interval_s,
        realtime=realtime,
    )
    end_ns[0] = clock() + round(seconds * 1e9)
    try:
        loop.run(stop, max_ticks=ticks)
    finally:
        limb.close()
        probe.close()
    scheduling = loop.scheduling
    assert scheduling is not None  # set by run()
    result = figures(history, loop.overruns, loop.ticks)
    periods = max(1, loop.ticks + loop.overruns)
    result |= probe.classify(history.late_us(), history.compute_us(), periods)
    result["realtime_obtained"] = 1.0 if scheduling.realtime else 0.0
    result["sched_priority"] = float(scheduling.priority)
    result["memory_locked"] = 1.0 if scheduling.memory_locked else 0.0
    result["wake_latency_held"] = 1.0 if scheduling.wake_latency_us is not None else 0.0
    return result, scheduling.describe()


def figures(history: TickRecorder, overruns: int, ticks: int) -> dict[str, float]:
    summary: TimingSummary = history.summary()
    periods = max(1, ticks + overruns)  # the ticks that ran plus the ones skipped
    return {
        "jitter_p50_us": summary.jitter_p50_us,
        "jitter_p99_us": summary.jitter_p99_us,
        "jitter_p999_us": summary.jitter_p999_us,
        "jitter_max_us": summary.jitter_max_us,
        "overruns_per_10k": 10_000.0 * overruns / periods,
        "tick_compute_p99_us": summary.compute_p99_us,
        "tick_compute_max_us": summary.compute_max_us,
        "worst_tick_index": float(np.argmax(history.late_us())) if history.count else 0.0,
        "ticks": float(ticks),
    }


def _child(
    queue: multiprocessing.Queue, seconds: float, limb_kind: str, realtime: RealtimeRequest | None
) -> None:
    queue.put(jitter_run(seconds, limb_kind, switch_interval_s=None, realtime=realtime))


def jitter_run_in_process(
    seconds: float, limb_kind: str, realtime: RealtimeRequest | None
) -> tuple[dict[str, float], str]:
    """The loop in a child process (whatever load runs stays in this one)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue, seconds, limb_kind, realtime))
    child.start()
    try:
        return queue.get(timeout=seconds + CHILD_TIMEOUT_MARGIN_S)
    finally:
        child.join()


def limb_factory(kind: str, profile_name: str) -> Callable[[], Limb]:
    """`make_limb` as a factory that pickles: the loop's process opens the limb."""
    if kind == "twin":
        from robot.limbs.twin import TwinLimb

        return partial(TwinLimb.for_scene, "tea", clock=time.monotonic)
    return partial(EchoLimb, load_profile(profile_name))


def jitter_run_stack(
    seconds: float, limb_kind: str, realtime: RealtimeRequest | None, bus: Bus | None = None
) -> tuple[dict[str, float], str]:
    """The loop as the `Cerebellum` node runs it (`MotionProcess`: its own process,
    requests over the pipe, state in shared memory), with this process doing the
    node's work beside it: a skill thread at 50 Hz solving IK for the next goal and
    sending a new one every 1.5 s, and the reports pumped every 10 ms (and, given a
    `bus`, each new joint state and command published on it, as the node does)."""
    profile = load_profile("so101")
    model = ArmModel.from_profile(profile, BasePose())
    ticks = int(seconds / PERIOD_S)
    spec = MotionSpec(model, limb_factory(limb_kind, "so101"), realtime=realtime, keep_ticks=ticks)
    stats: list[LoopStats] = []
    events: list[SafetyEvent] = []
    motion = MotionProcess(spec, on_stats=stats.append, on_event=events.append)
    goals = targets_for(model, int(seconds * 1000 / RETARGET_EVERY_TICKS) + 2)
    stop = threading.Event()

    def skills() -> None:
        sent = 0
        start = time.monotonic()
        while not stop.wait(SKILL_PERIOD_S):
            due = int((time.monotonic() - start) * 1000 / RETARGET_EVERY_TICKS)
            goal = goals[min(due, len(goals) - 1)]
            q = model.chain_q(goal.target)
            model.chain.solve_ik(model.chain.fk(q)[:3, 3], q + IK_SEED_OFFSET_RAD)
            if due >= sent:
                motion.request(goal)
                sent = due + 1

    motion.start()
    thread = threading.Thread(target=skills, name="skills", daemon=True)
    thread.start()
    estops: list[EStop] = []
    try:
        now = time.monotonic()
        end = now + seconds
        next_estop = now + ESTOP_PROBE_PERIOD_S
        published = 0
        state_pub = bus.publisher(JointState) if bus is not None else None
        command_pub = bus.publisher(JointCommand) if bus is not None else None
        while now < end and motion.failure is None:
            motion.pump(timeout_s=RELAY_PERIOD_S)
            snapshot = motion.snapshot()
            fresh = snapshot is not None and snapshot.version != published
            if fresh and state_pub is not None and command_pub is not None:
                assert snapshot is not None
                published = snapshot.version
                state = state_pub.publish(snapshot.state)
                command_pub.publish(
                    JointCommand(position=snapshot.commanded, stamp_ns=state.stamp_ns)
                )
            now = time.monotonic()
            if now >= next_estop:
                # Engage; the next pass resets it (the arm holds for ~10 ms).
                estops.append(EStop(engaged=not estops or not estops[-1].engaged, source="bench"))
                motion.estop(estops[-1])
                next_estop = now + (ESTOP_PROBE_PERIOD_S if not estops[-1].engaged else 0.0)
    finally:
        stop.set()
        thread.join()
        motion.stop()
    if motion.failure is not None:
        raise RuntimeError(f"the loop's process {motion.failure}")
    finished = motion.finished
    assert finished is not None and finished.history is not None
    result = figures(finished.history, finished.overruns, finished.ticks)
    result |= estop_latency(estops, events)
    policy, priority = (stats[-1].sched_policy, stats[-1].sched_priority) if stats else ("?", 0)
    result["realtime_obtained"] = 1.0 if policy == "SCHED_FIFO" else 0.0
    result["sched_priority"] = float(priority)
    return result, f"{policy}/{priority} (own process)"


def estop_latency(sent: list[EStop], events: list[SafetyEvent]) -> dict[str, float]:
    """From each engaging `EStop`'s creation to the tick that applied it (us), by the
    stamp of the "estop" event the supervisor raised in that tick (monotonic clocks
    are one clock across processes on Linux)."""
    engaged = [msg for msg in sent if msg.engaged]
    applied = [e for e in events if e.kind == "estop" and e.severity == "stop"]
    # The last one may be sent as the loop stops, never applied: zip drops it.
    pairs = zip(engaged, applied, strict=False)
    latency_us = [(e.stamp_ns - m.stamp_ns) / 1000.0 for m, e in pairs]
    if not latency_us:
        return {}
    return {
        "estop_count": float(len(latency_us)),
        "estop_latency_p50_us": float(np.median(latency_us)),
        "estop_latency_max_us": float(max(latency_us)),
    }


def measure(
    config: RunConfig,
    seconds: float,
    limb_kind: str,
    cpu: int | None,
    switch_interval_s: float = THREAD_SWITCH_INTERVAL_S,
) -> dict[str, float]:
    """One configuration, with the machine's load and steal time around it.
    switch_interval_s: the interpreter's switch interval for the loop in a thread."""
    request = RealtimeRequest(cpu=cpu) if config.realtime else None
    frames: list[int] = []
    live: dict[str, float] = {}
    with (
        brain_load(config.loaded, remote=config.mode == "stack"),
        camera_load(config.camera, frames),
        live_load(config.live, seconds, live) as bus,
    ):
        load_before, steal_before = loadavg_1min(), steal_ms()
        if config.mode == "thread":
            result, scheduling = jitter_run(seconds, limb_kind, switch_interval_s, request)
        elif config.mode == "stack":
            result, scheduling = jitter_run_stack(seconds, limb_kind, request, bus)
        else:
            result, scheduling = jitter_run_in_process(seconds, limb_kind, request)
        steal = steal_ms() - steal_before
        load_after = loadavg_1min()
    result["steal_ms"] = steal
    result["steal_percent"] = 100.0 * steal / (seconds * 1000.0 * (os.cpu_count() or 1))
    result["loadavg_1min_before"] = load_before
    result["loadavg_1min_after"] = load_after
    if frames:
        result["camera_frames_per_s"] = frames[0] / seconds
    result |= live
    viewer = f"  live {live['live_tf_hz']:.1f} Hz" if "live_tf_hz" in live else ""
    print(
        f"  {config.key:<20} {scheduling:<28} p99 {result['jitter_p99_us']:8.1f} us"
        f"  p99.9 {result['jitter_p999_us']:8.1f} us  overruns/10k "
        f"{result['overruns_per_10k']:6.1f}  steal {steal:6.0f} ms  load {load_after:.2f}"
        f"{viewer}",
        flush=True,
    )
    return result


# -- tick cost -------------------------------------------------------------------------------


def full_tick(joints: int, ticks: int) -> Callable[[], None]:
    """The cerebellum's tick on a synthetic `joints`-joint arm, its goal moved every
    `RETARGET_EVERY_TICKS` ticks over `ticks` ticks."""
    profile = serial_arm_profile(joints)
    chain = Chain.from_urdf(serial_arm_urdf(joints), "tool")
    model = ArmModel(profile, chain, BasePose(), fence=SYNTHETIC_FENCE, link_radius_m=0.01)
    core = MotionCore.for_arm(model, EchoLimb(profile), PERIOD_S)
    core.start()
    core.supervisor.set_hand(STANDING_HAND)
    goals = targets_for(model, ticks // RETARGET_EVERY_TICKS + 2, seed=joints)
    counter = [0]

    def tick() -> None:
        k = counter[0]
        if k % RETARGET_EVERY_TICKS == 0:
            core.request(goals[(k // RETARGET_EVERY_TICKS) % len(goals)])
        core.tick()
        counter[0] = k + 1

    return tick


def floor_tick(joints: int) -> Callable[[], None]:
    """The floor: a tick that reads the limb and writes the reading back, nothing else."""
    limb = EchoLimb(serial_arm_profile(joints))

    def tick() -> None:
        state = limb.read()
        limb.write(JointCommand(position=state.position, velocity=state.velocity))

    return tick


def timed_ticks(
    tick: Callable[[], None], ticks: int, realtime: RealtimeRequest | None
) -> tuple[np.ndarray, np.ndarray]:
    """Run `tick` at 1 kHz under the real-time loop for `WARM_UP_TICKS + ticks` ticks:
    the last `ticks` ticks' CPU time and wall time (us)."""
    total = WARM_UP_TICKS + ticks
    cpu = np.zeros(total)
    cpu_clock = time.thread_time_ns
    counter = [0]

    def timed() -> None:
        k = counter[0]
        start = cpu_clock()
        tick()
        cpu[k] = cpu_clock() - start
        counter[0] = k + 1

    history = TickRecorder(total + 16)
    RealTimeLoop(timed, PERIOD_S, history=history, realtime=realtime).run(
        threading.Event(), max_ticks=total
    )
    return cpu[WARM_UP_TICKS:] / 1000.0, history.compute_us()[WARM_UP_TICKS:]


def tick_costs(
    ticks: int = COMPUTE_TICKS,
    realtime: RealtimeRequest | None = None,
    rounds: int = COMPUTE_ROUNDS,
) -> dict[str, dict[str, float]]:
    """The tick's cost (us) per arm ("floor", "6_joints", ...), each arm ticked
    `ticks` times by the real-time loop at 1 kHz (with `realtime` scheduling), the
    arms taking turns over `rounds` rounds: {"compute_p50", "compute_p99" (CPU time of
    the thread), "wall_p99"}. On a shared machine the wall time also counts time the
    scheduler or the hypervisor gave to others; the CPU time is what the tick costs."""
    arms = {"floor": floor_tick(FLOOR_JOINTS)}
    arms |= {f"{n}_joints": full_tick(n, ticks) for n in JOINT_COUNTS}
    per_round = max(1, ticks // rounds)
    cpu: dict[str, list[np.ndarray]] = {name: [] for name in arms}
    wall: dict[str, list[np.ndarray]] = {name: [] for name in arms}
    for _ in range(rounds):
        for name, tick in arms.items():
            cpu_us, wall_us = timed_ticks(tick, per_round, realtime)
            cpu[name].append(cpu_us)
            wall[name].append(wall_us)
    costs = {}
    for name in arms:
        cpu_us, wall_us = np.concatenate(cpu[name]), np.concatenate(wall[name])
        costs[name] = {
            "compute_p50": float(np.percentile(cpu_us, 50.0)),
            "compute_p99": float(np.percentile(cpu_us, 99.0)),
            "wall_p99": float(np.percentile(wall_us, 99.0)),
        }
    return costs


# -- the command -----------------------------------------------------------------------------


def configurations(
    modes: list[str],
    realtimes: list[bool],
    loads: list[bool],
    cameras: tuple[bool, ...] = (False,),
    lives: tuple[bool | None, ...] = (None,),
) -> list[RunConfig]:
    """Loads outermost, modes, schedulings, the camera and the live view interleaved
    inside each."""
    return [
        RunConfig(m, r, loaded, camera, live)
        for loaded in loads
        for m in modes
        for r in realtimes
        for camera in cameras
        for live in lives
    ]


def flatten(results: dict[RunConfig, dict[str, float]]) -> dict[str, float]:
    """The flat JSON: the default configuration unprefixed (loaded) and `alone_`, then
    every configuration under its key. Without the default in the set, the first
    configuration that ran stands in for it (its mode and scheduling are recorded)."""
    flat: dict[str, float] = {}
    chosen = [c for c in results if c.mode == DEFAULT_MODE and c.realtime == DEFAULT_REALTIME]
    reference = chosen[0] if chosen else next(iter(results))
    loaded = results.get(RunConfig(reference.mode, reference.realtime, True))
    alone = results.get(RunConfig(reference.mode, reference.realtime, False))
    if loaded is not None:
        flat |= loaded
    if alone is not None:
        flat |= {f"alone_{key}": value for key, value in alone.items()}
    flat["loop_in_own_process"] = 1.0 if reference.mode in ("stack", "process") else 0.0
    flat["realtime_requested"] = 1.0 if reference.realtime else 0.0
    for config, figs in results.items():
        flat |= {f"{config.key}_{key}": value for key, value in figs.items()}
    return flat


def print_table(results: dict[RunConfig, dict[str, float]]) -> None:
    keys = [c.key for c in results]
    width = max(14, *(len(k) + 2 for k in keys))
    print(f"\n{'figure':<30}" + "".join(f"{k:>{width}}" for k in keys))
    for figure in FIGURE_KEYS:
        # `stack` runs have no stall probe (it would sit in the loop's own tick).
        row = "".join(f"{results[c].get(figure, math.nan):>{width}.1f}" for c in results)
        print(f"{figure:<30}{row}")


def choices(value: str, both: tuple[str, ...], every: tuple[str, ...] = ()) -> list[str]:
    if value == "all":
        return list(every)
    return list(both) if value == "both" else [value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per jitter run (s)")
    parser.add_argument(
        "--mode",
        choices=("thread", "stack", "process", "both", "all"),
        default=DEFAULT_MODE,
        help="both: thread and process; all: thread, stack and process",
    )
    parser.add_argument(
        "--realtime",
        choices=("on", "off", "both"),
        default="on" if DEFAULT_REALTIME else "off",
        help="SCHED_FIFO + mlockall for the loop's thread (falls back if not permitted)",
    )
    parser.add_argument(
        "--load", choices=("alone", "loaded", "both"), default="both", help="brain planning"
    )
    parser.add_argument(
        "--camera",
        choices=("off", "on", "both"),
        default="off",
        help="the perception process seeing the twin beside the loop (both: without, then with)",
    )
    parser.add_argument(
        "--live",
        choices=("none", "off", "on", "both"),
        default="none",
        help="mode stack: the loop's states on a bus without (off) or with (on) the live "
        "view and a client (both: side by side); none: no bus, as before",
    )
    parser.add_argument("--cpu", type=int, help="with --realtime: pin the loop to this CPU")
    parser.add_argument("--limb", choices=("echo", "twin"), default="echo")
    parser.add_argument(
        "--switch-interval-us",
        type=float,
        default=THREAD_SWITCH_INTERVAL_S * 1e6,
        help="the interpreter's switch interval while the loop runs in a thread (us)",
    )
    parser.add_argument("--no-compute", action="store_true", help="skip the tick-cost part")
    parser.add_argument(
        "--compute-ticks", type=int, default=COMPUTE_TICKS, help="ticks per tick-cost arm"
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    lives: tuple[bool | None, ...] = (None,)
    if args.live != "none":
        lives = tuple(v == "on" for v in choices(args.live, ("off", "on")))
    configs = configurations(
        choices(args.mode, ("thread", "process"), ("thread", "stack", "process")),
        [v == "on" for v in choices(args.realtime, ("off", "on"))],
        [v == "loaded" for v in choices(args.load, ("alone", "loaded"))],
        tuple(v == "on" for v in choices(args.camera, ("off", "on"))),
        lives,
    )
    if args.live != "none" and args.mode != "stack":
        parser.error("--live measures the stack: give --mode stack")
    print(
        f"cerebellum loop: {1 / PERIOD_S:.0f} Hz, {args.seconds:.0f} s per run, "
        f"limb={args.limb}, {len(configs)} configurations; load: the brain planning back "
        f"to back; {os.cpu_count()} CPUs, load average {loadavg_1min():.2f}; switch interval "
        f"{args.switch_interval_us:.0f} us for a loop in a thread"
    )
    switch_interval_s = args.switch_interval_us / 1e6
    results = {c: measure(c, args.seconds, args.limb, args.cpu, switch_interval_s) for c in configs}
    print_table(results)
    result = flatten(results)

    if not args.no_compute:
        # Under SCHED_FIFO (memory left unlocked) when any configuration asked for it.
        rt = RealtimeRequest(cpu=args.cpu, lock_memory=False) if args.realtime != "off" else None
        costs = tick_costs(args.compute_ticks, rt)
        print(f"\n{'tick cost (us)':<22}{'CPU p50':>12}{'CPU p99':>12}{'wall p99':>12}")
        for name, cost in costs.items():
            label = name.replace("_", " ") if name != "floor" else "floor (limb only)"
            print(
                f"{label:<22}{cost['compute_p50']:>12.1f}{cost['compute_p99']:>12.1f}"
                f"{cost['wall_p99']:>12.1f}"
            )
            result[f"tick_compute_p50_us_{name}"] = cost["compute_p50"]
            result[f"tick_compute_p99_us_{name}"] = cost["compute_p99"]
            result[f"tick_wall_p99_us_{name}"] = cost["wall_p99"]
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
