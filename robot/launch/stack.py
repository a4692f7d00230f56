"""Build the running stack of a launch file: brain, cerebellum and limbs as nodes.

Three limb backends, one shape:

- `sim`: the twin in simulated time. `SimCerebellum` advances motion, physics and
  skills together in one thread (PyBullet is not thread-safe), as fast as the machine
  allows or paced to the wall clock (`realtime`, for the kiosk).
- `hil`: the full serial path. The twin is served as a virtual servo bus on a
  pseudo-terminal; the real-time `Cerebellum` drives a `SerialLimb` on it; the
  scene's ground truth is published as `WorldState`.
- `serial`: a real arm on `limbs.port`. No ground truth exists until a perception
  node does: with `[world] file` the cell's fixture file (or a twin's ground truth)
  is published as `WorldState`; without, the brain plans from the scene's initial
  state and the report says the outcome was judged by the skills alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import ConfigError
from core.msgs import WorldState
from core.profile import load_profile
from robot.brain.node import BrainNode
from robot.brain.planner_process import PlannerProcess
from robot.bus import Bus
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.realtime import RealtimeRequest
from robot.cerebellum.safety import SafetyConfig
from robot.launch.config import LAYERS, Launch, Layer
from robot.launch.world_file import WorldFile
from robot.link import ARM_LOST_S, BRAIN_LOST_S, LinkBeat, LinkWatch
from robot.node import Node

if TYPE_CHECKING:
    from sim.scene import Scene

log = logging.getLogger(__name__)

WORLD_PERIOD_S = 0.05
"""How often the hil backend publishes the scene's ground truth."""


class WorldPublisher(Node):
    """Publishes `state()` as `WorldState` every `WORLD_PERIOD_S` (thread-safe sources only)."""

    def __init__(self, bus: Bus, state: Callable[[], WorldState]) -> None:
        super().__init__(bus, "world", period_s=WORLD_PERIOD_S)
        self._state = state
        self._pub = bus.publisher(WorldState)

    def tick(self) -> None:
        self._pub.publish(self._state())


@dataclass
class Stack:
    """What `build_stack` started: nodes in start order and how to read the world.

    world_state: the ground truth now, or None without a world (a real arm). Call it
    only once the nodes have stopped (it may touch PyBullet).
    """

    nodes: list[Node]
    sim_time_s: Callable[[], float]
    world_state: Callable[[], WorldState] | None = None
    spilled: Callable[[], int] = lambda: 0
    on_person: Callable[[], int] = lambda: 0
    scene: Scene | None = None
    """The simulated scene, when the physics runs in the stack's own node (sim)."""
    add_step_hook: Callable[[Callable[[], None]], None] | None = None
    """Install a hook run after every physics step, in the physics thread (frames)."""
    brain_link: LinkWatch | None = None
    """The arm's watch on a brain in another process (None when the brain is here)."""
    base: BasePose | None = None
    """Where the arm's base stands in the world (None without an arm here): places the
    arm in the live view and a recording's frame tree."""
    _close: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self._close):
            close()
        self._close.clear()


def loop_realtime(launch: Launch) -> RealtimeRequest | None:
    """The real-time loop's scheduling request from `[cerebellum]` (None: normal)."""
    section = launch.cerebellum
    if not section.realtime:
        return None
    return RealtimeRequest(
        priority=section.priority,
        cpu=None if section.cpu < 0 else section.cpu,
        wake_latency_us=None if section.wake_latency_us < 0 else section.wake_latency_us,
    )


def safety_config(launch: Launch) -> SafetyConfig:
    return SafetyConfig(
        slow_distance_m=launch.limits.slow_distance_m,
        protective_distance_m=launch.limits.protective_distance_m,
        collaborative_speed_m_s=launch.limits.collaborative_speed_m_s,
    )


