"""AprilTag markers found in an image, and the things they are stuck on, located.

A `CameraModel` says how the camera projects (its intrinsics, OpenCV's pinhole with
distortion) and where it is in the cell's frame (the frame `WorldState` uses: the
arm's base on a real cell, the twin's world in simulation). `MarkerDetector.detect`
finds the catalogue's tags (OpenCV's detector for AprilTag 36h11) and solves each one's
pose from its four corners (IPPE for a square). A small tag has two poses that project
almost alike; the one that stands its thing more upright is kept.

`things_seen` turns the tags' poses into their things' poses with the catalogue's
`Marker` placements. A tag 20 px across is far along its ray only to a few centimetres;
where it is across the ray, to a fraction of a millimetre. So a thing whose tag puts it
near a support it may stand on (a table's top, a palm held out) is placed where its
tag's centre ray meets the height its tag must have there, turned about the vertical
as best matches the tag's corners; a thing in the air keeps its tag's own pose.

    markers = markers_of(scene_things)
    sightings = MarkerDetector(camera, markers).detect(rgb)
    seen = things_seen(sightings, markers, [table_top_z], camera)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.catalogue.markers import corners, tag_in_thing
from core.catalogue.types import Marker, Thing
from core.errors import ConfigError

DEPTH_TOLERANCE = 0.12
"""A thing stands on a support when its tag's own pose puts the tag this near (a fraction
of the distance) to where the ray through it meets the tag's height on that support:
a tag 20 px across is far along its ray to about 5 %."""
FULL_CONFIDENCE_PX = 30.0
"""A tag this many pixels across (or more) is located as well as the camera allows."""
WORST_REPROJECTION_PX = 2.0
"""A pose that misses its corners by this much (rms) has no confidence left."""
CELL_SAMPLES_PX = 8
"""Each of a tag's cells is read from this many pixels a side once the tag is unwarped
(OpenCV's default, 4, misread small tags seen at a slant: a pill box's lid across the
table was missed in 4 of 40 care scenes, none at 8; tuning seeds 40000-40039)."""


@dataclass(frozen=True)
class CameraModel:
    """matrix: 3x3 intrinsics (px); distortion: OpenCV's coefficients; pose: 4x4, the
    camera in the cell's frame (OpenCV's camera axes: x right, y down, z forward, m);
    width, height: px."""

    matrix: np.ndarray
    distortion: np.ndarray
    pose: np.ndarray
    width: int
    height: int

    @staticmethod
    def looking(
        eye: np.ndarray,
        target: np.ndarray,
        fov_y_deg: float,
        width: int,
        height: int,
    ) -> CameraModel:
        """An ideal pinhole at `eye` looking at `target` (m) with the cell's z up, `fov_y_deg`
        vertical field of view: what a rendering camera is."""
        up = np.array([0.0, 0.0, 1.0])
        forward = (target - eye) / np.linalg.norm(target - eye)
        right = np.cross(forward, up)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, down, forward, eye
        focal = (height / 2) / np.tan(np.radians(fov_y_deg) / 2)
        # Pixel centres at integers, as OpenCV counts them: the image centre is (w-1)/2.
        matrix = np.array([[focal, 0, (width - 1) / 2], [0, focal, (height - 1) / 2], [0, 0, 1]])
        return CameraModel(matrix, np.zeros(5), pose, width, height)


def load_camera_model(path: Path) -> CameraModel:
    """A camera's model from its JSON file (`save_camera_model`); ConfigError naming the
    file and the key for a file that is not one."""
    try:
        data = json.loads(path.read_text())
        model = CameraModel(
            np.array(data["matrix"], dtype=float).reshape(3, 3),
            np.array(data["distortion"], dtype=float).ravel(),
            np.array(data["pose"], dtype=float).reshape(4, 4),
            int(data["width"]),
            int(data["height"]),
        )
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the camera's model: {err.strerror}") from err
    except (ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"{path}: not a camera model ({type(err).__name__}: {err})") from err
    return model


def save_camera_model(model: CameraModel, path: Path) -> None:
    """Write `model` as JSON: `matrix` (3x3 px), `distortion` (OpenCV's), `pose` (4x4,
    the camera in the cell's frame, m), `width`, `height` (px)."""
    data = {
        "width": model.width,
        "height": model.height,
        "matrix": model.matrix.tolist(),
        "distortion": model.distortion.tolist(),
        "pose": model.pose.tolist(),
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


@dataclass(frozen=True)
class Sighting:
    """One tag found: its id, its pose in the cell's frame (4x4, m), how far from the
    camera (m), its size in the image (px, the mean side), how well the pose fits its
    corners (rms px), and a confidence 0..1 from those two."""

    marker_id: int
    pose: np.ndarray
    corners_px: np.ndarray
    """The tag's corners in the image (4x2, px), in `corners()` order."""
    distance_m: float
    side_px: float
    reprojection_px: float
    confidence: float


def tag_detector() -> cv2.aruco.ArucoDetector:
    """OpenCV's detector for AprilTag 36h11, corners refined to a fraction of a pixel."""
    family = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h11)
    parameters = cv2.aruco.DetectorParameters()
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    parameters.perspectiveRemovePixelPerCell = CELL_SAMPLES_PX
    return cv2.aruco.ArucoDetector(family, parameters)


def markers_of(things: dict[str, Thing]) -> dict[str, Marker]:
    """The markers of the things that carry one, by thing name."""
    return {name: t.marker for name, t in things.items() if t.marker is not None}


class MarkerDetector:
    """Finds the tags of `markers` in images from `camera`."""

    def __init__(self, camera: CameraModel, markers: dict[str, Marker]) -> None:
        self.camera = camera
        self._sizes = {m.id: m.size_m for m in markers.values()}
        self._detector = tag_detector()
        self._up_in_camera = camera.pose[:3, :3].T @ np.array([0.0, 0.0, 1.0])
        self._thing_up = {m.id: tag_in_thing(m)[:3, :3].T[:, 2] for m in markers.values()}
        """Each thing's up (its z) in its tag's frame."""

    def detect(self, image: np.ndarray) -> list[Sighting]:
        """The catalogue's tags in `image` (HxW grey or HxWx3 RGB, uint8)."""
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        found, ids, _ = self._detector.detectMarkers(grey)
        if ids is None:
            return []
        sightings = []
        for quad, marker_id in zip(found, ids.ravel(), strict=True):
            size = self._sizes.get(int(marker_id))
            if size is not None:
                sightings.append(self._locate(int(marker_id), quad.reshape(4, 2), size))
        return sightings

    def _locate(self, marker_id: int, quad: np.ndarray, size: float) -> Sighting:
        camera = self.camera
        _, rotations, translations, errors = cv2.solvePnPGeneric(
            corners(size),
            quad.astype(np.float64),
            camera.matrix,
            camera.distortion,
            flags=cv2.SOLVEPNP_IPPE_SQUARE,
        )
        uprightness = [
            float((cv2.Rodrigues(r)[0] @ self._thing_up[marker_id]) @ self._up_in_camera)
            for r in rotations
        ]
        best = int(np.argmax(uprightness))
        in_camera = np.eye(4)
        in_camera[:3, :3] = cv2.Rodrigues(rotations[best])[0]
        in_camera[:3, 3] = translations[best].ravel()
        side_px = float(np.mean(np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)))
        reprojection = float(np.ravel(errors)[best])
        confidence = min(1.0, side_px / FULL_CONFIDENCE_PX) * max(
            0.0, 1.0 - reprojection / WORST_REPROJECTION_PX
        )
        return Sighting(
            marker_id,
            camera.pose @ in_camera,
            quad,
            float(np.linalg.norm(in_camera[:3, 3])),
            side_px,
            reprojection,
            confidence,
        )


