"""Benchmark: the cerebellum's 1 kHz loop -- jitter, overruns, and tick cost vs joints.

    python benchmarks/cerebellum_loop.py                  # 60 s alone + 60 s loaded
    python benchmarks/cerebellum_loop.py --seconds 10 --json out.json
    python benchmarks/cerebellum_loop.py --mode process   # loop in its own process

Two measurements:

1. Jitter: the full tick (limb read, ruckig, safety supervisor with geometry, limb
   write) on the SO-101 profile at 1 kHz for `--seconds`, first alone, then while a
   the brain plans in parallel: a thread of this process planning the tea and care
   requests back to back with the committed model, one onnxruntime thread, as the
   brain node does. `--mode thread` runs the loop in a thread of this process (the
   brain beside it), `--mode process` in a child process (the brain stays in the
   parent).
2. Tick compute: the same tick on synthetic 6-, 12- and 30-joint arms, ticks run
   back to back: `tick_compute_p99_us_<n>_joints` is the p99 of the thread's CPU
   time per tick (what the tick costs), `tick_wall_p99_us_<n>_joints` of its wall
   time (which on a shared machine also counts time the scheduler gave away).

The limb is `EchoLimb` (exactly follows its commands), or with `--limb twin` the
PyBullet twin of the tea scene, its physics stepped to the wall clock inside the
loop's limb reads (so the tick also pays for physics).
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import sys
import threading
import time
from pathlib import Path

import numpy as np

from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.kinematics import Chain
from robot.cerebellum.loop import THREAD_SWITCH_INTERVAL_S, RealTimeLoop
from robot.cerebellum.motion import MotionCore, MotionRequest
from robot.cerebellum.stats import TickRecorder, TimingSummary
from robot.cerebellum.synthetic import serial_arm_profile, serial_arm_urdf
from robot.limbs.base import Limb
from robot.profile import load_profile

PERIOD_S = 0.001
RETARGET_EVERY_TICKS = 1500
"""A new random goal every 1.5 s keeps ruckig re-planning and the arm moving."""
TARGET_SPAN_RAD = 0.4
COMPUTE_TICKS = 6000
JOINT_COUNTS = (6, 12, 30)
SYNTHETIC_FENCE = ((-3.0, -3.0, -3.0), (3.0, 3.0, 3.0))
"""Synthetic arms are up to 1.5 m long: a fence they stay inside, checked every tick."""
STANDING_HAND = (0.0, 0.6, 0.3)
"""A person's hand 0.6 m from the base, outside the slow-down distance of the 6-joint
arms but close enough that separation monitoring computes the exact distance every
tick (a far hand would take a cheaper early exit)."""


BRAIN_REQUESTS = (
    ("tea", "Bring the guest a cup of tea."),
    ("tea", "Gib dem Gast die rote Tasse."),
    ("care", "把毛巾放进篮子里。"),
    ("care", "Hand the pill box to the resident, please."),
)


def brain_planning(stop: threading.Event) -> None:
    """The brain planning requests back to back until `stop` (the load of a busy brain)."""
    from robot.brain.planner import Planner
    from robot.scenes import scene_spec

    planner = Planner()
    while not stop.is_set():
        for scene, text in BRAIN_REQUESTS:
            planner.plan(scene_spec(scene), text)


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


def jitter_run(seconds: float, busy: bool, limb_kind: str, thread_mode: bool) -> dict[str, float]:
    """Run the loop for `seconds`; returns its timing figures."""
    profile = load_profile("so101")
    model = ArmModel.from_profile(profile, BasePose())
    limb = make_limb(limb_kind, model)
    core = MotionCore.for_arm(model, limb, PERIOD_S)
    core.start()
    core.supervisor.set_hand(STANDING_HAND)
    goals = targets_for(model, int(seconds * 1000 / RETARGET_EVERY_TICKS) + 2)
    counter = [0]

    def tick() -> None:
        n = counter[0]
        if n % RETARGET_EVERY_TICKS == 0:
            core.request(goals[n // RETARGET_EVERY_TICKS])
        counter[0] = n + 1
        core.tick()

    ticks = int(seconds / PERIOD_S)
    history = TickRecorder(ticks + 16)
    loop = RealTimeLoop(
        tick,
        PERIOD_S,
        history=history,
        switch_interval_s=THREAD_SWITCH_INTERVAL_S if thread_mode else None,
    )
    stop = threading.Event()
    load_stop = threading.Event()
    load = threading.Thread(target=brain_planning, args=(load_stop,), daemon=True)
    if busy:
        load.start()
    try:
        loop.run(stop, max_ticks=ticks)
    finally:
        load_stop.set()
        limb.close()
    summary = history.summary()
    return figures(summary, loop.overruns, loop.ticks)


def figures(summary: TimingSummary, overruns: int, ticks: int) -> dict[str, float]:
    return {
        "jitter_p50_us": summary.jitter_p50_us,
        "jitter_p99_us": summary.jitter_p99_us,
        "jitter_p999_us": summary.jitter_p999_us,
        "jitter_max_us": summary.jitter_max_us,
        # Per 10 000 periods of the run: the ticks that ran plus the ones skipped.
        "overruns_per_10k": 10_000.0 * overruns / max(1, ticks + overruns),
        "tick_compute_p99_us": summary.compute_p99_us,
    }


def _child(queue: multiprocessing.Queue, seconds: float, limb_kind: str) -> None:
    queue.put(jitter_run(seconds, busy=False, limb_kind=limb_kind, thread_mode=False))


def jitter_run_in_process(seconds: float, busy: bool, limb_kind: str) -> dict[str, float]:
    """The loop in a child process; the brain (if planning) in this one."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue, seconds, limb_kind))
    load_stop = threading.Event()
    load = threading.Thread(target=brain_planning, args=(load_stop,), daemon=True)
    child.start()
    if busy:
        load.start()
    try:
        result = queue.get(timeout=seconds * 3 + 60)
    finally:
        load_stop.set()
        child.join()
    return result


