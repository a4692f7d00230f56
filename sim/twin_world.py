"""The twin's world in a process of its own, running on its own clock, as a real arm does.

PyBullet holds the interpreter lock for the whole of a physics step (measured: another
thread of the same process went 15 ms without running while a 17 ms step of a busy
scene ran). A servo bus served from the same process would go silent for as long, which
no real servo does. So the world lives in a child process (`TwinWorld`) and the bus
side (`sim.servo_twin`) talks to it through shared memory it never waits on for longer
than a copy:

- commands (each joint's target in rad, speed cap in rad/s, torque on or off), written
  by the bus side when a servo is commanded, taken up by the child before its next step;
- the arm's state (position rad, velocity rad/s, effort N*m) and the clock time it is
  for, written by the child after every step.

The child steps the world to the clock (`time.monotonic`, the same in every process)
one step at a time, whether or not anyone talks to the bus: a host that dies or a
pulled cable leaves the arm in a world that goes on, holding or falling as its torque
says. Until `run()` the world stands still (the bus is being built); a stall of the
machine longer than `MAX_CATCH_UP_STEPS` is dropped from simulated time rather than
raced through. Ground truth (the scene's `WorldState`, spilled particles, particles on a
person, the joint angles) is asked for over a pipe, between steps. The child ends when
asked, or when its parent is gone.

The world runs on the normal scheduler, though it stands in for hardware that no load
can slow: real-time physics beside the real-time loop and bus can keep a CPU busy with
real-time work for a whole second, and Linux then gives the starved normal tasks 50 ms
of that CPU (sched_rt_runtime_us; the fair server since 6.12), stalling the loop. Under
load the world falls behind instead, and the stall is dropped as above. Only while it
holds the lock it shares with a real-time bus does it run at the bus's priority
(`WorldSpec.lock_priority`, a priority ceiling): preempted with the lock held, it would
keep the bus waiting, silent. The soak runs that found both: docs/realtime.md, "The
twin's world on the normal scheduler".
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import pybullet as p

from core.errors import RobotError
from core.processes import ignore_interrupts, reap, spawn_context
from core.profile import Profile
from sim.world import PHYSICS_RATE_HZ

MAX_CATCH_UP_STEPS = 2
"""The most the world lags the clock (steps, 8 ms at 240 Hz): more of a stall of the
machine is dropped from simulated time, so the world runs in slow motion for a moment
rather than racing through the motion it missed: a servo's encoder never jumps."""
WORLD_OUT_PERIOD_S = 0.05
"""How often the ground truth is written to a `world_out` file (s of simulated time),
as the hil stack publishes it."""
START_TIMEOUT_S = 60.0
"""Spawning an interpreter, importing PyBullet, building and settling a scene."""
ASK_TIMEOUT_S = 5.0
"""Longest a question to the child may take: it answers between steps."""
STOP_TIMEOUT_S = 2.0


class TwinWorldError(RobotError):
    """The twin's world process failed or died; the message says what it reported."""


@dataclass(frozen=True)
class WorldSpec:
    """What the child builds: scene `scene` from `seed` with the arm of `profile`."""

    scene: str
    seed: int
    profile: Profile
    gui: bool = False
    world_out: Path | None = None
    """A file to keep holding the scene's `WorldState` (JSON), or None."""
    physics_hz: float = PHYSICS_RATE_HZ
    lock_priority: int | None = None
    """The SCHED_FIFO priority of the bus's thread, where it runs real-time: the world
    holds the lock they share at that priority (a priority ceiling), so a world on the
    normal scheduler never keeps a real-time bus waiting behind the tasks that preempt
    it. None: the bus is not real-time."""


@dataclass(frozen=True)
class Built:
    """What the child reports once built: the arm's base (m, rad), its joint angles."""

    base_position: tuple[float, float, float]
    base_yaw: float
    position: tuple[float, ...]


class _Shared:
    """The command and state blocks between the bus side and the child."""

    def __init__(self, joints: int) -> None:
        ctx = spawn_context()
        self.joints = joints
        self.lock = ctx.Lock()
        # target, speed cap, torque (1.0 on); version counts writes.
        self.command = ctx.RawArray("d", 3 * joints)
        self.command_version = ctx.RawArray("q", 1)
        # position, velocity, effort, then the clock time (s) the state is for.
        self.state = ctx.RawArray("d", 3 * joints + 1)


