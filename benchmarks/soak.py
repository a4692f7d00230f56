"""Soak: episodes back to back on the full serial path, with faults injected at random.

Each episode, on a scene seed of its own:

- the twin is served by `robot servo emulate --twin so101 --scene tea` in its own
  process (its world in another: a real arm's stand-in), with transient faults at
  random on every request (`FAULT_RATES`: bit flips, dropped replies, latency spikes,
  forged replies whose checksum holds) and its ground truth in a world file;
- the stack of a serial launch on that port is built in this process, as `robot run`
  builds it (`build_stack`), and carries out one request (`REQUESTS`, in turn);
- by the episode's draw (`ACTIONS`), partway through, one of: nothing; the cable pulled
  (the emulator's SIGUSR1), measured from the pull to the `SafetyEvent` naming servo,
  port and cause; the loop's process hung (SIGSTOP), measured from the hang to the
  cerebellum's failure; Ctrl-C (SIGINT to this process), measured from the signal to
  the nodes stopped.

Across the run: this process's resident memory after each episode (growth: the median
of the last third of episodes against the median of the first third, the first
episode left out as warm-up), the loop's overruns per 10k ticks (from its LoopStats),
the unsafe commands the servos saw (goals past a joint's limits, or moving faster than
the joint may: the emulator counts them at the servo end), and the failures that did
not read as one line.

    .venv/bin/python -m benchmarks.soak --minutes 30 [--seed-start 1000] [--json FILE]

Targets (issue 13): soak_memory_growth_pct < 5 over 30 minutes, unsafe_commands 0,
safe_stop_ms_after_bus_loss max <= 50, loop hang detected within 100 ms, Ctrl-C <= 1 s.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from benchmarks.common import parser, percentile, report
from core.errors import RobotError
from core.msgs import LoopStats, SafetyEvent
from robot.bus import Bus, fifo
from robot.cerebellum.node import Cerebellum
from robot.launch.config import load_launch
from robot.launch.operator import Operator
from robot.launch.stack import build_stack
from robot.node import run_nodes

REQUESTS = (
    "Put the red cup on the tray.",
    "Pour tea into the blue cup.",
    "Put the blue cup on the tray.",
    "Pour tea into the red cup.",
)
ACTIONS = ("none", "pull the cable", "hang the loop", "ctrl-c")
ACTION_WEIGHTS = (0.4, 0.2, 0.2, 0.2)
ACT_AFTER_S = (3.0, 12.0)
"""When the episode's action comes, after the nodes start (s, uniform): mid-request."""
FAULT_RATES = {"flip": 0.002, "drop": 0.002, "forge": 0.002, "delay": 0.0005}
"""Per request, for each kind (about 2000 requests a second: a few of each a second)."""
SPIKE_S = 0.008
"""A latency spike: longer than one reply timeout (5.7 ms), shorter than the three in a
row after which the limb takes the bus as lost (a longer one is a lost bus)."""
EPISODE_TIMEOUT_S = 120.0
"""A request not done by then counts as failed (the operator's timeout, wall seconds)."""
STARTUP_S = 60.0
TARGET_GROWTH_PCT = 5.0
TARGET_STOP_MS = 50.0
TARGET_HANG_MS = 100.0
TARGET_CTRL_C_MS = 1000.0
STATUS_QUEUE = 4096


@dataclass
class Episode:
    seed: int
    request: str
    action: str
    success: bool = False
    failure: str = ""
    reaction_ms: float | None = None
    """How long after the action the stack reacted (see the module docstring)."""
    unsafe: int = 0
    rss_kb: int = 0
    ticks: int = 0
    overruns: int = 0
    fault_events: list[str] = field(default_factory=list)


class Emulator:
    """`robot servo emulate --twin` for one episode; its port, base and last words."""

    def __init__(self, seed: int, folder: Path) -> None:
        faults = folder / "faults.toml"
        entries = [
            f'[[faults]]\nkind = "{kind}"\nrate = {rate}\n'
            + (f"delay_s = {SPIKE_S}\n" if kind == "delay" else "")
            for kind, rate in FAULT_RATES.items()
        ]
        faults.write_text(f"seed = {seed}\n" + "".join(entries))
        self.world = folder / "world.json"
        self.calibration = folder / "twin.json"
        cmd = [sys.executable, "-m", "robot.cli", "servo", "emulate", "--twin", "so101"]
        cmd += ["--scene", "tea", "--seed", str(seed), "--protocol", "feetech"]
        cmd += ["--write-calibration", str(self.calibration), "--world-out", str(self.world)]
        cmd += ["--faults", str(faults)]
        self.process = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.port = self.process.stdout.readline().split()[-1]
        words = self.process.stdout.readline().split()
        self.base = [float(words[k]) for k in (4, 6, 8, 11)]

    def stop(self) -> int:
        """End it; the unsafe commands its servos saw."""
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        last = out.splitlines()[-1] if out else ""
        if not last.startswith("unsafe commands: "):
            raise RuntimeError(f"the emulator did not say how many unsafe commands: {out!r}")
        if int(last.split()[2]):
            print("   emulator:", last, flush=True)
        return int(last.split()[2])