def build_stack(
    launch: Launch,
    bus: Bus,
    *,
    seed: int | None = None,
    gui: bool = False,
    realtime: bool = False,
    layers: Collection[Layer] = LAYERS,
) -> Stack:
    """Open the world of `launch` and create (not start) the nodes of `layers` (all of
    them: `robot run`; some: one host's or one process's share of a split cell). A
    serial limb is opened by the cerebellum's loop process when the nodes start.

    With a real-time loop (`hil`, `serial`) the brain plans through a `PlannerProcess`:
    the loop has its own process, but the relay that forwards E-stops to it and the
    skills run in this one, and decoding in a thread here would hold the interpreter
    lock they need. So does a `sim` stack paced to the wall clock (the kiosk): there a
    planner that crashes or hangs on one request costs that request, not the kiosk.
    A `sim` run as fast as it goes (reports, episodes), or a brain alone in its process,
    keeps the planner in-process.

    Split, each layer here beats on its link (robot/link.py) and watches the layer it
    depends on: the arm stops a skill when the brain goes silent, the brain ends its
    request when the arm does.
    """
    local = set(layers)
    split = local != set(LAYERS)
    seed = launch.scene.seed if seed is None else seed
    brain = _brain(launch, bus, realtime, local, watch_arm=split) if "brain" in local else None
    brain_link = LinkWatch(bus, "brain", BRAIN_LOST_S) if split and "arm" in local else None
    try:
        if "arm" not in local:
            start = time.monotonic()
            stack = Stack(nodes=[], sim_time_s=lambda: time.monotonic() - start)
        elif launch.limbs.backend == "sim":
            stack = _sim_stack(launch, bus, seed, gui, realtime, brain_link)
        elif launch.limbs.backend == "hil":
            stack = _hil_stack(launch, bus, seed, gui, brain_link)
        else:
            stack = _serial_stack(
                launch, bus, brain_link, with_world="world" in local and bool(launch.world.file)
            )
        if "world" in local and "arm" not in local:
            stack.nodes.append(_world_file(launch, bus, stack))
    except BaseException:
        if brain is not None and isinstance(brain.planner, PlannerProcess):
            brain.planner.close()
        raise
    if brain is not None:
        # Before the cerebellum, which (when there is one) is last: it starts its loop.
        stack.nodes.insert(len(stack.nodes) - ("arm" in local), brain)
        if isinstance(brain.planner, PlannerProcess):
            stack._close.insert(0, brain.planner.close)  # last: the nodes have stopped
    stack.brain_link = brain_link
    if split:
        beats = [LinkBeat(bus, layer) for layer in sorted(local)]
        stack._close.extend(beat.close for beat in beats)
    return stack


def _brain(
    launch: Launch, bus: Bus, realtime: bool, local: set[str], *, watch_arm: bool
) -> BrainNode:
    model_dir = launch.resolve(launch.brain.model)
    in_process = "arm" not in local or (launch.limbs.backend == "sim" and not realtime)
    planner = None
    if not in_process:
        section = launch.brain
        planner = PlannerProcess(model_dir, section.threads, plan_budget_s=section.plan_budget_s)
    return BrainNode(
        bus,
        launch.scene.name,
        planner=planner,
        model_dir=model_dir,
        max_replans=launch.brain.max_replans,
        threads=launch.brain.threads,
        arm_link=LinkWatch(bus, "arm", ARM_LOST_S) if watch_arm and "arm" not in local else None,
    )


def _sim_stack(
    launch: Launch, bus: Bus, seed: int, gui: bool, realtime: bool, brain_link: LinkWatch | None
) -> Stack:
    from robot.cerebellum.sim_node import SimCerebellum
    from robot.limbs.twin import TwinLimb
    from sim.scenes import build_scene
    from sim.world import World

    world = World(gui=gui, rate_hz=launch.rates.physics_hz)
    try:
        scene = build_scene(world, launch.scene.name, seed=seed, profile=launch.robot.profile)
        limb = TwinLimb(scene.arm)
        profile = scene.arm.profile
        model = ArmModel.from_profile(profile, _base(scene.arm.base_position, scene.arm.base_yaw))
        cerebellum = SimCerebellum(
            bus,
            model,
            limb,
            world.step,
            world.time_step,
            scene.state,
            rate_hz=launch.rates.control_hz,
            realtime=realtime,
            safety=safety_config(launch),
            velocity_scale=launch.limits.velocity_scale,
            brain_link=brain_link,
        )
    except BaseException:
        world.close()
        raise
    return Stack(
        nodes=[cerebellum],
        sim_time_s=lambda: cerebellum.sim_time_s,
        world_state=scene.state,
        spilled=scene.spilled,
        on_person=scene.on_person,
        scene=scene,
        add_step_hook=world.add_step_hook,
        base=model.base,
        _close=[world.close],
    )


def _limb_options(launch: Launch) -> dict[str, Any]:
    """What a launch file says about watching a serial limb's commands."""
    limbs = launch.limbs
    return {
        "watchdog_s": limbs.watchdog_ms / 1e3,
        "on_timeout": limbs.on_timeout,
        "bus_watchdog_s": limbs.bus_watchdog_ms / 1e3,
    }


