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

the same map `core.calibration.TickMap` applies, so the SerialLimb over the bus
and the twin agree on angles. The servos also start "flashed" with these ranges as
their position limits (an `--eeprom` file's saved values win).

**Physics per servo** (`TwinServo`, a `ServoModel`): the goal is the joint's position
target; the commanded velocity (ticks/s) caps the joint's speed, never above the
profile's `max_velocity` (the twin's motors are the `TwinLimb`'s); the commanded
acceleration is not modelled (PyBullet's position motors have no such limit). Torque
off makes that joint limp (its motor off), torque on holds it. Load is the joint's
motor effort over the profile's `max_effort`, in the motor's direction.

**Time**: the twin runs on its own clock, as a real arm does, in a process of its own
(`sim.twin_world`): PyBullet holds the interpreter lock through a physics step, so a
bus served beside it would fall silent for as long as a step takes (up to tens of ms
in a busy scene), which no servo does. The world steps to the clock whether or not
anyone talks to the bus (a host that dies or a pulled cable leaves the arm in a world
that goes on, holding or falling as its torque says). A servo's command takes effect
at the next physics step (at most 4 ms later at 240 Hz); a read answers from the
latest step, carried on at the joint's velocity to the moment of the read (a servo
samples its encoder far more often than the physics steps). Ground truth comes from
`TwinBus.state()` / `spilled()` / `on_person()`, asked of the world's process.

**Power-up**: the servos start with torque on, holding the scene's start pose, as a
powered arm left enabled would (the twin's STS firmware would otherwise power up limp
and drop the arm onto the table before a client connects); `torque_on=False` gives
the factory behaviour.
"""

from __future__ import annotations

import math
import threading
import time
from multiprocessing.connection import wait
from pathlib import Path
from types import TracebackType

import numpy as np

from core.calibration import Calibration, JointCalibration, save_calibration
from core.catalogue import load_scene
from core.errors import ConfigError
from core.msgs import WorldState
from core.profile import JointSpec, Profile, load_profile
from firmware_bridge.control_tables import DEFAULT_MODEL, ControlTable, get_model
from firmware_bridge.servo_model import ServoModel, ServoSample
from firmware_bridge.virtual_bus import VirtualBus, build_servos, load_eeprom
from sim.twin_world import MAX_CATCH_UP_STEPS, TwinWorld, WorldSpec

HOST_MARGIN_S = 0.05
"""The `host_margin_s` to give a `SerialLimb` on a twin bus served in the stack's own
process (`launch/*_hil.toml`): the bus's thread shares the interpreter with the skills
and the relay, so a reply can wait for the interpreter lock. A twin served in its own
process (`robot servo emulate --twin`) answers like a real bus: the default margin
fits."""
DEFAULT_BAUD = 1_000_000
CALIBRATION_SOURCE = "sim.servo_twin (twin calibration)"


def joint_table(profile: Profile, joint: JointSpec) -> ControlTable:
    """The control table of the servo behind `joint` (the bus's default model if unnamed)."""
    if profile.bus is None:
        raise ConfigError(f"profile {profile.robot.name}: no [bus] section: not a servo arm")
    return get_model(joint.model or DEFAULT_MODEL[profile.bus.protocol])


def twin_calibration(profile: Profile) -> Calibration:
    """The calibration under which the twin's servos read the twin's joint angles.

    Zero at the encoder's middle tick, the profile's direction (calibration direction
    1), homing offset 0, range = the joint limits in ticks (see the module docstring).
    """
    joints = {}
    for joint in profile.joints:
        table = joint_table(profile, joint)
        ticks_per_rad = table.resolution / (2 * math.pi)
        middle = table.resolution // 2
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
    assert profile.bus is not None  # joint_table checked
    protocol = profile.bus.protocol
    return Calibration(
        joints=joints, robot=profile.robot.name, protocol=protocol, source=CALIBRATION_SOURCE
    )


WATCH_WINDOW_S = 0.02
"""Goals are compared with the goal of at least this long before (s): over 20 ms the
arrival jitter of single commands (a few ms) is small beside the time."""
WATCH_SPEED_SLACK = 1.2
"""A goal may move this much faster than the joint's limit over a window (jitter)."""


class CommandWatch:
    """Counts what no stack may ever ask of the arm: a goal outside a joint's limits, or
    goals moving faster than the joint may (`unsafe`, by joint). The servo end of the
    bus is where that is seen whatever the layers above did; one tick of rounding is
    allowed, and WATCH_SPEED_SLACK of timing."""

    def __init__(self, profile: Profile, tick_rad: np.ndarray) -> None:
        self.names = profile.joint_names
        self._lower = np.array([j.lower for j in profile.joints]) - tick_rad
        self._upper = np.array([j.upper for j in profile.joints]) + tick_rad
        self._speed = np.array([j.max_velocity for j in profile.joints]) * WATCH_SPEED_SLACK
        self._slack = 2 * tick_rad
        n = len(self.names)
        self._since = [None] * n  # type: list[tuple[float, float] | None]
        self.unsafe = dict.fromkeys(self.names, 0)

    def check(self, index: int, now_s: float, goal_rad: float, torque: bool) -> None:
        """Joint `index` is told to go to `goal_rad` at clock time `now_s`."""
        if not torque:
            self._since[index] = None  # a limp joint's goal moves nothing
            return
        if not self._lower[index] <= goal_rad <= self._upper[index]:
            self.unsafe[self.names[index]] += 1  # counted once: not a reference either
            return
        since = self._since[index]
        if since is None:
            self._since[index] = (now_s, goal_rad)
            return
        elapsed = now_s - since[0]
        if elapsed < WATCH_WINDOW_S:
            return
        if abs(goal_rad - since[1]) > self._speed[index] * elapsed + self._slack[index]:
            self.unsafe[self.names[index]] += 1
        self._since[index] = (now_s, goal_rad)


class TwinServos:
    """The arm of a `TwinWorld` as the physics of every servo on one bus: motor ticks
    to joint radians and back. `factory` is the bus's `ModelFactory`."""

    def __init__(self, world: TwinWorld, profile: Profile, calibration: Calibration) -> None:
        self.world = world
        self.profile = profile
        self.calibration = calibration
        self._index_by_id = {j.servo_id: i for i, j in enumerate(profile.joints)}
        self._sign = np.array([float(j.direction) for j in profile.joints])
        self._zero = np.array([float(calibration.joint(j.name).zero_ticks) for j in profile.joints])
        self._rad_per_tick = np.array(
            [2 * math.pi / calibration.joint(j.name).resolution for j in profile.joints]
        )
        self._max_velocity = np.array([j.max_velocity for j in profile.joints])
        self._max_effort = np.array([j.max_effort for j in profile.joints])
        # The world lags the clock by at most this: carried on that far, a reading
        # is where the joint is now, however late the world's last step.
        self._lag_s = MAX_CATCH_UP_STEPS / world.spec.physics_hz
        self.watch = CommandWatch(profile, self._rad_per_tick)

    def joint_index(self, servo_id: int) -> int:
        try:
            return self._index_by_id[servo_id]
        except KeyError:
            raise ConfigError(
                f"servo {servo_id} is not a joint of {self.profile.robot.name}: its "
                f"servo IDs are {sorted(self._index_by_id)}"
            ) from None

    def command(
        self, index: int, now_s: float, torque: bool, goal_ticks: float, ticks_per_s: float
    ) -> None:
        """Joint `index`: torque, goal (motor ticks) and speed cap (ticks/s), from the
        next physics step on; told at clock time `now_s`."""
        rad_per_tick = self._rad_per_tick[index]
        target = float(self._sign[index] * (goal_ticks - self._zero[index]) * rad_per_tick)
        speed = min(ticks_per_s * rad_per_tick, self._max_velocity[index])
        self.watch.check(index, now_s, target, torque)
        self.world.command(index, target, float(speed), torque)

    def sample(self, index: int, now_s: float) -> ServoSample:
        """Joint `index` at clock time `now_s`: motor ticks, ticks/s, load -1..1.

        The physics has a state every step (4 ms at 240 Hz); a servo samples its encoder
        far more often. So the position is carried on from the latest step at its
        velocity, to `now_s` (at most as far as the world may lag the clock): two reads
        1 ms apart differ by 1 ms of motion, as on a real servo, not by a whole step or
        nothing."""
        position, velocity, effort, at_s = self.world.sample(index)
        since = min(max(now_s - at_s, 0.0), self._lag_s) if at_s > 0.0 else 0.0
        sign, rad_per_tick = self._sign[index], self._rad_per_tick[index]
        return ServoSample(
            position=float(self._zero[index] + sign * (position + velocity * since) / rad_per_tick),
            velocity=float(sign * velocity / rad_per_tick),
            load=float(sign * effort / self._max_effort[index]),
        )

    def factory(self, servo_id: int, table: ControlTable) -> ServoModel:
        """The bus's `ModelFactory`: the servo with `servo_id` is the joint with that ID."""
        index = self.joint_index(servo_id)
        name = self.profile.joints[index].name
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
        self.world: TwinWorld = servos.world
        self.calibration: Calibration = servos.calibration

    @property
    def path(self) -> str:
        """The pty device clients open ("" until started)."""
        return self.bus.path

    @property
    def profile(self) -> Profile:
        return self.servos.profile

    @property
    def base(self) -> tuple[tuple[float, float, float], float]:
        """Where the arm's base stands in the world: position (m), yaw (rad)."""
        return self.world.base_position, self.world.base_yaw

    def start(self) -> str:
        """Start the world's clock and serve the pty from a thread; return its path."""
        path = self.bus.start()
        self.world.run(self.bus.clock())
        return path

    def serve_until(self, stop: threading.Event) -> None:
        """Start the world's clock and serve in the calling thread until `stop` is set
        or the world's process ends (open the pty first: `bus.start_pty()`)."""
        self.world.run(self.bus.clock())

        def watch() -> None:
            wait([self.world.sentinel])
            stop.set()

        threading.Thread(target=watch, name="twin-watch", daemon=True).start()
        self.bus.serve_until(stop)

    def stop(self) -> None:
        """Stop serving, close the pty and end the world's process."""
        try:
            self.bus.stop()
        finally:
            self.world.stop()

    def state(self) -> WorldState:
        """The scene's ground truth now."""
        return self.world.state()

    def spilled(self) -> int:
        """Particles spilled so far."""
        return self.world.spilled()

    def on_person(self) -> int:
        """Particles on a person so far."""
        return self.world.on_person()

    def sim_time_s(self) -> float:
        return self.world.sim_time_s()

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
    world_out: Path | None = None,
    lock_priority: int | None = None,
) -> TwinBus:
    """Build scene `scene` (seed `seed`) in a new world, in a process of its own, and a
    virtual bus whose servos are its arm's joints; not serving yet. protocol / baud:
    default the profile's [bus]. world_out: a file to keep holding the scene's
    `WorldState` (JSON), for a serial launch's `[world] file`. lock_priority: the
    SCHED_FIFO priority the bus will serve at, if real-time (`WorldSpec`).

    Raises ConfigError if the scene is unknown, the profile has no servo bus, or the
    protocol differs from the profile's; TwinWorldError if the
    world cannot start.
    """
    load_scene(scene)  # raises ConfigError naming what is wrong, before a child starts
    prof = load_profile(profile) if isinstance(profile, str) else profile
    if prof.bus is None:
        raise ConfigError(f"profile {prof.robot.name}: no [bus] section: not a servo arm")
    bus_protocol = prof.bus.protocol
    if protocol is not None and protocol != bus_protocol:
        raise ConfigError(
            f"profile {prof.robot.name}'s servos speak {bus_protocol}, not {protocol}: "
            f"use --protocol {bus_protocol}"
        )
    calibration = twin_calibration(prof)
    flashed = {
        str(cal.servo_id): {
            "min_position_limit": cal.range_min,
            "max_position_limit": cal.range_max,
            # Flashed as `robot servo flash` leaves a real arm: replies without delay.
            "return_delay_time": 0,
        }
        for cal in calibration.joints.values()
    }
    if eeprom_path is not None:
        for sid, saved in load_eeprom(eeprom_path).items():
            flashed.setdefault(sid, {}).update(saved)
    world = TwinWorld(
        WorldSpec(scene, seed, prof, gui=gui, world_out=world_out, lock_priority=lock_priority)
    )
    try:
        servos = TwinServos(world, prof, calibration)
        virtual = [
            servo
            for joint in prof.joints
            for servo in build_servos(
                [calibration.joint(joint.name).servo_id],
                joint_table(prof, joint),
                baud=baud or prof.bus.baud or DEFAULT_BAUD,
                model_factory=servos.factory,
                eeprom=flashed,
            )
        ]
        if torque_on:
            for servo in virtual:
                torque = servo.table["torque_enable"]
                servo.write(torque.address, torque.encode(1), time.monotonic())
        bus = VirtualBus(bus_protocol, virtual, wire_timing=wire_timing, eeprom_path=eeprom_path)
    except BaseException:
        world.stop()
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
    on it, read the ground truth with `hil.state()` / `hil.spilled()`, and end both with
    `hil.stop()` (or use a `with` block).
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
