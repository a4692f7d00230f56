"""One episode as it is taken: a row (the measured joints and the command of the same
tick) and a frame per camera at a time, the frames encoded as they come. Shared by
`robot dataset generate` (`generate.FrameTap`) and `robot run --dataset`
(`run_tap.RunTap`), which differ only in where the pairs come from and when an episode
starts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.msgs import JointCommand, JointState
from robot.dataset import stats, video
from robot.dataset.episode_frames import EpisodeFrames
from sim.cameras import render
from sim.scene import Scene

STATS_STRIDE = 4
"""Pixel stride of the copies kept for image stats (320x240 -> 80x60)."""


class EpisodeTake:
    """Rows and camera videos of one episode, its parts under `parts`. size: (width,
    height) px; shadows: render them (slow, docs/datasets.md); keep_frames: keep every
    rendered frame by camera in `kept` (tests compare the video)."""

    def __init__(
        self,
        parts: Path,
        cameras: tuple[str, ...],
        fps: int,
        codec: str,
        size: tuple[int, int],
        *,
        shadows: bool = False,
        keep_frames: bool = False,
    ) -> None:
        self.size = size
        self.shadows = shadows
        self.states: list[tuple[float, ...]] = []
        self.actions: list[tuple[float, ...]] = []
        self.writers = {c: video.VideoWriter(parts / f"{c}.mp4", fps, codec) for c in cameras}
        self.small: dict[str, list[np.ndarray]] = {c: [] for c in cameras}
        self.kept: dict[str, list[np.ndarray]] | None = (
            {c: [] for c in cameras} if keep_frames else None
        )

    def add(self, scene: Scene, state: JointState, command: JointCommand) -> None:
        """One row: `state` and `command` (a pair of one tick), each camera rendered now."""
        self.states.append(state.position)
        self.actions.append(command.position)
        for camera, writer in self.writers.items():
            rgb = render(scene, camera, *self.size, shadow=self.shadows).rgb
            writer.add(rgb)
            if self.kept is not None:
                self.kept[camera].append(rgb)
            self.small[camera].append(rgb[::STATS_STRIDE, ::STATS_STRIDE].copy())

    def finish(self, task: str, meta: dict[str, object] | None = None) -> EpisodeFrames | None:
        """The episode, its videos closed; None (the videos removed) when no row was
        taken."""
        if not self.states:
            for writer in self.writers.values():
                writer.discard()
            return None
        return EpisodeFrames(
            states=np.asarray(self.states, dtype=np.float32),
            actions=np.asarray(self.actions, dtype=np.float32),
            task=task,
            videos={c: w.close() for c, w in self.writers.items()},
            image_stats={c: stats.image_stats(f, stride=1) for c, f in self.small.items()},
            meta=meta or {},
        )