def launch_file(emulator: Emulator, request: str, folder: Path) -> Path:
    x, y, z, yaw = emulator.base
    path = folder / "soak.toml"
    path.write_text(
        f"instructions = [{request!r}]\n"
        f"[robot]\nbase_x_m = {x}\nbase_y_m = {y}\nbase_z_m = {z}\nbase_yaw_rad = {yaw}\n"
        '[scene]\nname = "tea"\n'
        f'[limbs]\nbackend = "serial"\nport = "{emulator.port}"\n'
        f'calibration = "{emulator.calibration}"\n'
        f'[world]\nfile = "{emulator.world}"\n'
    )
    return path


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_episode(episode: Episode, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        folder = Path(tmp)
        emulator = Emulator(episode.seed, folder)
        try:
            launch = load_launch(launch_file(emulator, episode.request, folder))
            bus = Bus()
            stack = build_stack(launch, bus)
            events = bus.subscribe(SafetyEvent, policy=fifo(STATUS_QUEUE))
            stats = bus.subscribe(LoopStats, policy=fifo(STATUS_QUEUE))
            operator = Operator(
                bus,
                "tea",
                [episode.request],
                stack.sim_time_s,
                max_replans=launch.brain.max_replans,
                has_world=True,
                timeout_s=EPISODE_TIMEOUT_S,
            )
            cerebellum = next(n for n in stack.nodes if isinstance(n, Cerebellum))
            acted = _Action(episode.action, emulator, cerebellum, rng.uniform(*ACT_AFTER_S))
            try:
                acted.start()
                run_nodes(stack.nodes, until=operator.poll)
            except RobotError as err:
                episode.failure = str(err)
            finally:
                returned_ns = time.monotonic_ns()
                acted.cancel()
                stack.close()
            episode.success = operator.done and all(r.success for r in operator.records)
            while (event := events.poll()) is not None:
                if event.kind == "fault":
                    episode.fault_events.append(event.detail)
                    if episode.action == "pull the cable" and acted.at_ns is not None:
                        episode.reaction_ms = episode.reaction_ms or (
                            (event.stamp_ns - acted.at_ns) / 1e6
                        )
            while (stat := stats.poll()) is not None:
                episode.ticks += stat.ticks
                episode.overruns += stat.overruns
            if acted.at_ns is not None and episode.action == "hang the loop":
                failed_at = cerebellum.failed_at
                if failed_at is not None:
                    episode.reaction_ms = failed_at * 1e3 - acted.at_ns / 1e6
            if acted.at_ns is not None and episode.action == "ctrl-c":
                episode.reaction_ms = (returned_ns - acted.at_ns) / 1e6
        finally:
            episode.unsafe = emulator.stop()
    gc.collect()
    episode.rss_kb = rss_kb()


class _Action:
    """The episode's disturbance, `after_s` into it, from a timer thread."""

    def __init__(self, kind: str, emulator: Emulator, cerebellum: Cerebellum, after_s: float):
        self.kind = kind
        self.emulator = emulator
        self.cerebellum = cerebellum
        self.at_ns: int | None = None
        self._timer = threading.Timer(after_s, self._act)
        self._timer.daemon = True
        self._lock = threading.Lock()
        self._armed = False

    def start(self) -> None:
        self._armed = True
        if self.kind != "none":
            self._timer.start()

    def cancel(self) -> None:
        """Called once the nodes have stopped: a late action must not hit the next
        episode (a Ctrl-C outside `run_nodes` would end the soak)."""
        with self._lock:
            self._armed = False
        self._timer.cancel()

    def _act(self) -> None:
        with self._lock:
            if self._armed:
                self._do()

    def _do(self) -> None:
        if self.kind == "pull the cable":
            self.at_ns = time.monotonic_ns()
            os.kill(self.emulator.process.pid, signal.SIGUSR1)
        elif self.kind == "hang the loop":
            pid = self.cerebellum.motion.pid
            if pid is not None:
                self.at_ns = time.monotonic_ns()
                os.kill(pid, signal.SIGSTOP)
        elif self.kind == "ctrl-c":
            self.at_ns = time.monotonic_ns()
            os.kill(os.getpid(), signal.SIGINT)


def growth_pct(rss: list[int]) -> float:
    """Median of the last third against the median of the first third, the first
    episode (warm-up: caches, compiled code) left out."""
    steady = rss[1:]
    if len(steady) < 3:
        return float("nan")
    third = max(1, len(steady) // 3)
    first = sorted(steady[:third])[third // 2]
    last = sorted(steady[-third:])[third // 2]
    return 100.0 * (last - first) / first


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=5.0, help="how long to soak (default 5)")
    p.add_argument("--seed-start", type=int, default=1000, help="first scene seed")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    rng = random.Random(args.seed_start)
    episodes: list[Episode] = []
    deadline = time.monotonic() + args.minutes * 60
    started = time.monotonic()
    with tqdm(total=round(args.minutes * 60), unit="s", desc="soak") as bar:
        while time.monotonic() < deadline:
            k = len(episodes)
            action = rng.choices(ACTIONS, ACTION_WEIGHTS)[0]
            episode = Episode(args.seed_start + k, REQUESTS[k % len(REQUESTS)], action)
            run_episode(episode, rng)
            episodes.append(episode)
            bar.update(round(time.monotonic() - started) - bar.n)
            bar.set_postfix(episodes=len(episodes), rss_mb=episode.rss_kb // 1024)
    print_episodes(episodes)
    return summarise(episodes, (time.monotonic() - started) / 60, args.json)


def print_episodes(episodes: list[Episode]) -> None:
    for e in episodes:
        reaction = "" if e.reaction_ms is None else f" {e.reaction_ms:.1f} ms"
        outcome = "ok" if e.success else (e.failure or "failed (judged by the world)")
        print(f"seed {e.seed} {e.action}{reaction}: {outcome}  rss {e.rss_kb // 1024} MB")


def figures(values: list[float], name: str) -> list[tuple[str, float, str]]:
    if not values:
        return [(f"{name}_count", 0.0, "none in this run")]
    return [
        (f"{name}_p50", percentile(values, 50), "ms"),
        (f"{name}_max", max(values), "ms"),
        (f"{name}_count", float(len(values)), "episodes"),
    ]


def summarise(episodes: list[Episode], minutes: float, json_path: str | None) -> int:
    def reactions(action: str) -> list[float]:
        return [e.reaction_ms for e in episodes if e.action == action and e.reaction_ms is not None]

    ticks = sum(e.ticks for e in episodes)
    overruns = sum(e.overruns for e in episodes)
    by_action = Counter(e.action for e in episodes)
    undisturbed = [e for e in episodes if e.action == "none"]
    rows = [
        ("soak_minutes", minutes, "wall"),
        (
            "soak_episodes",
            float(len(episodes)),
            ", ".join(f"{a}: {n}" for a, n in by_action.items()),
        ),
        (
            "soak_memory_growth_pct",
            growth_pct([e.rss_kb for e in episodes]),
            f"target < {TARGET_GROWTH_PCT}",
        ),
        ("soak_rss_mb_last", episodes[-1].rss_kb / 1024 if episodes else 0.0, "MB"),
        (
            "soak_overruns_per_10k",
            1e4 * overruns / ticks if ticks else float("nan"),
            f"{ticks} ticks",
        ),
        ("unsafe_commands", float(sum(e.unsafe for e in episodes)), "target 0"),
        ("multi_line_failures", float(sum("\n" in e.failure for e in episodes)), "target 0"),
        *figures(reactions("pull the cable"), "safe_stop_ms_after_bus_loss"),
        *figures(reactions("hang the loop"), "loop_hang_detected_ms"),
        *figures(reactions("ctrl-c"), "ctrl_c_stopped_ms"),
        (
            "undisturbed_success_rate",
            sum(e.success for e in undisturbed) / len(undisturbed) if undisturbed else float("nan"),
            f"of {len(undisturbed)} episodes with transient faults only",
        ),
    ]
    report("Soak: episodes back to back, faults at random", rows, json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