def things_seen(
    sightings: list[Sighting],
    markers: dict[str, Marker],
    supports_z: list[float],
    camera: CameraModel,
) -> dict[str, np.ndarray]:
    """Each seen thing's pose in the cell's frame (4x4, its reference point: the centre of
    its bottom), by thing name. `supports_z`: heights (m) of the horizontal surfaces
    things stand on."""
    by_id = {m.id: (name, m) for name, m in markers.items()}
    seen = {}
    for sighting in sightings:
        if sighting.marker_id not in by_id:
            continue
        name, marker = by_id[sighting.marker_id]
        support = _support(sighting, marker, supports_z, camera)
        if support is None:
            seen[name] = sighting.pose @ np.linalg.inv(tag_in_thing(marker))
        else:
            seen[name] = _standing(sighting, marker, support, camera)
    return seen


def _support(
    sighting: Sighting, marker: Marker, supports_z: list[float], camera: CameraModel
) -> float | None:
    """The support the thing stands on: the one where the tag's ray meets its height
    nearest to where the tag's own pose puts it, if near enough."""
    eye = camera.pose[:3, 3]
    ray = sighting.pose[:3, 3] - eye
    if ray[2] >= 0:
        return None  # looking up at it: not on any support below the camera
    tag_above = tag_in_thing(marker)[2, 3]
    scale = {z: (z + tag_above - eye[2]) / ray[2] for z in supports_z}
    best = min(scale, key=lambda z: abs(scale[z] - 1.0), default=None)
    return best if best is not None and abs(scale[best] - 1.0) <= DEPTH_TOLERANCE else None