class TwinWorld:
    """The bus side's handle on the child that runs the world (see the module doc)."""

    def __init__(self, spec: WorldSpec) -> None:
        self.spec = spec
        n = len(spec.profile.joints)
        self.joints = n
        self._shared = _Shared(n)
        ctx = spawn_context()
        self._conn, child = ctx.Pipe()
        self._asking = threading.Lock()
        self._process = ctx.Process(
            target=_serve, args=(spec, self._shared, child), name="twin-world", daemon=True
        )
        self._process.start()
        child.close()
        built = self._answer(START_TIMEOUT_S, "building the scene")
        if not isinstance(built, Built):
            self.stop()
            raise TwinWorldError(f"the twin's world could not start: {built}")
        self.built = built
        self.base_position = built.base_position
        self.base_yaw = built.base_yaw

    # -- commands and state, from the bus's thread: a copy under the lock -----------------

    def command(self, index: int, target_rad: float, speed_rad_s: float, torque: bool) -> None:
        """Joint `index` from the next physics step on: target, speed cap, torque."""
        n = self.joints
        shared = self._shared
        with shared.lock:
            shared.command[index] = target_rad
            shared.command[n + index] = speed_rad_s
            shared.command[2 * n + index] = 1.0 if torque else 0.0
            shared.command_version[0] += 1

    def sample(self, index: int) -> tuple[float, float, float, float]:
        """Joint `index` at the latest step: position (rad), velocity (rad/s), effort
        (N*m), and the clock time (s) they are for."""
        n = self.joints
        state = self._shared.state
        with self._shared.lock:
            return state[index], state[n + index], state[2 * n + index], state[3 * n]

    # -- life cycle and ground truth, over the pipe ------------------------------------------

    def run(self, now_s: float) -> None:
        """Start following the clock: world time now is `now_s` (s, `time.monotonic`)."""
        self._ask("run", now_s)

    def state(self) -> Any:
        """The scene's `WorldState` now."""
        return self._ask("state")

    def spilled(self) -> int:
        return int(self._ask("spilled"))

    def on_person(self) -> int:
        return int(self._ask("on_person"))

    def position(self) -> np.ndarray:
        """The arm's joint angles now (rad, profile order)."""
        return np.asarray(self._ask("position"))

    def sim_time_s(self) -> float:
        return float(self._ask("sim_time"))

    @property
    def alive(self) -> bool:
        return self._process.exitcode is None and self._process.is_alive()

    @property
    def sentinel(self) -> int:
        """Ready to read when the child has ended (for `multiprocessing.connection.wait`)."""
        return self._process.sentinel

    def _ask(self, *question: object) -> Any:
        """One question and its answer; one at a time (the pipe carries both)."""
        with self._asking:
            try:
                self._conn.send(question)
            except OSError as err:
                raise TwinWorldError(f"the twin's world process is gone ({err})") from err
            return self._answer(ASK_TIMEOUT_S, f"answering {question[0]!r}")

    def _answer(self, timeout_s: float, doing: str) -> Any:
        if not self._conn.poll(timeout_s):
            raise TwinWorldError(
                f"the twin's world process did not answer within {timeout_s:.0f} s {doing}"
            )
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            raise TwinWorldError(
                f"the twin's world process died {doing} (exit code {self._process.exitcode})"
            ) from None
        if kind == "failed":
            raise TwinWorldError(f"the twin's world failed {doing}: {payload}")
        return payload

    def stop(self) -> None:
        """End the child (the world closes with it); safe twice."""
        with self._asking:
            if self._process.pid is None or self._conn.closed:
                return
            with contextlib.suppress(OSError):
                self._conn.send(("stop",))
            reap(self._process, STOP_TIMEOUT_S)
            self._conn.close()


# -- the child ------------------------------------------------------------------------------


def _serve(spec: WorldSpec, shared: _Shared, conn: Connection) -> None:
    """The child's main: build the world, report it, then step it and answer."""
    ignore_interrupts()
    from sim.scenes import build_scene
    from sim.world import World

    try:
        world = World(gui=spec.gui, rate_hz=spec.physics_hz)
        scene = build_scene(world, spec.scene, seed=spec.seed, profile=spec.profile)
    except Exception as err:  # reported to the parent, which raises it
        conn.send(("failed", f"{type(err).__name__}: {err}"))
        return
    arm = scene.arm
    physics = _Physics(scene, shared, spec.lock_priority)
    base = tuple(float(v) for v in arm.base_position)
    conn.send(("ok", Built(base, float(arm.base_yaw), tuple(physics.position))))  # type: ignore[arg-type]
    try:
        physics.serve(conn, spec.world_out)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone: so is the bus this world was serving
    finally:
        world.close()


