"""Dataset rows and camera frames taken during `robot run --dataset DIR` (a sim launch).

The sim cerebellum steps the physics in its node's thread and publishes each
`JointState` with the `JointCommand` of the same tick (every 10th tick; commit a44987c)
from that thread, on the in-process bus, which delivers a message before the publisher
goes on. So a world step hook (run in that same thread) always finds the latest pair
complete in its mailboxes. `RunTap.on_step` takes a row every 1/fps of simulated time
(the latest pair: at most 10 ms old) and renders each camera; each `Instruction` the
operator sends starts a new episode, whose task is its text. Rendering only reads the
world.
"""

from __future__ import annotations

from pathlib import Path

from core.msgs import Instruction, JointCommand, JointState
from robot.bus import Bus
from robot.dataset import video
from robot.dataset.episode_frames import EpisodeFrames
from robot.dataset.take import EpisodeTake
from sim.scene import Scene


class RunTap:
    """Install `on_step` as a world step hook of the stack's scene; `write(out)` after
    the run. size: (width, height) px."""

    def __init__(
        self,
        bus: Bus,
        scene: Scene,
        parts: Path,
        *,
        fps: int = 15,
        size: tuple[int, int] = (320, 240),
        cameras: tuple[str, ...] = ("overview", "wrist"),
        codec: str = video.DEFAULT_CODEC,
    ) -> None:
        self.scene = scene
        self.parts = parts
        self.fps = fps
        self.size = size
        self.cameras = cameras
        self.codec = codec
        self._states = bus.subscribe(JointState)
        self._commands = bus.subscribe(JointCommand)
        self._instructions = bus.subscribe(Instruction)
        self._state: JointState | None = None
        self._command: JointCommand | None = None
        self._take: EpisodeTake | None = None
        """The episode being taken, whose task is `_task` (its request)."""
        self._task = ""
        self._done: list[EpisodeFrames] = []
        self._next_t = 0.0

    def on_step(self) -> None:
        if (instruction := self._instructions.poll()) is not None:
            self._close_episode()
            where = self.parts / f"episode-{len(self._done):06d}"
            self._take = EpisodeTake(where, self.cameras, self.fps, self.codec, self.size)
            self._task = instruction.text
            self._next_t = self.scene.world.sim_time_s
        self._state = self._states.poll() or self._state
        self._command = self._commands.poll() or self._command
        if self._take is None or self._state is None or self._command is None:
            return
        if self._state.stamp_ns != self._command.stamp_ns:
            return  # not a pair (cannot happen on the in-process bus; a guard)
        if self.scene.world.sim_time_s + 1e-9 < self._next_t:
            return
        self._next_t += 1.0 / self.fps
        self._take.add(self.scene, self._state, self._command)

    def _close_episode(self) -> None:
        if self._take is not None and (done := self._take.finish(self._task)) is not None:
            self._done.append(done)
        self._take = None

    def episodes(self) -> list[EpisodeFrames]:
        """Every episode taken, the last one closed."""
        self._close_episode()
        for sub in (self._states, self._commands, self._instructions):
            sub.close()
        return self._done

    def write(self, out: str | Path, joints: list[str], robot_type: str) -> int:
        """Write the episodes as a dataset at `out` (replacing it); returns how many."""
        import shutil

        from robot.dataset.writer import DatasetWriter

        episodes = self.episodes()
        if not episodes:
            return 0
        writer = DatasetWriter(
            out,
            fps=self.fps,
            joints=joints,
            cameras=dict.fromkeys(self.cameras, self.size),
            codec=self.codec,
            robot_type=robot_type,
            source="robot run --dataset",
            overwrite=True,
        )
        for episode in episodes:
            writer.add(episode)
        writer.finish()
        shutil.rmtree(self.parts, ignore_errors=True)
        return len(episodes)