def _hil_stack(
    launch: Launch, bus: Bus, seed: int, gui: bool, brain_link: LinkWatch | None
) -> Stack:
    from robot.cerebellum.node import Cerebellum
    from robot.limbs.serial import SerialLimb
    from sim.servo_twin import HOST_MARGIN_S, start_twin_bus

    hil = start_twin_bus(launch.scene.name, seed=seed, profile=launch.robot.profile, gui=gui)
    # Opened by the cerebellum's loop process, on the twin's pseudo-terminal.
    limb = partial(
        SerialLimb,
        hil.profile,
        hil.calibration,
        hil.path,
        host_margin_s=HOST_MARGIN_S,
        **_limb_options(launch),
    )
    model = ArmModel.from_profile(hil.profile, _base(*hil.base))
    cerebellum = Cerebellum(
        bus,
        model,
        limb,
        rate_hz=launch.rates.control_hz,
        safety=safety_config(launch),
        velocity_scale=launch.limits.velocity_scale,
        realtime=loop_realtime(launch),
        brain_link=brain_link,
    )
    if launch.camera.source:
        world: Node = _perceived_world(
            launch, bus, model, seed, snapshot=lambda: (hil.state(), hil.world.position())
        )
    else:
        world = WorldPublisher(bus, hil.state)
    return Stack(
        nodes=[world, cerebellum],
        sim_time_s=hil.sim_time_s,
        world_state=hil.state,
        spilled=hil.spilled,
        on_person=hil.on_person,
        base=model.base,
        _close=[hil.stop],
    )


def _serial_stack(
    launch: Launch, bus: Bus, brain_link: LinkWatch | None, *, with_world: bool
) -> Stack:
    from core.calibration import load_calibration
    from robot.cerebellum.node import Cerebellum
    from robot.limbs.serial import SerialLimb

    profile = load_profile(launch.robot.profile)
    calibration = load_calibration(launch.resolve(launch.limbs.calibration))
    limb = partial(
        SerialLimb,
        profile,
        calibration,
        launch.limbs.port,
        **_limb_options(launch),
    )
    arm = _placed_arm(launch)
    cerebellum = Cerebellum(
        bus,
        arm,
        limb,
        rate_hz=launch.rates.control_hz,
        safety=safety_config(launch),
        velocity_scale=launch.limits.velocity_scale,
        realtime=loop_realtime(launch),
        brain_link=brain_link,
    )
    start = time.monotonic()
    stack = Stack(nodes=[cerebellum], sim_time_s=lambda: time.monotonic() - start, base=arm.base)
    if with_world:
        stack.nodes.insert(0, _world_file(launch, bus, stack))
    return stack


def _world_file(launch: Launch, bus: Bus, stack: Stack) -> Node:
    """The `world` layer of a real cell: its fixture file as `WorldState`, with the
    things its camera sees where it sees them."""
    if not launch.world.file:
        raise ConfigError(f"{launch.path}: the 'world' layer needs [world] file")
    fixture = WorldFile(bus, launch.resolve(launch.world.file))
    stack.world_state = fixture.state
    if launch.camera.source:
        arm = _placed_arm(launch)
        return _perceived_world(launch, bus, arm, launch.scene.seed, layout=fixture.state)
    return fixture


def _placed_arm(launch: Launch) -> ArmModel:
    """A real cell's arm, standing where `[robot] base_*` says."""
    where = launch.robot
    base = BasePose(where.base_x_m, where.base_y_m, where.base_z_m, where.base_yaw_rad)
    return ArmModel.from_profile(load_profile(where.profile), base)


def _perceived_world(
    launch: Launch,
    bus: Bus,
    arm: ArmModel,
    seed: int,
    *,
    layout: Callable[[], WorldState] | None = None,
    snapshot: Callable[[], tuple[WorldState, np.ndarray]] | None = None,
) -> Node:
    """The world as `[camera]` sees it, in a perception process (robot/perception), in a
    cell whose fixed surfaces and persons `layout` gives (a taught world file; None: the
    scene file's). `snapshot`: the twin's state, which poses the twin camera's copy."""
    from core.catalogue import load_scene
    from robot.perception.markers import load_camera_model
    from robot.perception.node import PerceivedWorld
    from robot.perception.process import CameraSpec, PerceptionProcess, scene_layout

    description = load_scene(launch.scene.name)
    scene_file = scene_layout(description)

    def from_scene_file() -> WorldState:
        return scene_file

    camera = launch.camera
    model = load_camera_model(launch.resolve(camera.model)) if camera.model else None
    spec = CameraSpec(camera.source, launch.scene.name, seed, launch.robot.profile, model)
    return PerceivedWorld(
        bus, PerceptionProcess(spec), layout or from_scene_file, arm, description.things, snapshot
    )


def _base(position: tuple[float, float, float] | np.ndarray, yaw: float) -> BasePose:
    x, y, z = (float(v) for v in position)
    return BasePose(x, y, z, float(yaw))
