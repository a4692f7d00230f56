"""Named cameras and their pictures: RGB, depth (m) and segmentation (body ids).

`overview` looks at the arm, the objects and the person from the front corner, so a
visitor sees the whole scene at once; `table` comes close to the work on the table (a
pour is easy to follow there); `wrist` looks along the gripper from just above the
wrist, what the arm "sees" while it grasps. Rendering uses PyBullet's TinyRenderer
(CPU), which needs no display, with a light from above and shadows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as p

from sim.scene import Scene

WIDTH = 640  # px
HEIGHT = 480
NEAR = 0.02  # m
FAR = 5.0  # m
OVERVIEW_FOV = 50.0  # deg, vertical
WRIST_FOV = 75.0
LIGHT_DIRECTION = (0.6, -0.4, 1.0)
OVERVIEW_EYE = np.array([0.85, -1.05, 0.70])  # m from the arm's base
OVERVIEW_TARGET = np.array([0.18, 0.15, 0.28])
TABLE_EYE = np.array([0.62, -0.42, 0.32])
TABLE_TARGET = np.array([0.22, 0.02, 0.06])
TABLE_FOV = 55.0
# The markers on the things face their -y side, the arm's right as it looks over the
# table: the side camera looks at the table from there, as a camera for perception would,
# wide enough to take in the tray or basket at the arm's right (chosen on seeds
# 40000-40009: every tea and care thing's tag found on 59 of 60 scenes).
SIDE_EYE = np.array([0.26, -0.58, 0.40])
SIDE_TARGET = np.array([0.18, -0.08, 0.0])
SIDE_FOV = 60.0
# The wrist camera sits on the gripper housing: behind and above the tool frame,
# looking forward along the gripper (gripper frame: x forward, z up at roll 0).
WRIST_EYE = np.array([-0.09, 0.01, 0.06])  # m, in the tool frame
WRIST_TARGET = np.array([0.10, 0.01, -0.02])


@dataclass(frozen=True)
class Picture:
    """rgb: (H, W, 3) uint8; depth: (H, W) float32 metres from the camera;
    segmentation: (H, W) int32 body id per pixel (-1 for background)."""

    rgb: np.ndarray
    depth: np.ndarray
    segmentation: np.ndarray


@dataclass(frozen=True)
class Camera:
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    fov_deg: float
    up: tuple[float, float, float] = (0.0, 0.0, 1.0)


CAMERA_NAMES = ("overview", "table", "wrist", "side")


def overview_camera(scene: Scene) -> Camera:
    """From the arm's right, in front and above: the arm, the objects and the person
    (who stands or sits on the far side) all in view."""
    base = np.array(
        p.getBasePositionAndOrientation(scene.arm.body_id, physicsClientId=scene.world.client)[0]
    )
    target = base + OVERVIEW_TARGET
    eye = base + OVERVIEW_EYE
    return Camera(tuple(eye), tuple(target), OVERVIEW_FOV)  # type: ignore[arg-type]


def table_camera(scene: Scene) -> Camera:
    """Close on the table: the gripper, the objects and the tea, big enough to follow."""
    base = np.array(
        p.getBasePositionAndOrientation(scene.arm.body_id, physicsClientId=scene.world.client)[0]
    )
    return Camera(tuple(base + TABLE_EYE), tuple(base + TABLE_TARGET), TABLE_FOV)  # type: ignore[arg-type]


def side_camera(scene: Scene) -> Camera:
    """From the arm's right, over the table: the side the things' markers face."""
    base = np.array(
        p.getBasePositionAndOrientation(scene.arm.body_id, physicsClientId=scene.world.client)[0]
    )
    return Camera(tuple(base + SIDE_EYE), tuple(base + SIDE_TARGET), SIDE_FOV)  # type: ignore[arg-type]


def wrist_camera(scene: Scene) -> Camera:
    pos, orn = scene.arm.tool_pose()
    rot = np.array(p.getMatrixFromQuaternion(orn)).reshape(3, 3)
    eye = np.asarray(pos) + rot @ WRIST_EYE
    target = np.asarray(pos) + rot @ WRIST_TARGET
    return Camera(tuple(eye), tuple(target), WRIST_FOV, up=tuple(rot[:, 2]))  # type: ignore[arg-type]


def camera(scene: Scene, name: str) -> Camera:
    if name == "overview":
        return overview_camera(scene)
    if name == "wrist":
        return wrist_camera(scene)
    if name == "table":
        return table_camera(scene)
    if name == "side":
        return side_camera(scene)
    raise KeyError(f"unknown camera {name!r}; cameras are {list(CAMERA_NAMES)}")


def render(
    scene: Scene,
    name: str = "overview",
    width: int = WIDTH,
    height: int = HEIGHT,
    *,
    shadow: bool = True,
) -> Picture:
    """Render camera `name` of `scene` now. shadow=False skips TinyRenderer's shadow
    pass, about 4x faster at 320x240 (datasets generated in bulk)."""
    cam = camera(scene, name)
    cid = scene.world.client
    if scene.decals is not None:
        scene.decals.place()
    view = p.computeViewMatrix(cam.eye, cam.target, cam.up, physicsClientId=cid)
    proj = p.computeProjectionMatrixFOV(cam.fov_deg, width / height, NEAR, FAR, physicsClientId=cid)
    _, _, rgba, depth_buffer, seg = p.getCameraImage(
        width,
        height,
        viewMatrix=view,
        projectionMatrix=proj,
        shadow=int(shadow),
        lightDirection=list(LIGHT_DIRECTION),
        renderer=p.ER_TINY_RENDERER,
        physicsClientId=cid,
    )
    rgb = np.asarray(rgba, dtype=np.uint8).reshape(height, width, 4)[:, :, :3]
    z = np.asarray(depth_buffer, dtype=np.float32).reshape(height, width)
    # OpenGL depth buffer (0..1, non-linear) to metres along the view axis.
    depth = np.clip(FAR * NEAR / (FAR - (FAR - NEAR) * z), NEAR, FAR)
    segmentation = np.asarray(seg, dtype=np.int32).reshape(height, width)
    # PyBullet packs the link index into the upper bits; keep the body id.
    segmentation = np.where(segmentation >= 0, segmentation & ((1 << 24) - 1), -1)
    return Picture(rgb=rgb, depth=depth.astype(np.float32), segmentation=segmentation)


def save_png(rgb: np.ndarray, path: str) -> None:
    from PIL import Image

    Image.fromarray(rgb).save(path)
