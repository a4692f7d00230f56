"""The catalogue's fiducials drawn on the twin's things, as a camera would see them.

Each marker is a flat textured square: a body of its own with no mass and no collision,
so it plays no part in the physics, put where its thing is just before a camera renders
(`Decals.place`). PyBullet allows a body 16 visual shapes and a handled cup has 16
already, so the tag cannot be one of them; and between renders nobody looks at it.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pybullet as p

from core.catalogue.markers import plate_size, tag_image, tag_in_thing
from core.catalogue.types import Marker
from core.pose import quat_from_matrix
from sim.bodies import Body

PLATE_MESH = str(Path(__file__).with_name("assets") / "marker_plate.obj")
PIXELS_PER_CELL = 16
"""Texture resolution (a 36h11 tag with its margin is 10 cells)."""
STANDOFF_M = 0.0005
"""How far a decal stands off the face it is stuck on, so the face never shows through."""


@functools.cache
def tag_texture(tag_id: int) -> str:
    """The path of a PNG of AprilTag 36h11 `tag_id` with its white margin, made once per
    process (PyBullet loads textures from files only)."""
    from PIL import Image

    path = _texture_folder() / f"tag36h11_{tag_id}.png"
    Image.fromarray(tag_image(tag_id, PIXELS_PER_CELL)).save(path)
    return str(path)


@functools.cache
def _texture_folder() -> Path:
    """A folder of this process's own, removed when it exits."""
    folder = Path(tempfile.mkdtemp(prefix="robot-tags-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


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
                quat_from_matrix(pose[:3, :3]),
                physicsClientId=self._client,
            )

    @property
    def body_ids(self) -> list[int]:
        return [d.body_id for d in self._decals]
