"""Hardware-in-the-loop without hardware: the twin's joints as the servos of a virtual bus.

`start_twin_bus("tea")` builds a scene in its own world and serves its arm on a
pseudo-terminal as the profile's servo bus (SO-101: six STS3215, IDs 1..6, Feetech at
1 Mbps). A `SerialLimb` opened on `hil.path` with `hil.calibration` then drives the
twin through the whole serial path (packets, sync reads and writes, the servos'
firmware rules), and `hil.state()` / `hil.spilled()` give the scene's ground truth.

**Twin calibration** (`twin_calibration`): each joint's angle 0 sits at the encoder's
middle tick (resolution / 2, 2048 on an STS3215), ticks count the profile's `direction`,
one turn is the control table's resolution, the homing offset is 0, and range_min /
range_max are the joint limits in ticks. Motor ticks and joint radians are related by

    ticks = resolution / 2 + direction * angle_rad * resolution / (2 pi)

the same map `robot.limbs.calibration.TickMap` applies, so the SerialLimb over the bus
and the twin agree on angles. The servos also start "flashed" with these ranges as
their position limits (an `--eeprom` file's saved values win).

**Physics per servo** (`TwinServo`, a `ServoModel`): the goal is the joint's position
target; the commanded velocity (ticks/s) caps the joint's speed, never above the
profile's `max_velocity` (the twin's motors are the `TwinLimb`'s); the commanded
acceleration is not modelled (PyBullet's position motors have no such limit). Torque
off makes that joint limp (its motor off), torque on holds it. Load is the joint's
motor effort over the profile's `max_effort`, in the motor's direction.

**Time**: the twin runs on its own clock, as a real arm does: a physics thread steps
the world to the bus's clock every physics step, whether or not anyone talks to the
bus (a host that dies or a pulled cable leaves the arm in the world, holding or
falling as its torque says). A servo's command takes effect at the next physics step
(at most 4 ms later at 240 Hz); a read answers with the latest step. When the thread
falls more than `MAX_CATCH_UP_S` behind (a stalled machine), the world drops that
time rather than racing to catch up. All PyBullet calls happen under
`TwinServos.lock`; other threads (a launcher reading the ground truth) go through
`TwinBus.state()` / `spilled()`.

**Power-up**: the servos start with torque on, holding the scene's start pose, as a
powered arm left enabled would (the twin's STS firmware would otherwise power up limp
and drop the arm onto the table before a client connects); `torque_on=False` gives
the factory behaviour.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import numpy as np
import pybullet as p

from firmware_bridge.control_tables import DEFAULT_MODEL, ControlTable, get_model
from firmware_bridge.servo_model import ServoModel, ServoSample
from firmware_bridge.virtual_bus import VirtualBus, build_servos, load_eeprom
from robot.errors import ConfigError
from robot.limbs.calibration import Calibration, JointCalibration, save_calibration
from robot.msgs import WorldState, encode_json
from robot.profile import Profile, load_profile
from robot.scenes import SCENES
from sim.arm import Arm
from sim.scene import Scene
from sim.scenes import build_scene
from sim.world import SimError, World

MAX_CATCH_UP_S = 0.05
"""Most simulated time one physics step of the thread may catch up (12 steps at
240 Hz); a longer stall of the machine is dropped from simulated time."""
HOST_MARGIN_S = 0.05
"""The `host_margin_s` to give a `SerialLimb` on a twin bus served in the stack's own
process (`launch/*_hil.toml`): the bus's thread shares the interpreter with the
physics thread, the skills and the relay, so a reply can wait for the interpreter
lock. A twin served in its own process (`robot servo emulate --twin`) answers like a
real bus: the default margin fits."""
WORLD_OUT_PERIOD_S = 0.05
"""How often `keep_world_in` rewrites the ground truth (s): as the hil stack publishes it."""
DEFAULT_BAUD = 1_000_000
CALIBRATION_SOURCE = "sim.servo_twin (twin calibration)"


def twin_calibration(profile: Profile, table: ControlTable) -> Calibration:
    """The calibration under which the twin's servos read the twin's joint angles.

    Zero at the encoder's middle tick, the profile's direction (calibration direction
    1), homing offset 0, range = the joint limits in ticks (see the module docstring).
    """
    ticks_per_rad = table.resolution / (2 * math.pi)
    middle = table.resolution // 2
    joints = {}
    for joint in profile.joints:
        if joint.servo_id is None:
            raise ConfigError(
                f"profile {profile.robot.name}: joint {joint.name!r} has no servo_id; "
                "the twin's servo bus needs one per joint"
            )
        ends = sorted(
            round(middle + joint.direction * limit * ticks_per_rad)
            for limit in (joint.lower, joint.upper)
        )
        if ends[0] < 0 or ends[1] >= table.resolution:
            raise ConfigError(
                f"profile {profile.robot.name}: joint {joint.name!r} travels more than one "
                f"turn of servo {joint.servo_id} ({joint.lower}..{joint.upper} rad)"
            )
        joints[joint.name] = JointCalibration(
            servo_id=joint.servo_id,
            zero_ticks=middle,
            range_min=ends[0],
            range_max=ends[1],
            direction=1,
            homing_offset=0,
            resolution=table.resolution,
        )
    protocol = profile.bus.protocol if profile.bus is not None else table.protocol
    return Calibration(
        joints=joints, robot=profile.robot.name, protocol=protocol, source=CALIBRATION_SOURCE
    )


class TwinServos:
    """The arm of one scene as the physics of every servo on one bus.

    Holds each joint's target (rad), speed cap (rad/s) and torque; applies them to the
    arm's motors before the next physics step. `factory` is the bus's `ModelFactory`.
    """

    def __init__(self, scene: Scene, calibration: Calibration) -> None:
        self.scene = scene
        self.arm: Arm = scene.arm
        self.world: World = scene.world
        self.calibration = calibration
        self.lock = threading.RLock()
        """Held around every PyBullet call made through this object."""
        profile = self.arm.profile
        self._index_by_id = {j.servo_id: i for i, j in enumerate(profile.joints)}
        self._sign = np.array([float(j.direction) for j in profile.joints])
        self._zero = np.array([float(calibration.joint(j.name).zero_ticks) for j in profile.joints])
        self._rad_per_tick = np.array(
            [2 * math.pi / calibration.joint(j.name).resolution for j in profile.joints]
        )
        self._max_velocity = np.array([j.max_velocity for j in profile.joints])
        self._max_effort = np.array([j.max_effort for j in profile.joints])
        position = self.arm.state()[0]
        self._target = position.copy()
        self._speed = self._max_velocity.copy()
        self._torque = np.ones(len(position), dtype=bool)
        self._dirty = True
        self._origin: float | None = None
        self._state = self.arm.state()

    # -- time ------------------------------------------------------------------------
    def anchor(self, now_s: float) -> None:
        """Start following the clock: world time now corresponds to `now_s` (s).

        Until anchored the world stands still (the bus is being built)."""
        with self.lock:
            self._origin = now_s - self.world.sim_time_s

    def advance(self, now_s: float, max_steps: int | None = None) -> None:
        """Apply pending motor commands, then step the world toward clock time `now_s`
        (s), at most `max_steps` steps. The physics thread calls it (`run`); tests may
        call it directly."""
        with self.lock:
            if self.world.gui and not self.world.connected():
                raise SimError("the PyBullet window was closed: the twin's servos are gone")
            self._apply()
            if self._origin is not None:
                lag = self.lag(now_s)
                if lag > MAX_CATCH_UP_S:
                    self._origin += lag - MAX_CATCH_UP_S
                target = now_s - self._origin
                if max_steps is not None:
                    target = min(target, self.world.sim_time_s + max_steps * self.world.time_step)
                self.world.step_until(target)
            self._state = self.arm.state()

    def lag(self, now_s: float) -> float:
        """How far (s) the world is behind clock time `now_s` (0 before `anchor`)."""
        if self._origin is None:
            return 0.0
        return now_s - self._origin - self.world.sim_time_s

    def run(self, clock: Callable[[], float], stop: threading.Event) -> None:
        """Step the world to `clock`, one physics step at a time, until `stop` is set.

        One step per pass: catching up after a stall, the lock is let go between steps,
        so a servo's reply waits for one step at most. It runs with the scheduling of
        the thread that starts it: an emulator serving on SCHED_FIFO runs its physics
        there too, or a physics thread preempted while it holds the interpreter lock
        would keep the bus from answering."""
        period = self.world.time_step
        while not stop.is_set():
            self.advance(clock(), max_steps=1)
            lag = self.lag(clock())
            if lag < period:
                stop.wait(period - lag)

    # -- one joint -------------------------------------------------------------------
    def joint_index(self, servo_id: int) -> int:
        try:
            return self._index_by_id[servo_id]
        except KeyError:
            raise ConfigError(
                f"servo {servo_id} is not a joint of {self.arm.profile.robot.name}: its "
                f"servo IDs are {sorted(self._index_by_id)}"
            ) from None

    def command(
        self, index: int, now_s: float, torque: bool, goal_ticks: float, ticks_per_s: float
    ) -> None:
        """Joint `index`: torque, goal (motor ticks) and speed cap (ticks/s), from the
        next physics step on."""
        with self.lock:
            rad_per_tick = self._rad_per_tick[index]
            self._target[index] = (
                self._sign[index] * (goal_ticks - self._zero[index]) * rad_per_tick
            )
            self._speed[index] = min(ticks_per_s * rad_per_tick, self._max_velocity[index])
            self._torque[index] = torque
            self._dirty = True

    def sample(self, index: int, now_s: float) -> ServoSample:
        """Joint `index` at clock time `now_s`: motor ticks, ticks/s, load -1..1.

        The physics has a state every step (4 ms at 240 Hz); a servo samples its encoder
        far more often. So the position is carried on from the latest step at its
        velocity, to `now_s` (at most one step on): two reads 1 ms apart differ by 1 ms
        of motion, as on a real servo, not by a whole step or nothing."""
        with self.lock:
            position, velocity, effort = self._state
            since = min(max(self.lag(now_s), 0.0), self.world.time_step)
            sign, rad_per_tick = self._sign[index], self._rad_per_tick[index]
            angle = position[index] + velocity[index] * since
            return ServoSample(
                position=float(self._zero[index] + sign * angle / rad_per_tick),
                velocity=float(sign * velocity[index] / rad_per_tick),
                load=float(sign * effort[index] / self._max_effort[index]),
            )

    def _apply(self) -> None:
        """Send the joints' targets to the arm's motors; limp joints get their motor off."""
        if not self._dirty:
            return
        self._dirty = False
        self.arm.command(self._target, max_velocity=self._speed)
        arm, client = self.arm, self.world.client
        limp = {i for i, on in enumerate(self._torque) if not on}
        motors = [arm.joint_indices[i] for i in limp]
        motors += [follower for follower, leader, _, _ in arm.followers if leader in limp]
        for joint_index in motors:  # as Arm.relax does, for these joints only
            p.setJointMotorControl2(
                arm.body_id, joint_index, p.VELOCITY_CONTROL, force=0.0, physicsClientId=client
            )
        arm.torque_on = not limp

    def factory(self, servo_id: int, table: ControlTable) -> ServoModel:
        """The bus's `ModelFactory`: the servo with `servo_id` is the joint with that ID."""
        index = self.joint_index(servo_id)
        name = self.arm.profile.joints[index].name
        expected = self.calibration.joint(name).resolution
        if table.resolution != expected:
            raise ConfigError(
                f"servo {servo_id} ({name}): the bus emulates {table.model} "
                f"({table.resolution} ticks/turn), the twin calibration has {expected}"
            )
        return TwinServo(self, index)


