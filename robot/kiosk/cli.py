"""Serve the expo kiosk: the twin (or the real cell) paced to the wall clock, a page
with the robot's view, safe requests, the plan's progress, what the robot says, and a
big STOP button.

    robot kiosk launch/expo.toml          then open http://127.0.0.1:8080/
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
from dataclasses import dataclass

from core.errors import ConfigError
from core.msgs import CameraFrame
from robot.bus import Bus
from robot.kiosk.server import Kiosk
from robot.launch.cli import make_bus
from robot.launch.config import Launch, load_launch
from robot.launch.stack import Stack, build_stack
from robot.node import Node, run_nodes

log = logging.getLogger(__name__)

FRAME_FPS = 5.0
FRAME_SIZE = (480, 360)  # px


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("launch", help="a launch file with a [kiosk] section (launch/expo.toml)")
    parser.add_argument("--port", type=int, help="override [kiosk] port (0: any free port)")
    parser.add_argument("--gui", action="store_true", help="also show the PyBullet window")


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
    """The kiosk node of `launch`'s [kiosk] on `bus` (`port` overrides the file's),
    showing the camera frames on the bus: the twin's overview camera, or the camera
    perception looks through (the twin's on the hil path, a real one on a real cell)."""
    section = launch.kiosk
    if section is None:
        raise ConfigError(f"{launch.path}: no [kiosk] section")
    kiosk = Kiosk(
        bus,
        section.requests,
        host=section.host,
        port=section.port if port is None else port,
        token=section.token or None,
        title=section.title,
        hosts=section.hosts,
        scene=launch.scene.name,
    )
    kiosk.handle(CameraFrame, lambda frame: show_frame(kiosk, frame))
    return kiosk


_RAW_CAMERAS_SAID: set[str] = set()


def show_frame(kiosk: Kiosk, frame: CameraFrame) -> None:
    """Put a compressed frame on the page; raw ones are skipped, said once per camera."""
    if frame.encoding == "rgb8":
        if frame.camera not in _RAW_CAMERAS_SAID:
            _RAW_CAMERAS_SAID.add(frame.camera)
            log.warning(
                "kiosk: skipping raw (rgb8) frames of %r: the page shows JPEG or PNG",
                frame.camera,
            )
        return
    kiosk.set_frame(frame.data, f"image/{frame.encoding}")


def tap_camera(stack: Stack, bus: Bus) -> None:
    """Publish the twin's overview camera on `bus`, as JPEG at the kiosk's rate and size
    (a stack without a simulated scene in this process has no such camera: nothing
    happens; on the hil path the camera perception looks through feeds the page)."""
    if stack.scene is None or stack.add_step_hook is None:
        return
    from robot.camera_feed import CameraFeed

    width, height = FRAME_SIZE
    feed = CameraFeed(bus, stack.scene, fps=FRAME_FPS, width=width, height=height)
    stack.add_step_hook(feed.on_step)


def build_kiosk(launch: Launch, *, port: int | None = None, gui: bool = False) -> KioskRun:
    """The kiosk of `launch` on a stack paced to the wall clock, with camera frames."""
    if launch.kiosk is None:
        raise ConfigError(f"{launch.path}: no [kiosk] section")
    warn_without_cjk_font(launch.kiosk.requests)
    bus = make_bus(launch)
    try:
        stack = build_stack(launch, bus, gui=gui, realtime=True)
    except BaseException:
        bus.close()
        raise
    try:
        kiosk = make_kiosk(launch, bus, port)
    except BaseException:
        stack.close()
        bus.close()
        raise
    tap_camera(stack, bus)
    nodes: list[Node] = [kiosk]
    if launch.live is not None:  # the stand's live view in Foxglove (docs/live-view.md)
        from robot.live.setup import live_view

        # The page's camera frames are on the bus already: the view shows them too.
        nodes.append(live_view(launch, bus, stack, launch.live, feed_camera=False))
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
