"""The live view and the recorder's Foxglove channels, wired from a launch file."""

from __future__ import annotations

import time

from core.catalogue import load_scene
from core.profile import load_profile
from robot.bus import Bus
from robot.cerebellum.arm_model import BasePose
from robot.launch.config import Launch, LiveSection
from robot.launch.stack import Stack
from robot.live.foxglove_messages import FoxgloveConverter, thing_shapes
from robot.live.server import LiveView
from robot.live.urdf_frames import UrdfFrames
from robot.web_access import WebAccess


def converter_for(launch: Launch, base: BasePose | None) -> FoxgloveConverter:
    """The conversion for `launch`'s arm standing at `base` (the origin when None), its
    things drawn by their catalogue shapes, stamps moved onto the wall clock."""
    profile = load_profile(launch.robot.profile)
    frames = UrdfFrames.from_file(profile.urdf_path, profile.joint_names)
    shapes = thing_shapes(load_scene(launch.scene.name).things)
    return FoxgloveConverter(
        frames, base or BasePose(), shapes, time.time_ns() - time.monotonic_ns()
    )


def live_view(
    launch: Launch,
    bus: Bus,
    stack: Stack,
    section: LiveSection | None,
    *,
    feed_camera: bool = True,
) -> LiveView:
    """The live view of `section` (defaults when None) on `bus`, showing every
    `CameraFrame` on it. In a simulation with `camera_hz` > 0 and `feed_camera` (False
    when another feeds it, the kiosk), it also installs the twin camera's feed
    (robot/camera_feed.py); a perceiving camera's frames are on the bus already."""
    section = section or LiveSection()
    access = WebAccess.of(
        section.hosts,
        token=section.token,
        origins=section.origins,
        key="[live] hosts",
        what="live view",
    )
    view = LiveView(
        bus,
        converter_for(launch, stack.base),
        host=section.host,
        port=section.port,
        access=access,
        rate_hz=section.rate_hz,
    )
    twin = stack.scene is not None and stack.add_step_hook is not None
    if feed_camera and section.camera_hz > 0 and twin:
        from robot.camera_feed import CameraFeed

        stack.add_step_hook(CameraFeed(bus, stack.scene, fps=section.camera_hz).on_step)
    return view
