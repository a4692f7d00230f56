"""Replay a LeRobot episode's joint trajectory on the twin: `robot dataset play`.

The episode's joint values (`observation.state`, or `action`) are turned into our
radians (robot/dataset/lerobot_units.py: through the LeRobot calibration it was
recorded with; a dataset of ours is in radians already) and sent, one row every 1/fps
(divided by `speed`), as a `MotionRequest` to the cerebellum's motion core: its
trajectory generator and its safety supervisor stand between the recording and the
joints, as for any skill, so a recording that leaves the limits or the workspace is
stopped there, not replayed. The arm first moves to the first row at a third of its
speed.

The launch file decides where: `sim` runs the core against the twin in simulated time
(as fast as it goes, `Lockstep`); `hil` runs the real-time loop in its own process
(`MotionProcess`) on a `SerialLimb` talking to the twin served as a virtual servo bus,
in real time.

The result compares the measured joints, read one period after each row was sent,
with the rows: the arm trails a streamed trajectory by a row or two (each row starts a
new move from where the last one got to), so the error is taken at the constant delay
that fits best (`lag_rows`, at most `MAX_LAG_ROWS`): `max_error_rad` is how far the arm
strays from the recorded path, `lag_rows` how late it runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.calibration import load_calibration
from core.errors import ConfigError
from core.profile import Profile, load_profile
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.motion import MotionRequest
from robot.dataset import lerobot_units
from robot.dataset.reader import DatasetReader
from robot.launch.config import Launch, load_launch

if TYPE_CHECKING:
    from robot.cerebellum.motion_process import MotionProcess

APPROACH_SPEED = 0.3
"""Fraction of the joints' speed for the move to the first row."""
APPROACH_TIMEOUT_S = 10.0
SETTLE_S = 0.5
"""Time after the last row before the last measurement (s)."""
MAX_LAG_ROWS = 5


@dataclass
class PlayResult:
    """What a replay did. targets, measured: (N, J) rad, measured[k] read one period
    after targets[k] was sent. safety_events: the supervisor's events' kinds."""

    backend: str
    episode: int
    task: str
    fps: float
    targets: np.ndarray
    measured: np.ndarray
    safety_events: list[str] = field(default_factory=list)

    def errors_rad(self, lag: int) -> np.ndarray:
        """|measured[k] - targets[k - lag]| (N - lag, J)."""
        return np.abs(self.measured[lag:] - self.targets[: len(self.targets) - lag])

    @property
    def lag_rows(self) -> int:
        """The delay (rows) at which the arm's path fits the recording best."""
        lags = range(min(MAX_LAG_ROWS, len(self.targets) - 1) + 1)
        return min(lags, key=lambda lag: float(self.errors_rad(lag).max()))

    @property
    def max_error_rad(self) -> float:
        return float(self.errors_rad(self.lag_rows).max())

    def summary(self) -> str:
        worst = self.errors_rad(self.lag_rows).max(axis=0)
        events = f", safety events: {sorted(set(self.safety_events))}" if self.safety_events else ""
        return (
            f"episode {self.episode} ({self.task!r}): {len(self.targets)} rows at {self.fps:g} fps "
            f"on the {self.backend} twin; the arm ran {self.lag_rows} rows late, largest "
            f"joint error on that path {np.degrees(self.max_error_rad):.2f} deg (per joint: "
            + ", ".join(f"{np.degrees(w):.2f}" for w in worst)
            + f"){events}"
        )


def trajectory_rad(
    dataset: str | Path,
    episode: int,
    profile: Profile,
    *,
    calibration: str | Path | None = None,
    norm: str = "range_m100_100",
    column: str = "observation.state",
) -> tuple[np.ndarray, float, str]:
    """Episode `episode`'s `column` in rad (N, profile joints), its fps and task."""
    reader = DatasetReader(dataset)
    rows = reader.rows(episode)
    values = rows.states if column == "observation.state" else rows.actions
    names = list(reader.features[column]["names"])
    where = f"{reader.root} ({column})"
    if reader.info.get("units") == "rad":
        columns = lerobot_units.columns(names, profile, where)
        return values[:, columns].astype(np.float64), reader.fps, rows.task
    if calibration is None:
        raise ConfigError(
            f"{reader.root}: LeRobot joint values ({norm}); give --calibration, the LeRobot "
            "calibration JSON it was recorded with"
        )
    cal = load_calibration(calibration)
    return (
        lerobot_units.to_rad(values, names, profile, cal, norm, where),
        reader.fps,
        rows.task,
    )


