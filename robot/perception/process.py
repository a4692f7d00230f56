"""Frames grabbed and searched for markers in a process of their own.

A frame takes 10 ms to search and, from the twin, 250 ms to render; neither the loop nor
the brain may wait on that. So a child process (`PerceptionProcess`) grabs a frame,
finds its tags, locates their things and sends what it saw (`Seen`) to the parent,
as fast as it can, and the parent takes the newest when it looks (`poll`, never
blocking). Two sources of frames go through the same detector:

- `camera = "twin"`: the twin's side camera. The child builds its own copy of the scene
  (the same scene and seed), poses it as the twin is each time the parent sends a
  snapshot of it (`send_snapshot`: the things' poses and the arm's joints), and renders
  that copy: the twin's physics never stops for a camera. Only the pixels reach the
  detector; the snapshot only places the copy's bodies, as the world places a real
  camera's subjects.
- a device path or number (`/dev/video0`, `0`): a camera through OpenCV, whose model
  (intrinsics and pose, `robot camera calibrate` / `locate`) the launch file names.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from core.catalogue import SceneDescription, load_scene
from core.catalogue.types import HANDOVER_ABOVE_PALM_M
from core.errors import RobotError
from core.msgs import PersonState, WorldState
from core.processes import ignore_interrupts, reap, spawn_context
from core.scenes import surface_state
from robot.perception.markers import CameraModel, MarkerDetector, markers_of, things_seen

log = logging.getLogger(__name__)

TWIN = "twin"
START_TIMEOUT_S = 60.0
"""Spawning an interpreter, importing PyBullet and OpenCV, building the scene's copy."""
STOP_TIMEOUT_S = 2.0
IDLE_S = 0.01
"""How long the twin's camera waits for its first snapshot between looks (s)."""
PREVIEW_SIZE = (320, 240)
"""Width, height (px) of the preview frames: enough to watch, small on the bus."""
PREVIEW_QUALITY = 80


class PerceptionError(RobotError):
    """The perception process failed to start or died; the message says why."""


@dataclass(frozen=True)
class CameraSpec:
    """What the child opens: `source` ("twin", or an OpenCV device), the scene whose
    markers it looks for (and, for the twin, builds), and the camera's model (None: the
    twin's side camera as rendered)."""

    source: str
    scene: str
    seed: int = 0
    profile: str = "so101"
    model: CameraModel | None = None
    preview_hz: float = 0.0
    """How often a searched frame also comes back as a small JPEG (`Seen.preview`), for
    the live view (robot/live); 0: never, the frames stay in the child."""


@dataclass(frozen=True)
class Seen:
    """What one frame showed: each found thing's pose in the cell's frame (4x4) and
    confidence 0..1, and when the frame was taken (`time.monotonic_ns`)."""

    stamp_ns: int
    poses: dict[str, np.ndarray]
    confidence: dict[str, float]
    frame_s: float
    """How long grabbing and searching the frame took (s)."""
    preview: bytes | None = None
    """The frame as a JPEG of `PREVIEW_SIZE`, when a preview was due (`preview_hz`)."""


class PerceptionProcess:
    """The parent's handle on the child (see the module doc)."""

    def __init__(self, spec: CameraSpec) -> None:
        self.spec = spec
        ctx = spawn_context()
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(
            target=_serve, args=(spec, child), name="perception", daemon=True
        )
        self._process.start()
        child.close()
        if not self._conn.poll(START_TIMEOUT_S):
            self.close()
            raise PerceptionError(f"camera {spec.source!r}: no word within {START_TIMEOUT_S} s")
        said = self._conn.recv()
        if said != "ok":
            self.close()
            raise PerceptionError(f"camera {spec.source!r} could not start: {said}")

    def send_snapshot(self, world: WorldState, joints: np.ndarray) -> None:
        """Pose the twin's copy as the twin is now (the twin's camera only)."""
        self._conn.send(("snapshot", world, np.asarray(joints, dtype=float)))

    def poll(self) -> Seen | None:
        """The newest frame's findings since the last poll, or None."""
        newest = None
        try:
            while self._conn.poll():
                said = self._conn.recv()
                if isinstance(said, str):
                    raise PerceptionError(f"camera {self.spec.source!r}: {said}")
                newest = said
        except (EOFError, OSError) as err:
            raise PerceptionError(f"camera {self.spec.source!r}: the process ended") from err
        return newest

    def close(self) -> None:
        """End the child; safe twice."""
        if self._conn.closed:
            return
        with contextlib.suppress(OSError):
            self._conn.send(("stop",))
        reap(self._process, STOP_TIMEOUT_S)
        self._conn.close()


# -- the child --------------------------------------------------------------------------


class _TwinCamera:
    """The twin's side camera, rendering a copy of the scene posed from snapshots."""

    def __init__(self, spec: CameraSpec) -> None:
        import pybullet as p

        from sim.scenes import build_scene
        from sim.world import World

        self._world = World()
        self.scene = build_scene(self._world, spec.scene, seed=spec.seed, profile=spec.profile)
        # The copy never steps: its tea would hang where the pot first stood.
        for particle in list(self.scene.liquid.particles):
            p.removeBody(particle, physicsClientId=self._world.client)
        self.model = spec.model or twin_camera_model(self.scene)
        self.posed = False

    def pose(self, world: WorldState, joints: np.ndarray) -> None:
        for name, state in world.objects.items():
            thing = self.scene.objects.get(name)
            if thing is not None:
                thing.body.set_frame_pose(state.position, state.orientation)
        self.scene.arm.reset_pose(joints)
        self.posed = True

    def grab(self) -> np.ndarray | None:
        from sim.cameras import HEIGHT, WIDTH, render

        if not self.posed:
            return None
        return render(self.scene, "side", WIDTH, HEIGHT).rgb

    def close(self) -> None:
        self._world.close()


