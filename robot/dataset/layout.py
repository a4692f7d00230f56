"""Where things live in a LeRobot v3.0 dataset, and what its meta/info.json says.

    meta/info.json                                  codebase_version, fps, features, paths
    meta/stats.json                                 per-feature stats over every frame
    meta/tasks.parquet                              task text (the index) -> task_index
    meta/episodes/chunk-000/file-000.parquet        one row per episode: length, tasks,
                                                    its rows and video time ranges, stats
    data/chunk-000/file-000.parquet                 one row per frame
    videos/<camera key>/chunk-000/file-000.mp4      episodes one after another

Files are numbered file-000, file-001, ... within chunk-000, chunk-001, ... (at most
`CHUNK_SIZE` files a chunk); a new file starts once one passes its size budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CODEBASE_VERSION = "v3.0"
CHUNK_SIZE = 1000
"""Files per chunk directory (LeRobot's default)."""
DATA_FILE_MB = 100
VIDEO_FILE_MB = 200
"""Size budgets of one data parquet and one video file (MB, LeRobot's defaults)."""

INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_PATH = "meta/tasks.parquet"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"

STATE_KEY = "observation.state"
ACTION_KEY = "action"
CAMERA_PREFIX = "observation.images."

INDEX_FEATURES: dict[str, dict] = {
    "timestamp": {"dtype": "float32", "shape": [1], "names": None},
    "frame_index": {"dtype": "int64", "shape": [1], "names": None},
    "episode_index": {"dtype": "int64", "shape": [1], "names": None},
    "index": {"dtype": "int64", "shape": [1], "names": None},
    "task_index": {"dtype": "int64", "shape": [1], "names": None},
}
"""The bookkeeping columns every LeRobot dataset has (timestamp in s)."""


def camera_key(camera: str) -> str:
    """The feature key of a camera's video: "overview" -> "observation.images.overview"."""
    return CAMERA_PREFIX + camera


@dataclass(frozen=True)
class FileIndex:
    """A file's place: chunk-{chunk:03d}/file-{file:03d}."""

    chunk: int = 0
    file: int = 0

    def next(self) -> FileIndex:
        if self.file + 1 >= CHUNK_SIZE:
            return FileIndex(self.chunk + 1, 0)
        return FileIndex(self.chunk, self.file + 1)

    def path(self, template: str, root: Path, **keys: str) -> Path:
        return root / template.format(chunk_index=self.chunk, file_index=self.file, **keys)


def vector_feature(names: list[str]) -> dict:
    """A float32 vector feature with one named entry per joint."""
    return {"dtype": "float32", "shape": [len(names)], "names": names}


def video_feature(width: int, height: int, fps: int, codec: str) -> dict:
    """A camera's feature: frames (height, width, 3) in an MP4 at `fps`."""
    return {
        "dtype": "video",
        "shape": [height, width, 3],
        "names": ["height", "width", "channels"],
        "info": {
            "video.height": height,
            "video.width": width,
            "video.codec": codec,
            "video.pix_fmt": "yuv420p",
            "video.is_depth_map": False,
            "video.fps": fps,
            "video.channels": 3,
            "has_audio": False,
        },
    }


def info_json(
    *,
    fps: int,
    features: dict[str, dict],
    robot_type: str,
    total_episodes: int,
    total_frames: int,
    total_tasks: int,
    extra: dict | None = None,
) -> dict:
    """meta/info.json. `extra`: our own keys (units, source), which LeRobot ignores."""
    has_video = any(f["dtype"] == "video" for f in features.values())
    info = {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot_type,
        "total_episodes": total_episodes,
        "total_frames": total_frames,
        "total_tasks": total_tasks,
        "chunks_size": CHUNK_SIZE,
        "data_files_size_in_mb": DATA_FILE_MB,
        "video_files_size_in_mb": VIDEO_FILE_MB,
        "fps": fps,
        "splits": {"train": f"0:{total_episodes}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if has_video else None,
        "features": features,
    }
    if extra:
        info.update(extra)
    return info
