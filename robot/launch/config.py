"""The launch file schema (TOML). Every section has defaults except what must be chosen.

    [robot]   profile = "so101"
    [scene]   name = "tea", seed = 0
    [limbs]   backend = "sim" | "serial" | "hil"
    [world]   file                                (a WorldState for `serial`)
    [bus]     backend = "inprocess" | "zenoh"
    [rates]   control_hz, physics_hz
    [cerebellum] realtime, priority, cpu, wake_latency_us   (the real-time loop's scheduling)
    [limits]  velocity_scale, collaborative speed, separation distances
    [brain]   model folder, threads, replans
    [kiosk]   host, port, token, requests        (only for `robot kiosk`)
    [live]    host, port, token, hosts, origins, rate_hz, camera_hz   (Foxglove live view)
    [hosts.NAME] layers, listen, connect     (which computer runs which layer)

Unknown keys are errors, so a typo is caught when the file loads, with the file and
the key named, not when the arm is already moving. So is every number outside its
range: each section lists its numeric keys' ranges in `RANGES`, next to the keys, and
every bound is finite, so NaN and infinities are out of range everywhere (TOML has
both, and a NaN compares false with any limit: a NaN speed would have silently turned
a slow-down off). Zenoh endpoints are checked for their form at load as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import msgspec

from core.catalogue import load_scene
from core.errors import ConfigError
from core.toml_file import load_toml
from robot.brain import PLAN_BUDGET_S
from robot.bus_zenoh import MAX_PORT, endpoint_problem
from robot.cerebellum.safety import SafetyConfig
from robot.web_access import WebAccess, is_loopback

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAFETY = SafetyConfig()
"""The supervisor's defaults: the [limits] keys default to them, in their units."""

MAX_SEED = 2**32 - 1
"""Seeds are 32-bit, the widest every random generator we may hand them to accepts."""
MAX_WATCHDOG_MS = 1000.0
"""A limb that follows a command older than a second is not watched."""
MAX_BUS_WATCHDOG_MS = 2540.0
"""Register 98's largest setting: 127 units of 20 ms."""
MAX_RATE_HZ = 10_000.0
"""Ten times the 1 kHz loop: no servo bus or physics step of this stack runs faster."""
MAX_CPU_INDEX = 1023
"""CPU_SETSIZE - 1: the highest CPU index an affinity mask can name."""
MAX_WAKE_LATENCY_US = 1_000_000
"""A second: any laxer wake-up bound is the same as leaving the idle states alone (-1)."""
MAX_COLLABORATIVE_SPEED_M_S = 1.0
"""Four times the usual 0.25 m/s near people; faster is no slow-down for an arm this size."""
MAX_SEPARATION_M = 5.0
"""Farther than an arm of this class reaches across its cell."""
MAX_THREADS = 256
MAX_PLAN_BUDGET_S = 300.0
"""Five minutes: a plan nobody would wait for at a robot."""
MAX_REPLANS = 10
"""Each replan is a new plan after a failure; more than this is a loop, not a recovery."""