def play_episode(
    dataset: str | Path,
    episode: int = 0,
    *,
    calibration: str | Path | None = None,
    norm: str = "range_m100_100",
    column: str = "observation.state",
    launch: str | Path = "launch/tea_sim.toml",
    speed: float = 1.0,
) -> PlayResult:
    """Replay (see the module docstring); `launch`'s backend: sim or hil."""
    if speed <= 0:
        raise ConfigError(f"--speed must be > 0, got {speed}")
    config = load_launch(launch)
    profile = load_profile(config.robot.profile)
    targets, fps, task = trajectory_rad(
        dataset, episode, profile, calibration=calibration, norm=norm, column=column
    )
    period = 1.0 / (fps * speed)
    if config.limbs.backend == "sim":
        measured, events = _play_sim(config, targets, period)
    elif config.limbs.backend == "hil":
        measured, events = _play_hil(config, targets, period)
    else:
        raise ConfigError(
            f"{launch}: backend {config.limbs.backend!r}: play drives the twin (sim or hil); "
            "a real arm replays through LeRobot itself"
        )
    return PlayResult(config.limbs.backend, episode, task, fps, targets, measured, events)


def _play_sim(config: Launch, targets: np.ndarray, period: float) -> tuple[np.ndarray, list[str]]:
    from robot.cerebellum.lockstep import Lockstep
    from robot.cerebellum.motion import MotionCore
    from robot.cerebellum.skills.go_home import default_home
    from robot.cerebellum.skills.runner import SkillRunner
    from robot.launch.stack import safety_config
    from robot.limbs.twin import TwinLimb
    from sim.scenes import build_scene
    from sim.world import World

    events: list[str] = []
    with World(rate_hz=config.rates.physics_hz) as world:
        scene = build_scene(
            world, config.scene.name, seed=config.scene.seed, profile=config.robot.profile
        )
        base = BasePose(*(float(v) for v in scene.arm.base_position), yaw=scene.arm.base_yaw)
        model = ArmModel.from_profile(scene.arm.profile, base)
        core = MotionCore.for_arm(
            model,
            TwinLimb(scene.arm),
            1.0 / config.rates.control_hz,
            safety_config(config),
            config.limits.velocity_scale,
            on_event=lambda e: events.append(e.kind),
        )
        core.start()
        runner = SkillRunner(model, core, default_home(model))  # idle: no skill is called
        lockstep = Lockstep(
            core, runner, world.step, world.time_step, scene.state, dt=1.0 / config.rates.control_hz
        )

        def measure() -> np.ndarray:
            state = core.latest_state
            assert state is not None
            return np.asarray(state.position)

        core.request(MotionRequest(tuple(targets[0]), speed_scale=APPROACH_SPEED))
        waited = 0.0
        while waited < APPROACH_TIMEOUT_S and np.abs(measure() - targets[0]).max() > 1e-3:
            lockstep.advance(0.1)
            waited += 0.1
        measured = []
        for target in targets:
            core.request(MotionRequest(tuple(target)))
            lockstep.advance(period)
            measured.append(measure())
        lockstep.advance(SETTLE_S)
    return np.asarray(measured), events


def _play_hil(config: Launch, targets: np.ndarray, period: float) -> tuple[np.ndarray, list[str]]:
    from robot.cerebellum.motion_child import MotionSpec
    from robot.cerebellum.motion_process import MotionProcess
    from robot.launch.stack import loop_realtime, safety_config
    from robot.limbs.serial import SerialLimb
    from sim.servo_twin import HOST_MARGIN_S, start_twin_bus

    events: list[str] = []
    hil = start_twin_bus(config.scene.name, seed=config.scene.seed, profile=config.robot.profile)
    try:
        limb = partial(
            SerialLimb, hil.profile, hil.calibration, hil.path, host_margin_s=HOST_MARGIN_S
        )
        (x, y, z), yaw = hil.base
        model = ArmModel.from_profile(hil.profile, BasePose(x, y, z, yaw))
        motion = MotionProcess(
            MotionSpec(
                model,
                limb,
                config.rates.control_hz,
                safety_config(config),
                config.limits.velocity_scale,
                loop_realtime(config),
            ),
            on_event=lambda e: events.append(e.kind),
        )
        motion.start()
        try:
            measured = _stream_hil(motion, targets, period)
            # The events of the replay; stopping the loop raises its own.
            return measured, list(events)
        finally:
            motion.stop("the replay ended")
    finally:
        hil.stop()


def _stream_hil(motion: MotionProcess, targets: np.ndarray, period: float) -> np.ndarray:
    def measure() -> np.ndarray:
        motion.pump()
        state = motion.latest_state
        if state is None:
            raise ConfigError("the hil loop reports no joint state")
        return np.asarray(state.position)

    motion.request(MotionRequest(tuple(targets[0]), speed_scale=APPROACH_SPEED))
    deadline = time.monotonic() + APPROACH_TIMEOUT_S
    while time.monotonic() < deadline and np.abs(measure() - targets[0]).max() > 2e-3:
        time.sleep(0.05)
    measured = []
    next_t = time.monotonic()
    for target in targets:
        motion.request(MotionRequest(tuple(target)))
        next_t += period
        time.sleep(max(0.0, next_t - time.monotonic()))
        measured.append(measure())
    return np.asarray(measured)