def _standing(
    sighting: Sighting, marker: Marker, support_z: float, camera: CameraModel
) -> np.ndarray:
    """The pose of `marker`'s thing standing on a support at `support_z`: its tag's centre
    where the camera's ray through it meets the tag's height, and the turn about the
    vertical whose corners best match the image's (searched by degrees, then finer)."""
    in_thing = tag_in_thing(marker)
    eye = camera.pose[:3, 3]
    ray = sighting.pose[:3, 3] - eye
    centre = eye + ray * (support_z + in_thing[2, 3] - eye[2]) / ray[2]
    offsets = in_thing[:3, :3] @ corners(marker.size_m).T + in_thing[:3, 3:4]  # 3x4
    world_to_camera = np.linalg.inv(camera.pose)
    rvec = cv2.Rodrigues(world_to_camera[:3, :3])[0]

    def errors(yaws: np.ndarray) -> np.ndarray:
        c, s = np.cos(yaws), np.sin(yaws)
        turns = np.zeros((len(yaws), 3, 3))
        turns[:, 0, 0], turns[:, 0, 1], turns[:, 1, 0], turns[:, 1, 1] = c, -s, s, c
        turns[:, 2, 2] = 1.0
        # The thing's origin is the tag's centre less the turned offset of that centre.
        origins = centre - turns @ in_thing[:3, 3]
        points = origins[:, :, None] + turns @ offsets  # N x 3 x 4
        flat = points.transpose(0, 2, 1).reshape(-1, 3)
        pixels, _ = cv2.projectPoints(
            flat, rvec, world_to_camera[:3, 3], camera.matrix, camera.distortion
        )
        miss = pixels.reshape(len(yaws), 4, 2) - sighting.corners_px[None]
        return np.sqrt((miss**2).sum(axis=2).mean(axis=1))

    yaws = np.radians(np.arange(0.0, 360.0, 1.0))
    yaw = yaws[int(np.argmin(errors(yaws)))]
    fine = yaw + np.radians(np.arange(-1.0, 1.0, 0.02))
    yaw = fine[int(np.argmin(errors(fine)))]
    pose = np.eye(4)
    pose[:3, :3] = [[np.cos(yaw), -np.sin(yaw), 0], [np.sin(yaw), np.cos(yaw), 0], [0, 0, 1]]
    pose[:3, 3] = centre - pose[:3, :3] @ in_thing[:3, 3]
    return pose
