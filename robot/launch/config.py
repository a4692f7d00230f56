"""The launch file schema (TOML). Every section has defaults except what must be chosen.

    [robot]   profile = "so101"
    [scene]   name = "tea", seed = 0
    [limbs]   backend = "sim" | "serial" | "hil"
    [bus]     backend = "inprocess" | "zenoh"
    [rates]   control_hz, physics_hz
    [cerebellum] realtime, priority, cpu, wake_latency_us   (the real-time loop's scheduling)
    [limits]  velocity_scale, collaborative speed, separation distances
    [brain]   model folder, threads, replans
    [kiosk]   host, port, token, requests        (only for `robot kiosk`)

Unknown keys are errors, so a typo is caught when the file loads, with the file and
the key named, not when the arm is already moving.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

from robot.errors import ConfigError
from robot.toml_file import load_toml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class _Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class RobotSection(_Section):
    profile: str = "so101"
    """Arm name under robot/descriptions/, or a path to a profile TOML."""


class SceneSection(_Section):
    name: Literal["tea", "care"] = "tea"
    seed: int = 0
    """Seed of the scene's randomisation (object poses, friction, mass)."""


class LimbsSection(_Section):
    backend: Literal["sim", "serial", "hil"] = "sim"
    """sim: the twin directly; serial: real servos on `port`; hil: the serial limb
    against a virtual servo bus whose servos are the twin's joints."""
    port: str = ""
    """Serial port for `serial` (e.g. /dev/ttyUSB0)."""
    calibration: str = ""
    """Calibration file for `serial` (ours, or a LeRobot calibration JSON)."""
    watchdog_ms: float = 100.0
    """Commands older than this make the limb act as `on_timeout` says."""
    on_timeout: Literal["hold", "disable"] = "hold"


class BusSection(_Section):
    backend: Literal["inprocess", "zenoh"] = "inprocess"
    listen: list[str] = []
    connect: list[str] = []


class RatesSection(_Section):
    control_hz: float = 1000.0
    """The cerebellum's loop; lowered automatically to what the limb can sustain."""
    physics_hz: float = 240.0


class CerebellumSection(_Section):
    realtime: bool = True
    """Run the loop's thread on SCHED_FIFO with memory locked where the OS permits it
    (root, CAP_SYS_NICE or an rtprio limit); refused, it warns once and runs normally."""
    priority: int = 50
    """SCHED_FIFO priority, 1..99."""
    cpu: int = -1
    """Pin the loop's thread to this CPU index; -1 leaves it free."""
    wake_latency_us: int = 0
    """While the loop runs, keep every CPU able to wake within this many us (0: idle
    CPUs poll; needs write access to /dev/cpu_dma_latency); -1 leaves the idle
    states alone (saves power, costs jitter)."""


class LimitsSection(_Section):
    velocity_scale: float = 1.0
    """Fraction (0..1] of the profile's joint velocity limits that motion may use."""
    collaborative_speed_m_s: float = 0.25
    """Tool speed while a person's hand is within `slow_distance_m`."""
    slow_distance_m: float = 0.35
    protective_distance_m: float = 0.12
    """Inside this distance from a hand, the arm stops until the hand leaves."""


class BrainSection(_Section):
    model: str = "models/planner"
    """Folder of an ONNX causal LM (ours, or one exported by Hugging Face optimum)."""
    threads: int = 1
    max_replans: int = 2


class KioskSection(_Section):
    host: str = "127.0.0.1"
    port: int = 8080
    token: str = ""
    title: str = "Tea robot"
    requests: list[str] = []
    hosts: list[str] = []
    """Names browsers may reach the kiosk by besides `localhost` and IP addresses (e.g.
    "kiosk.local"); requests with any other Host are refused (robot/kiosk/server.py)."""


class Launch(_Section):
    robot: RobotSection = RobotSection()
    scene: SceneSection = SceneSection()
    limbs: LimbsSection = LimbsSection()
    bus: BusSection = BusSection()
    rates: RatesSection = RatesSection()
    cerebellum: CerebellumSection = CerebellumSection()
    limits: LimitsSection = LimitsSection()
    brain: BrainSection = BrainSection()
    kiosk: KioskSection | None = None
    instructions: list[str] = []
    """Requests to run in turn when none are given on the command line."""
    path: str = ""
    """The file it was loaded from (set by `load_launch`)."""

    def resolve(self, relative: str) -> Path:
        """A path from the launch file: absolute, else relative to the project root."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else PROJECT_ROOT / p


def _check(launch: Launch, path: Path) -> None:
    def fail(key: str, why: str) -> None:
        raise ConfigError(f"{path}: `{key}` {why}")

    if launch.limbs.backend == "serial" and not launch.limbs.port:
        fail("limbs.port", "is required when limbs.backend = 'serial'")
    if not 0 < launch.limits.velocity_scale <= 1:
        fail("limits.velocity_scale", f"must be in (0, 1], got {launch.limits.velocity_scale}")
    if not 0 < launch.limits.protective_distance_m < launch.limits.slow_distance_m:
        fail("limits.protective_distance_m", "must be > 0 and below limits.slow_distance_m")
    if launch.rates.control_hz <= 0 or launch.rates.physics_hz <= 0:
        fail("rates", "must be positive")
    if not 1 <= launch.cerebellum.priority <= 99:
        fail("cerebellum.priority", f"must be in 1..99, got {launch.cerebellum.priority}")
    if launch.cerebellum.cpu < -1:
        fail("cerebellum.cpu", f"must be a CPU index or -1, got {launch.cerebellum.cpu}")
    if launch.cerebellum.wake_latency_us < -1:
        fail(
            "cerebellum.wake_latency_us",
            f"must be >= 0 us or -1, got {launch.cerebellum.wake_latency_us}",
        )
    if launch.brain.threads < 1:
        fail("brain.threads", "must be >= 1")
    if launch.bus.backend == "zenoh" and not (launch.bus.listen or launch.bus.connect):
        fail("bus.listen", "or bus.connect is required for the zenoh backend")


def load_launch(path: str | Path) -> Launch:
    """Load and check a launch file; raises `ConfigError` naming the file and the key."""
    path = Path(path)
    launch = load_toml(path, Launch, "launch file")
    _check(launch, path)
    return msgspec.structs.replace(launch, path=str(path))
