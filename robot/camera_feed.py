"""The twin's camera for people watching (the kiosk's page, the live view): JPEG
frames at a low rate, as `CameraFrame`s on the bus.

Rendering must happen in the thread that steps PyBullet (it is not thread-safe), so
`CameraFeed.on_step` is a world step hook, like sim/video.py's `FrameTap`. It renders
a frame when `fps` frames are due on the simulated clock and, so that a simulation
running ahead of the wall clock does not render more than a viewer can use, only when
1/`fps` s have passed on the wall clock as well. At 320x240 a frame costs a few
milliseconds of TinyRenderer and JPEG; at 5 Hz that is a small share of the physics
thread (measured in docs/live-view.md).
"""

from __future__ import annotations

import io
import logging
import time

from PIL import Image

from core.msgs import CameraFrame
from robot.bus import Bus
from sim.cameras import render
from sim.scene import Scene

log = logging.getLogger(__name__)

DEFAULT_FPS = 5.0
DEFAULT_WIDTH = 320  # px
DEFAULT_HEIGHT = 240
JPEG_QUALITY = 80


class CameraFeed:
    """Publishes camera `camera` of `scene` as JPEG `CameraFrame`s (module docstring)."""

    def __init__(
        self,
        bus: Bus,
        scene: Scene,
        camera: str = "overview",
        fps: float = DEFAULT_FPS,
        width: int = DEFAULT_WIDTH,
        height: int = DEFAULT_HEIGHT,
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.scene = scene
        self.camera = camera
        self.period_s = 1.0 / fps
        self.size = (width, height)
        self._pub = bus.publisher(CameraFrame)
        self._next_sim_s = scene.world.sim_time_s
        self._next_wall_s = time.monotonic()
        self.frames = 0
        self.failures = 0

    def on_step(self) -> None:
        """A world step hook: render and publish when a frame is due on both clocks."""
        now_sim = self.scene.world.sim_time_s
        if now_sim + 1e-9 < self._next_sim_s:
            return
        now_wall = time.monotonic()
        if now_wall < self._next_wall_s:
            return
        self._next_sim_s = now_sim + self.period_s
        self._next_wall_s = now_wall + self.period_s
        try:
            rgb = render(self.scene, self.camera, *self.size).rgb
            out = io.BytesIO()
            Image.fromarray(rgb).save(out, format="JPEG", quality=JPEG_QUALITY)
            width, height = self.size
            self._pub.publish(
                CameraFrame(
                    camera=self.camera,
                    width=width,
                    height=height,
                    encoding="jpeg",
                    data=out.getvalue(),
                    time_s=now_sim,
                )
            )
        except Exception:  # in the physics thread: a lost frame must not stop the world
            self.failures += 1
            if self.failures == 1:
                log.exception("the %s camera's frame failed; skipping such frames", self.camera)
            return
        self.frames += 1
