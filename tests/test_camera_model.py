"""`robot camera calibrate` and `locate`, on pictures made with a known camera."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.catalogue.markers import tag_image
from core.errors import ConfigError
from robot.cli import main
from robot.perception.calibrate import BOARD_SQUARE_M, BOARD_SQUARES, TableMarker, board
from robot.perception.markers import CameraModel, load_camera_model, save_camera_model

WIDTH, HEIGHT = 640, 480
TRUE_MATRIX = np.array([[520.0, 0.0, 322.0], [0.0, 516.0, 236.0], [0.0, 0.0, 1.0]])
BOARD_PX_PER_SQUARE = 120
BACKGROUND = 150


def turn(about_x_deg: float, about_y_deg: float) -> np.ndarray:
    return cv2.Rodrigues(np.radians([about_x_deg, about_y_deg, 0.0]))[0]


def photograph(
    picture: np.ndarray, pixels_to_plane: np.ndarray, plane_in_camera: np.ndarray
) -> np.ndarray:
    """`picture` (a flat print) as the true camera sees it: `pixels_to_plane` (3x3) takes
    its pixels to metres on its plane, `plane_in_camera` (4x4) places that plane."""
    extrinsic = plane_in_camera[:3, [0, 1, 3]]
    homography = TRUE_MATRIX @ extrinsic @ pixels_to_plane
    return cv2.warpPerspective(
        picture, homography, (WIDTH, HEIGHT), flags=cv2.INTER_AREA, borderValue=BACKGROUND
    )


def board_views(folder: Path) -> None:
    """Twelve pictures of the board, tilted and moved about, into `folder`."""
    image = board().generateImage(
        tuple(n * BOARD_PX_PER_SQUARE for n in BOARD_SQUARES), marginSize=0
    )
    metres_per_px = BOARD_SQUARE_M / BOARD_PX_PER_SQUARE
    centre = np.array([BOARD_SQUARES[0], BOARD_SQUARES[1], 0.0]) * BOARD_SQUARE_M / 2
    scale = np.diag([metres_per_px, metres_per_px, 1.0])
    tilts = [(-25, 0), (25, 0), (0, -25), (0, 25), (-20, 20), (20, -20), (15, 15), (-15, -15)]
    tilts += [(0, 0), (10, -30), (-30, 10), (30, 5)]
    for n, (ax, ay) in enumerate(tilts):
        pose = np.eye(4)
        pose[:3, :3] = turn(ax, ay)
        shift = np.array([0.03 * np.sin(n), 0.02 * np.cos(n), 0.45 + 0.02 * (n % 3)])
        pose[:3, 3] = shift - pose[:3, :3] @ centre
        cv2.imwrite(str(folder / f"board_{n:02d}.png"), photograph(image, scale, pose))


def test_calibrate_finds_the_focal_lengths_and_centre(tmp_path: Path) -> None:
    board_views(tmp_path)
    out = tmp_path / "camera.json"
    assert main(["camera", "calibrate", "--images", str(tmp_path), "--out", str(out)]) == 0
    model = load_camera_model(out)
    assert (model.width, model.height) == (WIDTH, HEIGHT)
    assert model.matrix[0, 0] == pytest.approx(TRUE_MATRIX[0, 0], rel=0.01)
    assert model.matrix[1, 1] == pytest.approx(TRUE_MATRIX[1, 1], rel=0.01)
    # The centre is the least certain: 12 pictures put it within a few pixels.
    assert model.matrix[:2, 2] == pytest.approx(TRUE_MATRIX[:2, 2], abs=8.0)


def test_calibrate_with_too_few_pictures_says_how_many_it_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((HEIGHT, WIDTH), BACKGROUND, np.uint8))
    out = tmp_path / "c.json"
    assert main(["camera", "calibrate", "--images", str(tmp_path), "--out", str(out)]) == 1
    assert "the board was found in 0 pictures" in capsys.readouterr().err
    assert not out.exists()


def test_a_camera_model_file_that_is_not_one_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "camera.json"
    bad.write_text('{"width": 640}')
    with pytest.raises(ConfigError, match=r"camera\.json: not a camera model"):
        load_camera_model(bad)


def test_locate_finds_where_the_camera_is_from_the_table_marker(tmp_path: Path) -> None:
    table = TableMarker((0.30, -0.10, 0.0), yaw_deg=20.0, size_m=0.08)
    camera = np.eye(4)  # looking down at the marker from the front and above
    camera[:3, :3] = np.column_stack([[0.0, -1.0, 0.0], [-0.6, 0.0, -0.8], [0.8, 0.0, -0.6]])
    camera[:3, 3] = (0.30 - 0.8 * 0.55, -0.10, 0.6 * 0.55)
    pixels_per_cell = 40
    picture = tag_image(0, pixels_per_cell)
    metres_per_px = table.size_m / (8 * pixels_per_cell)
    middle = picture.shape[0] / 2
    # Picture pixels (right, down) to the marker's plane (x right, y up), metres.
    to_plane = np.array(
        [
            [metres_per_px, 0, -middle * metres_per_px],
            [0, -metres_per_px, middle * metres_per_px],
            [0, 0, 1],
        ]
    )
    marker_in_camera = np.linalg.inv(camera) @ table.pose()
    cv2.imwrite(str(tmp_path / "table.png"), photograph(picture, to_plane, marker_in_camera))
    model_file = tmp_path / "camera.json"
    save_camera_model(CameraModel(TRUE_MATRIX, np.zeros(5), np.eye(4), WIDTH, HEIGHT), model_file)
    code = main(
        [
            "camera", "locate", "--images", str(tmp_path), "--model", str(model_file),
            "--at", "0.30,-0.10,0", "--yaw", "20", "--size-m", "0.08",
        ]
    )  # fmt: skip
    assert code == 0
    located = load_camera_model(model_file).pose
    assert np.linalg.norm(located[:3, 3] - camera[:3, 3]) < 0.005
    assert np.allclose(located[:3, :3], camera[:3, :3], atol=0.02)
