"""Generate dataset episodes on the twin, in parallel processes.

Episode k of a run is family `families[k % len(families)]`, that family's request
(k // len(families)) mod its number, on scene seed `seed_start + k`; it runs as the
episodes benchmark runs one (`robot.launch.episode.run_episode`: the cerebellum's
MotionCore and skills on the simulated clock, replanned by the brain's planner on a
failure). While it runs, `FrameTap` takes one row every 1/fps of simulated time: the
joint state and the command the motion core sent in the same tick (its `on_state`),
and a frame of each camera, rendered after the physics step that reached the row's
time (at most one physics step, 1/240 s, late). Rendering only reads the world, so the
physics is the same as without it. Frames are encoded to an MP4 per episode and
camera by the process that rendered them; the writer then joins them.

Every process loads the planner once and plans each family's requests once (a plan
does not depend on the seed).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from core.errors import ConfigError
from core.msgs import JointCommand, JointState, Plan
from core.processes import spawn_context
from robot.brain.replan import DEFAULT_MAX_REPLANS
from robot.cerebellum.lockstep import Lockstep
from robot.dataset import video
from robot.dataset.episode_frames import EpisodeFrames
from robot.dataset.take import EpisodeTake
from robot.dataset.writer import DatasetWriter
from robot.launch.families import FAMILIES, Family, fixed_plan
from sim.cameras import CAMERA_NAMES
from sim.scene import Scene

DEFAULT_FPS = 15
DEFAULT_SIZE = (320, 240)
DEFAULT_CAMERAS = ("overview", "wrist")


@dataclass(frozen=True)
class GenerateConfig:
    """What to generate. size: (width, height) px of every camera."""

    families: tuple[str, ...]
    episodes: int
    seed_start: int = 0
    fps: int = DEFAULT_FPS
    size: tuple[int, int] = DEFAULT_SIZE
    cameras: tuple[str, ...] = DEFAULT_CAMERAS
    codec: str = video.DEFAULT_CODEC
    max_replans: int = DEFAULT_MAX_REPLANS
    profile: str = "so101"
    shadows: bool = False
    """Render shadows (about 4x the rendering time at 320x240)."""

    def __post_init__(self) -> None:
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown or not self.families:
            raise ConfigError(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
        if self.episodes < 1:
            raise ConfigError(f"--episodes must be at least 1, got {self.episodes}")
        unknown_cameras = [c for c in self.cameras if c not in CAMERA_NAMES]
        if unknown_cameras or not self.cameras:
            raise ConfigError(
                f"unknown cameras {unknown_cameras}; choose from {', '.join(CAMERA_NAMES)}"
            )
        if any(v % 2 for v in self.size):
            raise ConfigError(f"frame size {self.size} must be even (yuv420p video)")

    def job(self, k: int) -> Job:
        name = self.families[k % len(self.families)]
        request = (k // len(self.families)) % len(FAMILIES[name].requests)
        return Job(k, name, request, self.seed_start + k)


@dataclass(frozen=True)
class Job:
    episode: int
    family: str
    request: int
    seed: int


@dataclass
class Generated:
    """One generated episode and what it cost: sim_time_s simulated, wall_time_s on
    the wall clock of its process, cpu_time_s of its process's CPU (what a loaded
    machine does not inflate)."""

    job: Job
    frames: EpisodeFrames
    success: bool
    sim_time_s: float
    wall_time_s: float
    cpu_time_s: float


class FrameTap:
    """Takes a dataset row every 1/fps of simulated time during an episode (see the
    module docstring). Install with `on_start` (run_episode's hook)."""

    def __init__(self, config: GenerateConfig, parts: Path, *, keep_frames: bool = False) -> None:
        self.config = config
        self.parts = parts
        self.take = EpisodeTake(
            parts,
            config.cameras,
            config.fps,
            config.codec,
            config.size,
            shadows=config.shadows,
            keep_frames=keep_frames,
        )
        self._latest: tuple[JointState, JointCommand] | None = None
        self._scene: Scene | None = None
        self._next_t = 0.0

    @property
    def kept(self) -> dict[str, list[np.ndarray]] | None:
        """Every rendered frame by camera, with keep_frames (tests compare the video)."""
        return self.take.kept

    def on_start(self, scene: Scene, lockstep: Lockstep) -> None:
        self._scene = scene
        core = lockstep.core
        # Every tick's pair (not every 10th), so a row's state is at most one tick old.
        core.state_every = 1
        core.on_state = self._on_state
        self._next_t = scene.world.sim_time_s
        scene.world.add_step_hook(self._on_step)

    def _on_state(self, state: JointState, command: JointCommand) -> None:
        self._latest = (state, command)

    def _on_step(self) -> None:
        scene = self._scene
        assert scene is not None
        if self._latest is None or scene.world.sim_time_s + 1e-9 < self._next_t:
            return
        self._next_t += 1.0 / self.config.fps
        self.take.add(scene, *self._latest)

    def finish(self, task: str, meta: dict[str, object]) -> EpisodeFrames:
        frames = self.take.finish(task, meta)
        if frames is None:
            raise ValueError(f"no frames were written to {self.parts}")
        return frames


# -- the worker processes ----------------------------------------------------------

_planner = None
_plans: dict[str, list[Plan]] = {}


def _start_worker(config: GenerateConfig) -> None:
    """Load the planner and plan each family's requests once, in this process."""
    global _planner
    from core.scenes import scene_spec

    if any(FAMILIES[f].instructions for f in config.families):
        from robot.brain.planner import Planner

        # One thread: the processes already use every core between them.
        _planner = Planner(threads=1)
    for name in config.families:
        family = FAMILIES[name]
        plans = []
        if family.instructions:
            spec = scene_spec(family.scene)
            plans += [_planner.plan(spec, text).plan for text in family.instructions]
        plans += [fixed_plan(text) for text in family.plans]
        _plans[name] = plans


def _task(family: Family, request: int) -> str:
    """The episode's task: the request as the user said it (a fixed plan's text for a
    family the planner was not trained on)."""
    return family.requests[request]


def run_job(config: GenerateConfig, job: Job, parts_root: Path) -> Generated:
    """Run one episode with its frame tap (in a worker, after `_start_worker`)."""
    from robot.launch.episode import run_episode

    if not _plans:
        _start_worker(config)
    family = FAMILIES[job.family]
    parts = parts_root / f"episode-{job.episode:06d}"
    tap = FrameTap(config, parts)
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = run_episode(
        family.scene,
        job.seed,
        _plans[job.family][job.request],
        planner=_planner,
        max_replans=config.max_replans,
        profile=config.profile,
        on_start=tap.on_start,
    )
    meta = {
        "family": job.family,
        "scene": family.scene,
        "seed": job.seed,
        "success": result.success,
    }
    frames = tap.finish(_task(family, job.request), meta)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return Generated(job, frames, result.success, result.sim_time_s, wall, cpu)


def _run_in_worker(args: tuple[GenerateConfig, Job, Path]) -> Generated:
    return run_job(*args)


def _init_worker(config: GenerateConfig) -> None:
    _start_worker(config)


@dataclass
class GenerateReport:
    """What a generation took. processes: how many ran at once."""

    episodes: int
    successes: int
    processes: int
    frames: int
    sim_time_s: float
    wall_time_s: float
    cpu_time_s: float = 0.0
    """CPU time of the episodes in their processes (s), summed."""
    episode_wall_s: list[float] = field(default_factory=list)

    @property
    def episodes_per_hour_per_core(self) -> float:
        return self.episodes / (self.wall_time_s / 3600.0) / self.processes

    @property
    def real_time_factor_per_core(self) -> float:
        """Simulated seconds per wall second, per process (1.0: real time)."""
        return self.sim_time_s / self.wall_time_s / self.processes

    @property
    def real_time_factor_per_cpu(self) -> float:
        """Simulated seconds per CPU second of the episodes' processes: the same figure
        on a machine whose cores other work shares."""
        return self.sim_time_s / self.cpu_time_s if self.cpu_time_s else 0.0


def _results(config: GenerateConfig, parts: Path, processes: int) -> Iterator[Generated]:
    jobs = [(config, config.job(k), parts) for k in range(config.episodes)]
    if processes <= 1:
        _start_worker(config)
        yield from map(_run_in_worker, jobs)
        return
    with spawn_context().Pool(processes, initializer=_init_worker, initargs=(config,)) as pool:
        yield from pool.imap_unordered(_run_in_worker, jobs)


def generate(
    config: GenerateConfig,
    out: str | Path,
    *,
    processes: int = 1,
    overwrite: bool = False,
    keep_parts: bool = False,
    progress: bool = True,
) -> GenerateReport:
    """Generate `config.episodes` episodes into a dataset at `out`."""
    video.check_codec(config.codec)
    from core.profile import load_profile

    joints = [j.name for j in load_profile(config.profile).joints]
    writer = DatasetWriter(
        out,
        fps=config.fps,
        joints=joints,
        cameras=dict.fromkeys(config.cameras, config.size),
        codec=config.codec,
        robot_type=config.profile,
        source="robot dataset generate",
        overwrite=overwrite,
    )
    parts = Path(out).with_name(Path(out).name + ".parts")
    shutil.rmtree(parts, ignore_errors=True)
    start = time.perf_counter()
    done: list[Generated] = []
    bar = tqdm(
        total=config.episodes, desc="episodes", unit="ep", file=sys.stderr, disable=not progress
    )
    for generated in _results(config, parts, processes):
        done.append(generated)
        bar.update()
        bar.set_postfix(ok=sum(g.success for g in done))
    bar.close()
    wall = time.perf_counter() - start
    for generated in sorted(done, key=lambda g: g.job.episode):
        writer.add(generated.frames)
    writer.finish()
    if not keep_parts:
        shutil.rmtree(parts, ignore_errors=True)
    return GenerateReport(
        episodes=len(done),
        successes=sum(g.success for g in done),
        processes=max(1, processes),
        frames=sum(g.frames.length for g in done),
        sim_time_s=sum(g.sim_time_s for g in done),
        wall_time_s=wall,
        cpu_time_s=sum(g.cpu_time_s for g in done),
        episode_wall_s=[g.wall_time_s for g in done],
    )
