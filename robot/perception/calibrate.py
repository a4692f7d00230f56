"""A camera's model from pictures: intrinsics from a ChArUco board, pose from a marker.

Intrinsics: a ChArUco board (a chessboard whose white squares hold ArUco markers, so a
board seen in part still gives named corners) is shown to the camera in a dozen or more
poses; OpenCV's calibration finds the focal lengths, the principal point and the lens
distortion that best explain every corner seen. The board's markers are of the 5x5
family, so none is ever taken for a thing's AprilTag (36h11).

Pose: a marker of known size lies flat on the table at a known place in the cell's frame
(`TableMarker`); one picture of it gives the camera's pose in that frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from core.catalogue.markers import corners
from core.errors import RobotError
from robot.perception.markers import CameraModel, tag_detector

BOARD_SQUARES = (7, 5)
"""Squares across and down the board."""
BOARD_SQUARE_M = 0.030
BOARD_MARKER_M = 0.022
BOARD_FAMILY = cv2.aruco.DICT_5X5_100
MIN_CORNERS = 6
"""Fewer corners of the board in a picture say too little of its pose to use."""
MIN_VIEWS = 5
"""Pictures of the board, at the least, for a calibration worth having."""
TABLE_MARKER_ID = 0
"""The 36h11 id kept for the table's marker: no thing carries it."""


class CalibrationError(RobotError):
    """Too few usable pictures, or a marker not found; the message says which."""


def board() -> cv2.aruco.CharucoBoard:
    """The calibration board (print it with `robot camera board`)."""
    family = cv2.aruco.getPredefinedDictionary(BOARD_FAMILY)
    return cv2.aruco.CharucoBoard(BOARD_SQUARES, BOARD_SQUARE_M, BOARD_MARKER_M, family)


@dataclass(frozen=True)
class Intrinsics:
    """matrix (3x3, px), distortion (OpenCV's), the picture size (px), the rms of the
    corners' reprojection (px) and how many pictures were used."""

    matrix: np.ndarray
    distortion: np.ndarray
    width: int
    height: int
    rms_px: float
    views: int


def calibrate(pictures: Iterable[np.ndarray]) -> Intrinsics:
    """Intrinsics from pictures of the board (grey or RGB, all of one size)."""
    the_board = board()
    detector = cv2.aruco.CharucoDetector(the_board)
    object_points, image_points = [], []
    size: tuple[int, int] | None = None
    for picture in pictures:
        grey = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
        if size is None:
            size = (grey.shape[1], grey.shape[0])
        elif size != (grey.shape[1], grey.shape[0]):
            raise CalibrationError(
                f"pictures of two sizes, {size[0]}x{size[1]} and {grey.shape[1]}x{grey.shape[0]}"
            )
        charuco_corners, charuco_ids, _, _ = detector.detectBoard(grey)
        if charuco_ids is None or len(charuco_ids) < MIN_CORNERS:
            continue
        found, seen = the_board.matchImagePoints(charuco_corners, charuco_ids)
        object_points.append(found)
        image_points.append(seen)
    if size is None or len(object_points) < MIN_VIEWS:
        raise CalibrationError(
            f"the board was found in {len(object_points)} pictures; calibrating needs "
            f"{MIN_VIEWS} or more, the board tilted differently in each"
        )
    rms, matrix, distortion, _, _ = cv2.calibrateCamera(
        object_points, image_points, size, None, None
    )
    return Intrinsics(matrix, distortion.ravel(), size[0], size[1], float(rms), len(object_points))


@dataclass(frozen=True)
class TableMarker:
    """The table's marker: lying face up at `centre_m` in the cell's frame, its top edge
    pointing `yaw_deg` from the cell's +x; `size_m` its black square's side."""

    centre_m: tuple[float, float, float]
    yaw_deg: float
    size_m: float

    def pose(self) -> np.ndarray:
        """Its pose in the cell's frame (4x4): +z up, +y (its top edge) at `yaw_deg`."""
        yaw = np.radians(self.yaw_deg)
        up = np.array([np.cos(yaw), np.sin(yaw), 0.0])
        pose = np.eye(4)
        pose[:3, 0] = np.cross(up, [0.0, 0.0, 1.0])
        pose[:3, 1] = up
        pose[:3, 2] = (0.0, 0.0, 1.0)
        pose[:3, 3] = self.centre_m
        return pose


def locate(picture: np.ndarray, intrinsics: Intrinsics, table: TableMarker) -> CameraModel:
    """The camera's model with its pose in the cell's frame, from a picture of the
    table's marker."""
    grey = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    found, ids, _ = tag_detector().detectMarkers(grey)
    if ids is None or TABLE_MARKER_ID not in ids.ravel():
        seen = sorted(int(i) for i in ids.ravel()) if ids is not None else []
        raise CalibrationError(
            f"the table's marker (36h11 #{TABLE_MARKER_ID}) is not in the picture "
            f"(markers seen: {seen or 'none'})"
        )
    quad = found[list(ids.ravel()).index(TABLE_MARKER_ID)].reshape(4, 2).astype(np.float64)
    ok, rotation, translation = cv2.solvePnP(
        corners(table.size_m),
        quad,
        intrinsics.matrix,
        intrinsics.distortion,
        flags=cv2.SOLVEPNP_IPPE_SQUARE,
    )
    if not ok:
        raise CalibrationError("the table's marker was found but its pose was not")
    marker_in_camera = np.eye(4)
    marker_in_camera[:3, :3] = cv2.Rodrigues(rotation)[0]
    marker_in_camera[:3, 3] = translation.ravel()
    camera_pose = table.pose() @ np.linalg.inv(marker_in_camera)
    return CameraModel(
        intrinsics.matrix, intrinsics.distortion, camera_pose, intrinsics.width, intrinsics.height
    )
