"""Serve the expo kiosk: the twin (or the real cell) paced to the wall clock, a page
with the robot's view, safe requests, the plan's progress, what the robot says, and a
big STOP button.

    robot kiosk launch/expo.toml          then open http://127.0.0.1:8080/
"""

from __future__ import annotations

import argparse
import io
import logging
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.errors import ConfigError
from robot.bus import Bus
from robot.kiosk.server import Kiosk
from robot.launch.cli import make_bus
from robot.launch.config import Launch, load_launch
from robot.launch.stack import Stack, build_stack
from robot.node import Node, run_nodes

log = logging.getLogger(__name__)

FRAME_FPS = 5.0
FRAME_SIZE = (480, 360)  # px
JPEG_QUALITY = 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("launch", help="a launch file with a [kiosk] section (launch/expo.toml)")
    parser.add_argument("--port", type=int, help="override [kiosk] port (0: any free port)")
    parser.add_argument("--gui", action="store_true", help="also show the PyBullet window")


def jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def frame_sink(show: Callable[[bytes], None]) -> Callable[[np.ndarray], None]:
    """Hands rendered frames to `show` as JPEG bytes. It runs in the physics thread, so
    a frame that fails to encode or show is logged and skipped: the page keeps the last
    one, and the physics (and with it the arm's control) goes on."""
    failures = 0

    def sink(rgb: np.ndarray) -> None:
        nonlocal failures
        try:
            show(jpeg(rgb))
        except Exception:
            failures += 1
            if failures == 1:
                log.exception("kiosk: a camera frame failed; skipping such frames")

    return sink


def cjk_fonts() -> list[str]:
    """The Chinese fonts fontconfig knows here ([] also when there is no fontconfig)."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return [line for line in listed.stdout.splitlines() if line.strip()]


def warn_without_cjk_font(requests: list[str]) -> None:
    """One line when the page's Chinese would show as boxes in a browser on this machine."""
    chinese = any("\u4e00" <= ch <= "\u9fff" for text in requests for ch in text)
    if chinese and shutil.which("fc-list") is not None and not cjk_fonts():
        log.warning(
            "no Chinese font on this machine: a browser here shows the Chinese requests as "
            "boxes; install one (Debian: apt install fonts-noto-cjk)"
        )


@dataclass
class KioskRun:
    """A kiosk and the stack behind it, created but not started: `nodes` in start order."""

    kiosk: Kiosk
    stack: Stack
    nodes: list[Node]
    bus: Bus

    def close(self) -> None:
        """The stack, then the bus (a Zenoh session left open keeps the process alive)."""
        try:
            self.stack.close()
        finally:
            self.bus.close()


def make_kiosk(launch: Launch, bus: Bus, port: int | None = None) -> Kiosk:
    """The kiosk node of `launch`'s [kiosk] on `bus` (`port` overrides the file's)."""
    section = launch.kiosk
    if section is None:
        raise ConfigError(f"{launch.path}: no [kiosk] section")
    return Kiosk(
        bus,
        section.requests,
        host=section.host,
        port=section.port if port is None else port,
        token=section.token or None,
        title=section.title,
        hosts=section.hosts,
        scene=launch.scene.name,
    )


def tap_camera(stack: Stack, show: Callable[[bytes], None]) -> None:
    """Hand the twin's overview camera, as JPEG at the kiosk's rate and size, to `show`
    (a stack without a simulated scene has no camera here: nothing happens)."""
    if stack.scene is None or stack.add_step_hook is None:
        return
    from sim.video import FrameTap

    width, height = FRAME_SIZE
    tap = FrameTap(stack.scene, frame_sink(show), fps=FRAME_FPS, width=width, height=height)
    stack.add_step_hook(tap.on_step)


def build_kiosk(launch: Launch, *, port: int | None = None, gui: bool = False) -> KioskRun:
    """The kiosk of `launch` on a stack paced to the wall clock, with camera frames."""
    if launch.kiosk is None:
        raise ConfigError(f"{launch.path}: no [kiosk] section")
    warn_without_cjk_font(launch.kiosk.requests)
    bus = make_bus(launch)
    try:
        preview_hz = launch.live.camera_hz if launch.live is not None else 0.0
        stack = build_stack(launch, bus, gui=gui, realtime=True, preview_hz=preview_hz)
    except BaseException:
        bus.close()
        raise
    try:
        kiosk = make_kiosk(launch, bus, port)
    except BaseException:
        stack.close()
        bus.close()
        raise
    tap_camera(stack, lambda image: kiosk.set_frame(image, "image/jpeg"))
    nodes: list[Node] = [kiosk]
    if launch.live is not None:  # the stand's live view in Foxglove (docs/live-view.md)
        from robot.live.setup import live_view

        nodes.append(live_view(launch, bus, stack, launch.live))
    return KioskRun(kiosk, stack, [*nodes, *stack.nodes], bus)


def run(args: argparse.Namespace) -> int:
    served = build_kiosk(load_launch(args.launch), port=args.port, gui=args.gui)
    announced: list[bool] = []

    def announce() -> bool:
        if served.kiosk.serving.is_set() and not announced:
            announced.append(True)
            print(f"kiosk: {served.kiosk.url}  (Ctrl-C to stop)", flush=True)
        return False

    try:
        run_nodes(served.nodes, until=announce)
    finally:
        served.close()
    return 0