@dataclass(frozen=True)
class Range:
    """The values a numeric key may take: from `low` (excluded if `low_open`) to `high`.

    Both bounds are finite, so NaN and the infinities are never in range.
    """

    low: float
    high: float
    low_open: bool = False

    def admits(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def __str__(self) -> str:
        return f"{'>' if self.low_open else '>='} {self.low} and <= {self.high}"


def positive(high: float) -> Range:
    """> 0 and <= high."""
    return Range(0, high, low_open=True)


class _Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    RANGES: ClassVar[dict[str, Range]] = {}
    """Every numeric key of the section and its range (checked by `load_launch`)."""


class RobotSection(_Section):
    profile: str = "so101"
    """Arm name under core/descriptions/, or a path to a profile TOML."""
    base_x_m: float = 0.0
    """For `serial`: where the arm's base stands in the frame of the `WorldState` its
    cell publishes (x, y, z in m, yaw about z in rad; `robot servo emulate --twin`
    prints its twin's). The simulated backends know it from their scene."""
    base_y_m: float = 0.0
    base_z_m: float = 0.0
    base_yaw_rad: float = 0.0

    RANGES: ClassVar[dict[str, Range]] = {
        "base_x_m": Range(-MAX_SEPARATION_M, MAX_SEPARATION_M),
        "base_y_m": Range(-MAX_SEPARATION_M, MAX_SEPARATION_M),
        "base_z_m": Range(-MAX_SEPARATION_M, MAX_SEPARATION_M),
        "base_yaw_rad": Range(-math.pi, math.pi),
    }


class SceneSection(_Section):
    name: str = "tea"
    """A catalogue scene ("tea", "care", "breakfast") or a scene file's path (relative
    to the project root, like every path here); see docs/catalogue.md."""
    seed: int = 0
    """Seed of the scene's randomisation (object poses, friction, mass)."""

    RANGES: ClassVar[dict[str, Range]] = {"seed": Range(0, MAX_SEED)}


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
    bus_watchdog_ms: float = 80.0
    """The servos' own watchdog, where they have one (Dynamixel X): with torque on, a
    servo that hears nothing from the host for this long stops where it is; 0: off
    (Feetech STS servos have none, docs/safety.md)."""

    RANGES: ClassVar[dict[str, Range]] = {
        "watchdog_ms": positive(MAX_WATCHDOG_MS),
        "bus_watchdog_ms": Range(0, MAX_BUS_WATCHDOG_MS),
    }


class WorldSection(_Section):
    file: str = ""
    """For `serial`: a JSON `WorldState` to publish, re-read when it changes (the cell's
    fixture file, or a twin's ground truth from `robot servo emulate --twin
    --world-out`); "" for none (the brain then plans from the scene's start)."""


class CameraSection(_Section):
    source: str = ""
    """Where `WorldState`'s things come from when they are seen (robot/perception):
    "twin" for the twin's side camera (`hil` only), an OpenCV device ("/dev/video0",
    "0") for a real camera (`serial`), "" for none."""
    model: str = ""
    """A real camera's model (JSON: intrinsics and pose, robot/perception/markers.py:
    `load_camera_model`); "" for the twin's own."""


class BusSection(_Section):
    backend: Literal["inprocess", "zenoh"] = "inprocess"
    listen: list[str] = []
    connect: list[str] = []
    credentials: str = ""
    """For a split cell: the folder `robot cell init` wrote the cell's certificates to.
    Given, every link is mutual TLS (endpoints `tls/...`), only the cell's hosts connect,
    and only the brain's host may call skills and the operators' release a stop
    (docs/network.md)."""


Layer = Literal["brain", "arm", "world", "kiosk"]
LAYERS: tuple[Layer, ...] = ("brain", "arm", "world", "kiosk")
"""What `robot node` runs: `arm` is the cerebellum with the limb its loop owns (and, in
simulation, the twin); `world` publishes the cell's `WorldState` (a real arm's fixture
file; the twin's world comes with the `arm`)."""


class HostSection(_Section):
    """One computer of a cell split over several (`robot up LAUNCH --host NAME`)."""

    layers: list[Layer] = []
    """The layers this host runs, each in its own process."""
    listen: list[str] = []
    """Zenoh endpoints this host's bus listens on (e.g. "tcp/0.0.0.0:7447")."""
    connect: list[str] = []
    """Zenoh endpoints of other hosts this host's bus connects to."""
    operator: bool = False
    """Whether people here may release a stop (the kiosk's host always may)."""


class RatesSection(_Section):
    control_hz: float = 1000.0
    """The cerebellum's loop (Hz): in simulation its ticks per simulated second; on
    a serial arm lowered at start to what the bus's measured cycle sustains."""
    physics_hz: float = 240.0

    RANGES: ClassVar[dict[str, Range]] = {
        "control_hz": positive(MAX_RATE_HZ),
        "physics_hz": positive(MAX_RATE_HZ),
    }


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

    RANGES: ClassVar[dict[str, Range]] = {
        "priority": Range(1, 99),
        "cpu": Range(-1, MAX_CPU_INDEX),
        "wake_latency_us": Range(-1, MAX_WAKE_LATENCY_US),
    }


class LimitsSection(_Section):
    velocity_scale: float = 1.0
    """Fraction (0..1] of the profile's joint velocity limits that motion may use."""
    collaborative_speed_m_s: float = SAFETY.collaborative_speed_m_s
    """Tool speed while a person's hand is within `slow_distance_m` (m/s)."""
    slow_distance_m: float = SAFETY.slow_distance_m
    protective_distance_m: float = SAFETY.protective_distance_m
    """Inside this distance from a hand, the arm stops until the hand leaves (m)."""

    RANGES: ClassVar[dict[str, Range]] = {
        "velocity_scale": positive(1),
        "collaborative_speed_m_s": positive(MAX_COLLABORATIVE_SPEED_M_S),
        "slow_distance_m": positive(MAX_SEPARATION_M),
        "protective_distance_m": positive(MAX_SEPARATION_M),
    }


class BrainSection(_Section):
    model: str = "models/planner"
    """Folder of an ONNX causal LM (ours, or one exported by Hugging Face optimum)."""
    threads: int = 1
    max_replans: int = 2
    plan_budget_s: float = PLAN_BUDGET_S
    """Longest a plan may take in the planner's process before the request is refused
    (s): a bigger model on a slower computer needs more."""

    RANGES: ClassVar[dict[str, Range]] = {
        "threads": Range(1, MAX_THREADS),
        "max_replans": Range(0, MAX_REPLANS),
        "plan_budget_s": positive(MAX_PLAN_BUDGET_S),
    }


class KioskSection(_Section):
    host: str = "127.0.0.1"
    port: int = 8080
    token: str = ""
    title: str = "Tea robot"
    requests: list[str] = []
    hosts: list[str] = []
    """Names browsers may reach the kiosk by besides `localhost` and IP addresses (e.g.
    "kiosk.local"); requests with any other Host are refused (robot/kiosk/server.py)."""

    RANGES: ClassVar[dict[str, Range]] = {"port": Range(0, MAX_PORT)}


MAX_LIVE_RATE_HZ = 200.0
"""Frame trees a second to a viewer: past a display's refresh rate nobody sees more."""
MAX_CAMERA_HZ = 30.0


class LiveSection(_Section):
    """The live view in Foxglove (robot/live, docs/live-view.md): served by `robot run`
    and `robot kiosk` when the file has this section (`robot run --live`: with these
    defaults when it has not). Read-only; the kiosk's Host, Origin and token rules."""

    host: str = "127.0.0.1"
    """Where it listens; off loopback it needs `token`."""
    port: int = 8765
    token: str = ""
    """Required of every viewer when set (`ws://HOST:PORT/?token=...`)."""
    hosts: list[str] = []
    """Names viewers may reach it by besides `localhost` and IP addresses."""
    origins: list[str] = []
    """Web pages allowed to connect besides its own (e.g. "https://app.foxglove.dev",
    Foxglove's web app); the desktop app sends none and needs no entry."""
    rate_hz: float = 50.0
    """Most frame trees (joint states) sent a second."""
    camera_hz: float = 5.0
    """The twin's overview camera, frames a second (simulation only); 0: none."""

    RANGES: ClassVar[dict[str, Range]] = {
        "port": Range(0, MAX_PORT),
        "rate_hz": positive(MAX_LIVE_RATE_HZ),
        "camera_hz": Range(0, MAX_CAMERA_HZ),
    }


class Launch(_Section):
    robot: RobotSection = RobotSection()
    scene: SceneSection = SceneSection()
    limbs: LimbsSection = LimbsSection()
    world: WorldSection = WorldSection()
    camera: CameraSection = CameraSection()
    bus: BusSection = BusSection()
    rates: RatesSection = RatesSection()
    cerebellum: CerebellumSection = CerebellumSection()
    limits: LimitsSection = LimitsSection()
    brain: BrainSection = BrainSection()
    kiosk: KioskSection | None = None
    live: LiveSection | None = None
    hosts: dict[str, HostSection] = {}
    """The computers of a split cell and what each runs (empty: everything in the
    process of `robot run` or `robot kiosk`). Needs the zenoh bus."""
    instructions: list[str] = []
    """Requests to run in turn when none are given on the command line."""
    path: str = ""
    """The file it was loaded from (set by `load_launch`)."""

    def operators(self) -> list[str]:
        """The hosts that may release a stop: those marked `operator`, and the kiosk's."""
        kiosk = self.host_of("kiosk")
        return [name for name, h in self.hosts.items() if h.operator or name == kiosk]

    def host_of(self, layer: Layer) -> str | None:
        """The host that runs `layer`, or None when no host does."""
        return next((name for name, h in self.hosts.items() if layer in h.layers), None)

    def resolve(self, relative: str) -> Path:
        """A path from the launch file: absolute, else relative to the project root."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else PROJECT_ROOT / p


def _check(launch: Launch, path: Path) -> None:
    def fail(key: str, why: str) -> None:
        raise ConfigError(f"{path}: `{key}` {why}")

    for name in Launch.__struct_fields__:
        section = getattr(launch, name)
        for key, allowed in getattr(section, "RANGES", {}).items():
            value = getattr(section, key)
            if not allowed.admits(value):
                kind = "a finite number" if isinstance(value, float) else "an integer"
                fail(f"{name}.{key}", f"must be {kind} {allowed}, got {value!r}")
    if launch.limbs.backend == "serial" and not launch.limbs.port:
        fail("limbs.port", "is required when limbs.backend = 'serial'")
    camera = launch.camera
    if camera.source == "twin" and launch.limbs.backend != "hil":
        fail("camera.source", "'twin' renders the twin of the hil path: needs limbs.backend 'hil'")
    if camera.source not in ("", "twin"):
        if launch.limbs.backend != "serial":
            fail(
                "camera.source", f"{camera.source!r} is a real camera: needs limbs.backend 'serial'"
            )
        if not camera.model or not launch.world.file:
            fail(
                "camera.model",
                "and world.file are needed with a real camera: its model, "
                "and the cell's fixture for what it does not see",
            )
    if launch.live is not None:
        _check_live(launch.live, fail)
    if launch.limits.protective_distance_m >= launch.limits.slow_distance_m:
        fail("limits.protective_distance_m", "must be below limits.slow_distance_m")
    for key, listening in (("listen", True), ("connect", False)):
        for endpoint in getattr(launch.bus, key):
            if problem := endpoint_problem(endpoint, listening):
                fail(f"bus.{key}", f"entry {endpoint!r} {problem}")
    endpoints = launch.bus.listen or launch.bus.connect
    if launch.bus.backend == "zenoh" and not (endpoints or launch.hosts):
        fail("bus.listen", "or bus.connect is required for the zenoh backend")
    _check_hosts(launch, fail)


def _check_live(live: LiveSection, fail: Callable[[str, str], None]) -> None:
    if not is_loopback(live.host) and not live.token:
        fail("live.token", f"is required: the live view serves on {live.host}, not loopback")
    try:
        WebAccess.of(live.hosts, origins=live.origins, key="live.hosts")
    except ConfigError as err:
        key, _, why = str(err).partition(": ")
        fail(key, why)


def _check_hosts(launch: Launch, fail: Callable[[str, str], None]) -> None:
    if not launch.hosts:
        return
    if launch.bus.backend != "zenoh":
        fail("bus.backend", "must be 'zenoh' when [hosts] split the cell over computers")
    where: dict[str, str] = {}
    for name, host in launch.hosts.items():
        for key, listening in (("listen", True), ("connect", False)):
            for endpoint in getattr(host, key):
                if problem := endpoint_problem(endpoint, listening):
                    fail(f"hosts.{name}.{key}", f"entry {endpoint!r} {problem}")
        for layer in host.layers:
            if layer in where:
                fail(f"hosts.{name}.layers", f"names {layer!r}, which {where[layer]!r} runs")
            where[layer] = name
    if "arm" not in where:
        fail("hosts", "give one host the 'arm' layer")
    if "world" in where and launch.limbs.backend != "serial":
        fail(
            f"hosts.{where['world']}.layers",
            f"names 'world', but with limbs.backend = {launch.limbs.backend!r} the twin's "
            "world is published by the 'arm' layer",
        )
    if launch.bus.credentials and "brain" not in where:
        fail("hosts", "give one host the 'brain' layer: only it may call skills")
    if "kiosk" in where and launch.kiosk is None:
        fail(f"hosts.{where['kiosk']}.layers", "names 'kiosk' but the file has no [kiosk]")


def load_launch(path: str | Path) -> Launch:
    """Load and check a launch file; raises `ConfigError` naming the file and the key."""
    path = Path(path)
    launch = load_toml(path, Launch, "launch file")
    _check(launch, path)
    scene = launch.scene.name
    if scene.endswith(".toml") or "/" in scene:
        scene = str(launch.resolve(scene))
    try:
        load_scene(scene)
    except ConfigError as err:
        raise ConfigError(f"{path}: `scene.name`: {err}") from err
    section = msgspec.structs.replace(launch.scene, name=scene)
    return msgspec.structs.replace(launch, path=str(path), scene=section)
