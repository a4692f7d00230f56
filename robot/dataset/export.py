"""Episodes from a `robot run --record` recording (MCAP): one per `Instruction`, its
rows the `JointState`s and the `JointCommand`s stamped alike (commit a44987c),
resampled at the dataset's fps (robot/dataset/episode_frames.py), its task the
instruction's text.

The time of a pair: `ticks` (the default) counts one pair per `STATE_PERIOD_S` of the
arm's clock (the cerebellum publishes every 10th tick of its 1 kHz loop). That is the
simulated time of a sim run, whose stamps are the wall clock of a run going as fast as
it can, and whose clock stands still (publishing nothing) between skills. `stamps`
takes each pair's stamp_ns: a real-time run (hil, serial, a kiosk).

A recording holds no camera pictures, so an exported dataset has no videos; generate
episodes (`robot dataset generate`) for a dataset with the cameras.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import ConfigError
from core.msgs import Instruction, JointCommand, JointState
from robot.dataset.episode_frames import EpisodeFrames, resample
from robot.recording.reader import read_messages

STATE_PERIOD_S = 0.01
"""Time between published JointStates of the 1 kHz loop (every 10th tick), s."""
CLOCKS = ("ticks", "stamps")


def episodes_from_recording(
    path: str | Path, fps: int, clock: str = "ticks"
) -> list[EpisodeFrames]:
    """The episodes of recording `path` (see the module docstring)."""
    if clock not in CLOCKS:
        raise ConfigError(f"--clock must be one of {', '.join(CLOCKS)}, got {clock!r}")
    instructions: list[tuple[int, str]] = []
    states: dict[int, tuple[int, tuple[float, ...]]] = {}
    commands: dict[int, tuple[float, ...]] = {}
    for recorded in read_messages(path, {"Instruction", "JointState", "JointCommand"}):
        msg = recorded.message
        if isinstance(msg, Instruction):
            instructions.append((recorded.log_time_ns, msg.text))
        elif isinstance(msg, JointState):
            states[msg.stamp_ns] = (recorded.log_time_ns, msg.position)
        elif isinstance(msg, JointCommand):
            commands[msg.stamp_ns] = msg.position
    if not instructions:
        raise ConfigError(f"{path}: no Instruction recorded: nothing to name an episode by")
    paired = sorted((states[s][0], s, states[s][1], commands[s]) for s in states if s in commands)
    if not paired:
        raise ConfigError(
            f"{path}: no JointState with a JointCommand of the same stamp_ns (a recording "
            "made before JointCommand was published, commit a44987c?)"
        )
    episodes: list[EpisodeFrames] = []
    bounds = [t for t, _ in instructions[1:]] + [np.iinfo(np.int64).max]
    for (begin, text), end in zip(instructions, bounds, strict=True):
        rows = [p for p in paired if begin <= p[0] < end]
        if len(rows) < 2:
            continue
        if clock == "ticks":
            times = np.arange(len(rows)) * STATE_PERIOD_S
        else:
            times = (np.array([r[1] for r in rows]) - rows[0][1]) / 1e9
        obs, act = resample(times, [r[2] for r in rows], [r[3] for r in rows], fps)
        episodes.append(EpisodeFrames(obs, act, text, meta={"recording": str(path)}))
    if not episodes:
        raise ConfigError(f"{path}: no instruction has joint states after it")
    return episodes