class TwinServo(ServoModel):
    """One servo of the bus: one joint of the shared `TwinServos`."""

    def __init__(self, servos: TwinServos, index: int) -> None:
        self.servos = servos
        self.index = index

    def command(
        self,
        now_s: float,
        torque_enabled: bool,
        goal: float,
        max_velocity: float,
        max_acceleration: float,
    ) -> None:
        # max_acceleration is not modelled: PyBullet's position motors have no such limit.
        self.servos.command(self.index, now_s, torque_enabled, goal, max_velocity)

    def sample(self, now_s: float) -> ServoSample:
        return self.servos.sample(self.index, now_s)


class TwinBus:
    """A scene's twin served as a virtual servo bus. Build with `make_twin_bus` (not
    serving yet) or `start_twin_bus` (serving from a thread); `stop()` closes both."""

    def __init__(self, bus: VirtualBus, servos: TwinServos) -> None:
        self.bus = bus
        self.servos = servos
        self._physics: threading.Thread | None = None
        self._physics_stop = threading.Event()
        self.scene: Scene = servos.scene
        """The scene in the same world (ground truth: use `state()` / `spilled()` from
        other threads; they take the lock the bus's thread holds while stepping)."""
        self.calibration: Calibration = servos.calibration

    @property
    def path(self) -> str:
        """The pty device clients open ("" until started)."""
        return self.bus.path

    @property
    def profile(self) -> Profile:
        return self.servos.arm.profile

    def start(self) -> str:
        """Run the physics and serve the pty, each from a thread; return its path."""
        path = self.bus.start()
        self._run_physics()
        return path

    def serve_until(self, stop: threading.Event) -> None:
        """Run the physics from a thread and serve in the calling thread until `stop`
        is set (open the pty first: `bus.start_pty()`)."""
        self._run_physics()
        self.bus.serve_until(stop)

    def _run_physics(self) -> None:
        self.servos.anchor(self.bus.clock())
        self._physics_stop.clear()
        self._physics = threading.Thread(
            target=self.servos.run,
            args=(self.bus.clock, self._physics_stop),
            name="twin-physics",
            daemon=True,
        )
        self._physics.start()

    def stop(self) -> None:
        """Stop serving and the physics, close the pty and the world."""
        self._physics_stop.set()
        try:
            if self._physics is not None:
                self._physics.join()
            self.bus.stop()
        finally:
            with self.servos.lock:
                self.scene.world.close()

    def state(self) -> WorldState:
        """The scene's ground truth now (thread-safe)."""
        with self.servos.lock:
            return self.scene.state()

    def spilled(self) -> int:
        """Particles spilled so far (thread-safe)."""
        with self.servos.lock:
            return self.scene.spilled()

    def keep_world_in(self, path: Path) -> None:
        """Keep `path` holding the scene's `WorldState` (JSON), taken every
        `WORLD_OUT_PERIOD_S` of simulated time by the physics itself and written by a
        thread of its own, outside the lock the servos' replies need (a write can wait
        on the disk for tens of ms); each write replaces the file whole."""
        world = self.scene.world
        steps = max(1, round(WORLD_OUT_PERIOD_S / world.time_step))
        taken = threading.Event()
        latest: list[bytes] = [encode_json(self.scene.state())]

        def every_step() -> None:  # in the physics thread, under the lock
            if world.steps % steps == 0:
                latest[0] = encode_json(self.scene.state())
                taken.set()

        def write() -> None:
            while True:
                taken.wait()
                taken.clear()
                _replace(path, latest[0])

        _replace(path, latest[0])
        world.add_step_hook(every_step)
        threading.Thread(target=write, name="twin-world-out", daemon=True).start()

    def write_calibration(self, path: str | Path) -> None:
        """Write the twin calibration as a calibration file for `limbs = serial`."""
        save_calibration(self.calibration, path)

    def __enter__(self) -> TwinBus:
        if not self.path:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole: a reader sees the old file or the new, never half."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def make_twin_bus(
    scene: str = "tea",
    *,
    seed: int = 0,
    profile: str | Profile = "so101",
    protocol: str | None = None,
    baud: int | None = None,
    gui: bool = False,
    wire_timing: bool = False,
    eeprom_path: Path | None = None,
    torque_on: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> TwinBus:
    """Build scene `scene` (seed `seed`) in a new world and a virtual bus whose servos are
    its arm's joints; not serving yet. protocol / baud: default the profile's [bus].

    Raises ConfigError if the scene is unknown, the profile has no servo bus or mixes
    servo models, or the protocol differs from the profile's; SimError if the world
    cannot start.
    """
    if scene not in SCENES:
        raise ConfigError(f"unknown scene {scene!r}: scenes are {sorted(SCENES)}")
    prof = load_profile(profile) if isinstance(profile, str) else profile
    if prof.bus is None:
        raise ConfigError(f"profile {prof.robot.name}: no [bus] section: not a servo arm")
    bus_protocol = prof.bus.protocol
    if protocol is not None and protocol != bus_protocol:
        raise ConfigError(
            f"profile {prof.robot.name}'s servos speak {bus_protocol}, not {protocol}: "
            f"use --protocol {bus_protocol}"
        )
    models = {j.model or DEFAULT_MODEL[bus_protocol] for j in prof.joints}
    if len(models) != 1:
        raise ConfigError(
            f"profile {prof.robot.name}: the twin bus emulates one servo model, "
            f"the joints use {sorted(models)}"
        )
    table = get_model(models.pop())
    calibration = twin_calibration(prof, table)
    flashed = {
        str(cal.servo_id): {
            "min_position_limit": cal.range_min,
            "max_position_limit": cal.range_max,
        }
        for cal in calibration.joints.values()
    }
    if eeprom_path is not None:
        for sid, saved in load_eeprom(eeprom_path).items():
            flashed.setdefault(sid, {}).update(saved)
    world = World(gui=gui)
    try:
        built = build_scene(world, scene, seed=seed, profile=prof)
        servos = TwinServos(built, calibration)
        ids = [cal.servo_id for cal in calibration.joints.values()]
        virtual = build_servos(
            ids,
            table,
            baud=baud or prof.bus.baud or DEFAULT_BAUD,
            model_factory=servos.factory,
            eeprom=flashed,
            clock=clock,
        )
        if torque_on:
            torque = table["torque_enable"]
            for servo in virtual:
                servo.write(torque.address, torque.encode(1), clock())
        bus = VirtualBus(
            bus_protocol, virtual, wire_timing=wire_timing, eeprom_path=eeprom_path, clock=clock
        )
    except BaseException:
        world.close()
        raise
    return TwinBus(bus, servos)


def start_twin_bus(
    scene: str = "tea",
    *,
    seed: int = 0,
    profile: str | Profile = "so101",
    protocol: str | None = None,
    gui: bool = False,
    torque_on: bool = True,
) -> TwinBus:
    """`make_twin_bus(...)` serving from a thread.

    Open `SerialLimb(hil.profile, hil.calibration, hil.path, host_margin_s=HOST_MARGIN_S)`
    on it, read the ground
    truth with `hil.state()` / `hil.spilled()`, and end both with `hil.stop()` (or use
    a `with` block).
    """
    hil = make_twin_bus(
        scene, seed=seed, profile=profile, protocol=protocol, gui=gui, torque_on=torque_on
    )
    try:
        hil.start()
    except BaseException:
        hil.stop()
        raise
    return hil
