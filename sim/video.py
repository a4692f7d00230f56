"""Write a run's pictures as an animated GIF (Pillow, already a dependency of the stack's
rendering, so no video library is needed; GIF plays in every browser and chat).

    recorder = Recorder(scene, "overview", fps=10)
    world.add_step_hook(recorder.on_step)   # a frame every 1/fps of simulated time
    ...
    recorder.save("run.gif")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from sim.cameras import render
from sim.scene import Scene

DEFAULT_FPS = 10.0
GIF_WIDTH = 480  # px: small enough to share, big enough to see a cup
GIF_HEIGHT = 360


class FrameTap:
    """Renders camera `camera` every 1/fps of simulated time and hands each frame
    (H, W, 3 uint8 RGB) to `sink`. Install `on_step` as a world step hook, so frames
    are rendered in the thread that steps the physics (PyBullet is not thread-safe)."""

    def __init__(
        self,
        scene: Scene,
        sink: Callable[[np.ndarray], None],
        camera: str = "overview",
        fps: float = DEFAULT_FPS,
        width: int = GIF_WIDTH,
        height: int = GIF_HEIGHT,
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.scene = scene
        self.sink = sink
        self.camera = camera
        self.fps = fps
        self.size = (width, height)
        self._next_t = scene.world.sim_time_s

    def capture(self) -> None:
        """Render and hand over a frame now."""
        self.sink(render(self.scene, self.camera, *self.size).rgb)

    def on_step(self) -> None:
        """A world step hook: capture when the next frame is due."""
        if self.scene.world.sim_time_s + 1e-9 >= self._next_t:
            self.capture()
            self._next_t += 1.0 / self.fps


class Recorder(FrameTap):
    """Keeps every frame, to save them as a GIF."""

    def __init__(
        self,
        scene: Scene,
        camera: str = "overview",
        fps: float = DEFAULT_FPS,
        width: int = GIF_WIDTH,
        height: int = GIF_HEIGHT,
    ) -> None:
        self.frames: list[np.ndarray] = []
        super().__init__(scene, self.frames.append, camera, fps, width, height)

    def save(self, path: str | Path) -> Path:
        """Write the frames as a looping GIF at the recording's rate."""
        return write_gif(self.frames, path, self.fps)


def write_gif(frames: list[np.ndarray], path: str | Path, fps: float = DEFAULT_FPS) -> Path:
    """Write RGB frames (H, W, 3 uint8) to an animated GIF playing at `fps`."""
    if not frames:
        raise ValueError(f"no frames to write to {path}")
    out = Path(path)
    images = [Image.fromarray(f) for f in frames]
    images[0].save(
        out,
        save_all=True,
        append_images=images[1:],
        duration=round(1000.0 / fps),
        loop=0,
        optimize=True,
    )
    return out
