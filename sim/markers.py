"""The catalogue's fiducials drawn on the twin's things, as a camera would see them.

Each marker is a flat textured square: a body of its own with no mass and no collision,
so it plays no part in the physics, put where its thing is just before a camera renders
(`Decals.place`). PyBullet allows a body 16 visual shapes and a handled cup has 16
already, so the tag cannot be one of them; and between renders nobody looks at it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pybullet as p

from core.catalogue.markers import plate_size, tag_image, tag_in_thing
from core.catalogue.types import Marker
from sim.bodies import Body

PLATE_MESH = str(Path(__file__).with_name("assets") / "marker_plate.obj")
PIXELS_PER_CELL = 16
"""Texture resolution (a 36h11 tag with its margin is 10 cells)."""
STANDOFF_M = 0.0005
"""How far a decal stands off the face it is stuck on, so the face never shows through."""

_texture_folder: Path | None = None


def tag_texture(tag_id: int) -> str:
    """The path of a PNG of AprilTag 36h11 `tag_id` with its white margin, made once per
    process."""
    global _texture_folder
    if _texture_folder is None:
        _texture_folder = Path(tempfile.mkdtemp(prefix="robot-tags-"))
        atexit.register(shutil.rmtree, _texture_folder, ignore_errors=True)
    path = _texture_folder / f"tag36h11_{tag_id}.png"
    if not path.exists():
        from PIL import Image

        Image.fromarray(tag_image(tag_id, PIXELS_PER_CELL)).save(path)
    return str(path)


@dataclass(frozen=True)
class _Decal:
    body_id: int
    thing: Body
    in_thing: np.ndarray
    """The decal's pose in its thing's reference frame (4x4)."""


class Decals:
    """The markers of one world's things."""

    def __init__(self, client: int) -> None:
        self._client = client
        self._decals: list[_Decal] = []

    def stick(self, marker: Marker, thing: Body) -> None:
        """Draw `marker` on `thing` from now on."""
        side = plate_size(marker)
        shape = p.createVisualShape(
            p.GEOM_MESH,
            fileName=PLATE_MESH,
            meshScale=[side, side, 1.0],
            rgbaColor=[1.0, 1.0, 1.0, 1.0],
            physicsClientId=self._client,
        )
        body_id = p.createMultiBody(
            baseMass=0.0,
            baseCollisionShapeIndex=-1,
            baseVisualShapeIndex=shape,
            physicsClientId=self._client,
        )
        texture = p.loadTexture(tag_texture(marker.id), physicsClientId=self._client)
        p.changeVisualShape(body_id, -1, textureUniqueId=texture, physicsClientId=self._client)
        in_thing = tag_in_thing(marker)
        in_thing[:3, 3] += STANDOFF_M * in_thing[:3, 2]
        self._decals.append(_Decal(body_id, thing, in_thing))
        self.place()

    def place(self) -> None:
        """Put every decal where its thing is now."""
        for decal in self._decals:
            position, orientation = decal.thing.frame_pose()
            thing = np.eye(4)
            thing[:3, :3] = np.array(p.getMatrixFromQuaternion(orientation)).reshape(3, 3)
            thing[:3, 3] = position
            pose = thing @ decal.in_thing
            p.resetBasePositionAndOrientation(
                decal.body_id,
                pose[:3, 3].tolist(),
                quaternion(pose[:3, :3]),
                physicsClientId=self._client,
            )

    @property
    def body_ids(self) -> list[int]:
        return [d.body_id for d in self._decals]


def quaternion(rotation: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a rotation matrix (from its largest diagonal term, for accuracy)."""
    m = rotation
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = ((m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, s / 4)
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        ijk = [0.0, 0.0, 0.0]
        ijk[i] = s / 4
        ijk[j] = (m[j, i] + m[i, j]) / s
        ijk[k] = (m[k, i] + m[i, k]) / s
        q = (*ijk, (m[k, j] - m[j, k]) / s)
    x, y, z, w = (float(v) for v in q)
    return x, y, z, w