class _DeviceCamera:
    """A camera OpenCV opens, at its model's resolution."""

    def __init__(self, spec: CameraSpec) -> None:
        import cv2

        if spec.model is None:
            raise PerceptionError(
                f"camera {spec.source!r} needs its model: `robot camera calibrate` and "
                "`robot camera locate` write it, `[camera] model` names it"
            )
        self.model = spec.model
        self._source = spec.source
        self._capture = open_camera(spec.source)
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.model.width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.model.height)

    def pose(self, world: WorldState, joints: np.ndarray) -> None:
        pass  # the world poses a real camera's subjects itself

    def grab(self) -> np.ndarray | None:
        frame = read_rgb(self._capture, self._source)
        if frame.shape[1] != self.model.width or frame.shape[0] != self.model.height:
            raise PerceptionError(
                f"camera gives {frame.shape[1]}x{frame.shape[0]}, its model is for "
                f"{self.model.width}x{self.model.height}: calibrate at that size"
            )
        return frame

    def close(self) -> None:
        self._capture.release()


def twin_camera_model(scene: Any) -> CameraModel:
    """The model of the twin's side camera over `scene` (a `sim.scene.Scene`), as it
    renders: an ideal pinhole, 640x480."""
    from sim.cameras import HEIGHT, WIDTH, camera

    view = camera(scene, "side")
    return CameraModel.looking(
        np.array(view.eye), np.array(view.target), view.fov_deg, WIDTH, HEIGHT
    )


def open_camera(source: str) -> Any:
    """The OpenCV capture of `source` (a device number or path), opened."""
    import cv2

    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not capture.isOpened():
        raise PerceptionError(f"camera {source!r} does not open")
    return capture


def read_rgb(capture: Any, source: str) -> np.ndarray:
    """The next frame of `capture` (opened on `source`), RGB."""
    import cv2

    ok, frame = capture.read()
    if not ok:
        raise PerceptionError(f"camera {source!r}: no frame")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def _serve(spec: CameraSpec, conn: Connection) -> None:
    ignore_interrupts()
    try:
        camera = _TwinCamera(spec) if spec.source == TWIN else _DeviceCamera(spec)
        things = load_scene(spec.scene)
        markers = markers_of(things.things)
        supports = supports_of(things)
        detector = MarkerDetector(camera.model, markers)
    except Exception as err:  # reported to the parent, which raises it
        conn.send(f"{type(err).__name__}: {err}")
        return
    conn.send("ok")
    next_preview = time.monotonic()
    try:
        while True:
            while conn.poll():
                said = conn.recv()
                if said[0] == "stop":
                    return
                camera.pose(said[1], said[2])
            started = time.monotonic_ns()
            frame = camera.grab()
            if frame is None:
                time.sleep(IDLE_S)
                continue
            sightings = detector.detect(frame)
            poses = things_seen(sightings, markers, supports, camera.model)
            confidence = {
                name: next(s.confidence for s in sightings if s.marker_id == markers[name].id)
                for name in poses
            }
            took = (time.monotonic_ns() - started) / 1e9
            preview = None
            if spec.preview_hz > 0 and time.monotonic() >= next_preview:
                # After the search, outside `took`: a preview never delays a sighting.
                next_preview = time.monotonic() + 1.0 / spec.preview_hz
                preview = jpeg_preview(frame)
            conn.send(Seen(started, poses, confidence, took, preview))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone
    except Exception as err:
        with contextlib.suppress(OSError):
            conn.send(f"{type(err).__name__}: {err}")
    finally:
        camera.close()


def jpeg_preview(rgb: np.ndarray) -> bytes:
    """An RGB frame as a JPEG of `PREVIEW_SIZE`."""
    import cv2

    small = cv2.resize(rgb, PREVIEW_SIZE, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_QUALITY]
    )
    if not ok:
        raise PerceptionError("could not encode a preview frame")
    return data.tobytes()


def scene_layout(description: SceneDescription) -> WorldState:
    """What does not move in a scene, from its file: the fixtures' surfaces (their tops'
    centres) and where each person takes things (`handover_m`). A real cell's comes
    from its taught world file instead (robot/cell/teach.py)."""
    surfaces = {}
    for placed in description.file.fixtures:
        surface = description.things[placed.name].surface
        if surface is not None:
            surfaces[placed.name] = surface_state(surface, placed.position_m)
    persons = {
        placed.name: PersonState(position=placed.handover_m)
        for placed in description.file.persons
        if placed.handover_m is not None
    }
    return WorldState(scene=description.name, persons=persons, surfaces=surfaces)


def supports_of(description: SceneDescription) -> list[float]:
    """Heights (m) of where things stand: the scene's fixed surfaces' tops, and the
    palms its persons hold out."""
    layout = scene_layout(description)
    palms = [p.position[2] - HANDOVER_ABOVE_PALM_M for p in layout.persons.values()]
    return [s.position[2] for s in layout.surfaces.values()] + palms