class _Physics:
    """The child's loop: take commands, step to the clock, publish the state, answer."""

    def __init__(self, scene: Any, shared: _Shared, lock_priority: int | None) -> None:
        self.scene = scene
        self.lock_priority = lock_priority
        self.arm = scene.arm
        self.world = scene.world
        self.shared = shared
        self.origin: float | None = None
        self._applied = -1
        self.position, self.velocity, self.effort = self.arm.state()
        self._target = np.array(self.position, dtype=float)
        self._speed = np.array([j.max_velocity for j in self.arm.profile.joints])
        self._torque = np.ones(len(self._target), dtype=bool)
        self._publish()

    def serve(self, conn: Connection, world_out: Path | None) -> None:
        world = self.world
        period = world.time_step
        every = max(1, round(WORLD_OUT_PERIOD_S / period))
        while True:
            wait = period if self.origin is not None else 0.1
            if self.origin is not None:
                lag = time.monotonic() - self.origin - world.sim_time_s
                if lag > MAX_CATCH_UP_STEPS * period:
                    self.origin += lag - MAX_CATCH_UP_STEPS * period
                    lag = MAX_CATCH_UP_STEPS * period
                if lag >= period:
                    if world.gui and not world.connected():
                        return  # the window was closed: the twin is gone
                    self._take_commands()
                    world.step()
                    self.position, self.velocity, self.effort = self.arm.state()
                    self._publish()
                    if world_out is not None and world.steps % every == 0:
                        _replace(world_out, _encode(self.scene.state()))
                    wait = 0.0
                else:
                    wait = period - lag
            if conn.poll(wait) and not self._answer(conn, conn.recv()):
                return

    def _answer(self, conn: Connection, question: tuple[Any, ...]) -> bool:
        """Answer one question; False when told to stop."""
        kind = question[0]
        if kind == "stop":
            return False
        try:
            if kind == "run":
                self.origin = float(question[1]) - self.world.sim_time_s
                reply: Any = None
            elif kind == "state":
                reply = self.scene.state()
            elif kind == "spilled":
                reply = self.scene.spilled()
            elif kind == "on_person":
                reply = self.scene.on_person()
            elif kind == "position":
                reply = tuple(float(v) for v in self.arm.state()[0])
            elif kind == "sim_time":
                reply = self.world.sim_time_s
            else:
                raise ValueError(f"unknown question {kind!r}")
        except Exception as err:  # the parent raises it; the world goes on
            conn.send(("failed", f"{type(err).__name__}: {err}"))
            return True
        conn.send(("ok", reply))
        return True

    def _take_commands(self) -> None:
        shared, n = self.shared, len(self._target)
        if shared.command_version[0] == self._applied:
            return
        with self._locked():
            self._applied = shared.command_version[0]
            block = np.frombuffer(shared.command, dtype=float).copy()
        self._target[:] = block[:n]
        self._speed[:] = block[n : 2 * n]
        self._torque[:] = block[2 * n :] > 0.5
        arm, client = self.arm, self.world.client
        arm.command(self._target, max_velocity=self._speed)
        limp = {i for i, on in enumerate(self._torque) if not on}
        motors = [arm.joint_indices[i] for i in limp]
        motors += [follower for follower, leader, _, _ in arm.followers if leader in limp]
        for joint_index in motors:  # as Arm.relax does, for these joints only
            p.setJointMotorControl2(
                arm.body_id, joint_index, p.VELOCITY_CONTROL, force=0.0, physicsClientId=client
            )
        arm.torque_on = not limp

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The shared lock, held at `lock_priority` (see `WorldSpec`); at the normal
        priority where the OS refuses it (the bus is then not real-time either)."""
        priority = self.lock_priority
        if priority is not None:
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
            except (AttributeError, OSError):
                self.lock_priority = priority = None
        try:
            with self.shared.lock:
                yield
        finally:
            if priority is not None:
                os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))

    def _publish(self) -> None:
        shared, n = self.shared, len(self._target)
        # 0 until the world follows the clock: the bus side then carries nothing on.
        clock = 0.0 if self.origin is None else self.origin + self.world.sim_time_s
        with self._locked():
            state = shared.state
            state[0:n] = self.position.tolist()
            state[n : 2 * n] = self.velocity.tolist()
            state[2 * n : 3 * n] = self.effort.tolist()
            state[3 * n] = clock


def _encode(world_state: Any) -> bytes:
    from core.msgs import encode_json

    return encode_json(world_state)


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole: a reader sees the old file or the new, never half."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
