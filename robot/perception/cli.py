"""`robot camera`: a camera's model, for `[camera] model` in a launch file.

    robot camera board --out board.png               # print it at 100 %: 30 mm squares
    robot camera calibrate --device 0 --out cell-camera.json
    robot camera locate --device 0 --model cell-camera.json --at 0.30,-0.15,0 --yaw 0

`calibrate` takes pictures of the board (hold it still in a new pose each time: tilted,
near, far, in the corners) until it has `--views`, or reads them from `--images DIR`,
and writes the camera's intrinsics. `locate` finds the table's marker (AprilTag 36h11
#0, `--size-m` across its black square, lying face up at `--at` in the arm's frame with
its top edge `--yaw` degrees from the arm's forward) and writes where the camera is.
Move the camera, and run `locate` again; change its lens or resolution, and
`calibrate`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.errors import ConfigError
from robot.perception.calibrate import (
    BOARD_SQUARE_M,
    BOARD_SQUARES,
    TABLE_MARKER_ID,
    CalibrationError,
    Intrinsics,
    TableMarker,
    board,
    calibrate,
    locate,
)
from robot.perception.markers import (
    CameraModel,
    load_camera_model,
    save_camera_model,
)
from robot.perception.process import open_camera, read_rgb

METRES_PER_INCH = 0.0254
VIEW_PERIOD_S = 0.7
"""Between two pictures taken for calibration (s): time to move the board."""
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="camera_command", metavar="STEP", required=True)
    p = sub.add_parser("board", help="write the calibration board as an image to print")
    p.add_argument("--out", type=Path, required=True, help="PNG to write")
    p.add_argument("--dpi", type=int, default=300, help="the printer's dots per inch")
    p = sub.add_parser("calibrate", help="the camera's intrinsics from pictures of the board")
    _source(p, "pictures of the board")
    p.add_argument("--views", type=int, default=20, help="pictures to take from --device")
    p.add_argument("--out", type=Path, required=True, help="camera model to write (JSON)")
    p = sub.add_parser("locate", help="where the camera is, from the table's marker")
    _source(p, "a picture of the table's marker")
    p.add_argument("--model", type=Path, required=True, help="camera model to complete (JSON)")
    p.add_argument("--at", required=True, help="the marker's centre x,y,z in the arm's frame (m)")
    p.add_argument("--yaw", type=float, default=0.0, help="its top edge from the arm's x (deg)")
    p.add_argument("--size-m", type=float, default=0.08, help="its black square's side (m)")


def _source(parser: argparse.ArgumentParser, what: str) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--device", help="an OpenCV camera: a number or a path (/dev/video0)")
    group.add_argument("--images", type=Path, help=f"a folder of {what} (PNG or JPEG)")


def run(args: argparse.Namespace) -> int:
    if args.camera_command == "board":
        return _board(args)
    try:
        if args.camera_command == "calibrate":
            return _calibrate(args)
        return _locate(args)
    except CalibrationError as err:
        raise ConfigError(f"robot camera {args.camera_command}: {err}") from err


def _board(args: argparse.Namespace) -> int:
    import cv2

    pixels_per_m = args.dpi / METRES_PER_INCH
    size = tuple(round(n * BOARD_SQUARE_M * pixels_per_m) for n in BOARD_SQUARES)
    cv2.imwrite(str(args.out), board().generateImage(size))
    print(
        f"{args.out}: {BOARD_SQUARES[0]}x{BOARD_SQUARES[1]} squares of "
        f"{BOARD_SQUARE_M * 1e3:.0f} mm at {args.dpi} dpi; print at 100 % and check a square"
    )
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    pictures = list(tqdm(_pictures(args, args.views), desc="pictures", unit="picture"))
    found = calibrate(pictures)
    model = CameraModel(found.matrix, found.distortion, np.eye(4), found.width, found.height)
    save_camera_model(model, args.out)
    fx, fy = found.matrix[0, 0], found.matrix[1, 1]
    print(
        f"{args.out}: {found.width}x{found.height}, focal {fx:.1f} / {fy:.1f} px, "
        f"centre ({found.matrix[0, 2]:.1f}, {found.matrix[1, 2]:.1f}); the board in "
        f"{found.views} of {len(pictures)} pictures, {found.rms_px:.2f} px rms. "
        f"Now `robot camera locate --model {args.out}`."
    )
    return 0


def _locate(args: argparse.Namespace) -> int:
    model = load_camera_model(args.model)
    try:
        x, y, z = (float(v) for v in args.at.split(","))
    except ValueError:
        raise ConfigError(
            f"--at {args.at!r}: give the marker's centre as x,y,z in metres"
        ) from None
    picture = next(_pictures(args, 1), None)
    if picture is None:
        raise ConfigError(f"--images {args.images}: no PNG or JPEG in it")
    intrinsics = Intrinsics(model.matrix, model.distortion, model.width, model.height, 0.0, 0)
    table = TableMarker((x, y, z), args.yaw, args.size_m)
    located = locate(picture, intrinsics, table)
    save_camera_model(located, args.model)
    eye = located.pose[:3, 3]
    print(
        f"{args.model}: the camera is at ({eye[0]:.3f}, {eye[1]:.3f}, {eye[2]:.3f}) m in "
        f"the arm's frame, from marker #{TABLE_MARKER_ID}"
    )
    return 0


def _pictures(args: argparse.Namespace, count: int) -> Iterator[np.ndarray]:
    """RGB pictures: every file of `--images`, or `count` from `--device`."""
    import cv2

    if args.images is not None:
        for path in sorted(args.images.iterdir()):
            if path.suffix.lower() in PICTURE_SUFFIXES:
                picture = cv2.imread(str(path))
                if picture is None:
                    raise ConfigError(f"{path}: not a picture OpenCV can read")
                yield cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)
        return
    capture = open_camera(args.device)
    try:
        for _ in range(count):
            yield read_rgb(capture, args.device)
            time.sleep(VIEW_PERIOD_S)
    finally:
        capture.release()