def tick_compute_p99_us(joints: int, ticks: int = COMPUTE_TICKS) -> tuple[float, float]:
    """p99 of the tick's cost (us) on a synthetic `joints`-joint arm: (CPU time of the
    thread, wall time). On a shared machine the wall time also counts the ticks the
    scheduler gave to other processes; the CPU time is what the tick itself costs."""
    profile = serial_arm_profile(joints)
    chain = Chain.from_urdf(serial_arm_urdf(joints), "tool")
    model = ArmModel(profile, chain, BasePose(), fence=SYNTHETIC_FENCE, link_radius_m=0.01)
    core = MotionCore.for_arm(model, EchoLimb(profile), PERIOD_S)
    core.start()
    core.supervisor.set_hand(STANDING_HAND)
    goals = targets_for(model, ticks // RETARGET_EVERY_TICKS + 2, seed=joints)
    cpu = np.empty(ticks)
    wall = np.empty(ticks)
    cpu_clock = time.thread_time_ns
    wall_clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for k in range(ticks):
            if k % RETARGET_EVERY_TICKS == 0:
                core.request(goals[k // RETARGET_EVERY_TICKS])
            start_cpu, start_wall = cpu_clock(), wall_clock()
            core.tick()
            wall[k] = wall_clock() - start_wall
            cpu[k] = cpu_clock() - start_cpu
    finally:
        gc.enable()
    return float(np.percentile(cpu, 99.0) / 1000.0), float(np.percentile(wall, 99.0) / 1000.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per jitter run (s)")
    parser.add_argument("--mode", choices=("thread", "process"), default="thread")
    parser.add_argument("--limb", choices=("echo", "twin"), default="echo")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    print(
        f"cerebellum loop: {1 / PERIOD_S:.0f} Hz, {args.seconds:.0f} s per run, "
        f"mode={args.mode}, limb={args.limb}; load: the brain planning back to back"
    )
    if args.mode == "thread":
        alone = jitter_run(args.seconds, False, args.limb, thread_mode=True)
        loaded = jitter_run(args.seconds, True, args.limb, thread_mode=True)
    else:
        alone = jitter_run_in_process(args.seconds, False, args.limb)
        loaded = jitter_run_in_process(args.seconds, True, args.limb)
    compute = {n: tick_compute_p99_us(n) for n in JOINT_COUNTS}

    rows = (
        "jitter_p50_us",
        "jitter_p99_us",
        "jitter_p999_us",
        "jitter_max_us",
        "overruns_per_10k",
        "tick_compute_p99_us",
    )
    print(f"{'figure':<24}{'alone':>12}{'with load':>12}")
    for key in rows:
        print(f"{key:<24}{alone[key]:>12.1f}{loaded[key]:>12.1f}")
    print(f"{'tick cost p99 (us)':<24}{'CPU':>12}{'wall':>12}")
    for n, (cpu, wall) in compute.items():
        print(f"{f'{n} joints':<24}{cpu:>12.1f}{wall:>12.1f}")

    result: dict[str, float] = {key: loaded[key] for key in rows}
    result |= {f"alone_{key}": alone[key] for key in rows}
    result |= {f"tick_compute_p99_us_{n}_joints": cpu for n, (cpu, _) in compute.items()}
    result |= {f"tick_wall_p99_us_{n}_joints": wall for n, (_, wall) in compute.items()}
    result["mode_is_process"] = 1.0 if args.mode == "process" else 0.0
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
