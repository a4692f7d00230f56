"""Where a thing's fiducial sits on it, and what it looks like: one answer for the twin
that draws it and the camera that finds it.

A tag's frame follows OpenCV's for a square marker: origin at the centre of its black
square, +x to its right, +y to its top edge, +z out of its face. Its corners, in the
order a detector gives them (top-left, top-right, bottom-right, bottom-left), are
`corners(size)`.
"""

from __future__ import annotations

import numpy as np

from core.catalogue.types import Axis, Marker

FAMILY = "tag36h11"
"""The AprilTag family of every marker in the catalogue."""
CELLS = 8
"""Cells across a 36h11 tag's black square: 6 of data and a black border of one."""
MARGIN_CELLS = 1
"""White cells round the black square, without which no detector finds its edge."""

_AXES: dict[Axis, tuple[float, float, float]] = {
    "+x": (1.0, 0.0, 0.0),
    "-x": (-1.0, 0.0, 0.0),
    "+y": (0.0, 1.0, 0.0),
    "-y": (0.0, -1.0, 0.0),
    "+z": (0.0, 0.0, 1.0),
    "-z": (0.0, 0.0, -1.0),
}


def plate_size(marker: Marker) -> float:
    """The side (m) of the white square the tag is printed on."""
    return marker.size_m * (CELLS + 2 * MARGIN_CELLS) / CELLS


def tag_in_thing(marker: Marker) -> np.ndarray:
    """The tag's pose in its thing's frame: a 4x4 homogeneous transform (m)."""
    z = np.array(_AXES[marker.facing])
    y = np.array(_AXES[marker.up])
    if abs(float(z @ y)) > 0.5:
        raise ValueError(f"marker {marker.id}: `up` {marker.up} is not across `facing`")
    pose = np.eye(4)
    pose[:3, 0] = np.cross(y, z)
    pose[:3, 1] = y
    pose[:3, 2] = z
    pose[:3, 3] = marker.centre_m
    return pose


def corners(size_m: float) -> np.ndarray:
    """The black square's corners in the tag's frame (4x3, m), in detection order."""
    h = size_m / 2
    return np.array([[-h, h, 0.0], [h, h, 0.0], [h, -h, 0.0], [-h, -h, 0.0]])


def tag_image(tag_id: int, pixels_per_cell: int) -> np.ndarray:
    """AprilTag 36h11 `tag_id` on its white margin: a square uint8 image, 0 black, 255
    white, `pixels_per_cell` pixels a cell."""
    import cv2

    family = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h11)
    if not 0 <= tag_id < family.bytesList.shape[0]:
        raise ValueError(f"marker {tag_id}: 36h11 has ids 0..{family.bytesList.shape[0] - 1}")
    tag = cv2.aruco.generateImageMarker(family, tag_id, CELLS * pixels_per_cell)
    margin = MARGIN_CELLS * pixels_per_cell
    return np.pad(tag, margin, constant_values=255)
