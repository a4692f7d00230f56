"""One episode as a dataset holds it: rows at a fixed rate, each the measured joint
positions (observation), the commanded ones (action), and, per camera, a video.

Joint samples come in pairs (a `JointState` and the `JointCommand` sent in the same
tick, stamped alike: commit a44987c); `resample` turns them into rows at `fps` by
taking, for each row's time, the latest pair at or before it (what the arm measured
and was told at that moment; no interpolation, so an action is always a command that
was really sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class EpisodeFrames:
    """An episode's rows. states, actions: (N, J) float32 (the units of the dataset:
    rad for ours); task: the request in natural language; videos: camera name -> an
    MP4 of N frames at the dataset's fps (already encoded); image_stats: camera name ->
    its frames' stats (robot.dataset.stats.image_stats); meta: extra per-episode
    columns (seed, scene, success)."""

    states: np.ndarray
    actions: np.ndarray
    task: str
    videos: dict[str, Path] = field(default_factory=dict)
    image_stats: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.states.shape != self.actions.shape or self.states.ndim != 2:
            raise ValueError(
                f"episode {self.task!r}: states {self.states.shape} and actions "
                f"{self.actions.shape} must both be (frames, joints)"
            )
        if len(self.states) == 0:
            raise ValueError(f"episode {self.task!r} has no frames")

    @property
    def length(self) -> int:
        return len(self.states)


def resample(
    times_s: np.ndarray, states: np.ndarray, commands: np.ndarray, fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows at `fps` from time-ordered (state, command) pairs at `times_s` (s): row k is
    the latest pair at or before times_s[0] + k / fps, up to the last pair's time.
    Returns (states, actions) as float32 (N, J)."""
    times_s = np.asarray(times_s, dtype=np.float64)
    if len(times_s) == 0:
        raise ValueError("no joint samples to resample")
    if np.any(np.diff(times_s) < 0):
        raise ValueError("joint samples are not in time order")
    n = int(np.floor((times_s[-1] - times_s[0]) * fps + 1e-9)) + 1
    grid = times_s[0] + np.arange(n) / fps
    picks = np.searchsorted(times_s, grid + 1e-9, side="right") - 1
    return (
        np.asarray(states, dtype=np.float32)[picks],
        np.asarray(commands, dtype=np.float32)[picks],
    )
