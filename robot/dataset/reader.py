"""Read a LeRobot v3.0 dataset back without LeRobot: its info, tasks, episodes, rows
and camera frames (ours, to check what was written; or one recorded with LeRobot, to
play it on the twin)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from core.errors import ConfigError
from robot.dataset import layout, video


@dataclass(frozen=True)
class EpisodeRows:
    """One episode's rows: states, actions (N, J) float32 in the dataset's units,
    timestamps (N,) s, and its task's text."""

    index: int
    task: str
    states: np.ndarray
    actions: np.ndarray
    timestamps: np.ndarray


def dataset_root(path: str | Path) -> Path:
    """The dataset holding `path`: itself, or the nearest parent with meta/info.json (a
    data or video file of it, its meta/ folder)."""
    start = Path(path).resolve()
    for candidate in (start, *start.parents):
        if (candidate / layout.INFO_PATH).is_file():
            return candidate
    return Path(path)


class DatasetReader:
    """A dataset on disk at `root` (the directory holding meta/, or a file or folder in
    it)."""

    def __init__(self, root: str | Path) -> None:
        self.root = dataset_root(root)
        path = self.root / layout.INFO_PATH
        if not path.is_file():
            raise ConfigError(f"{self.root}: not a LeRobot dataset (no {layout.INFO_PATH})")
        self.info: dict = json.loads(path.read_text())
        version = self.info.get("codebase_version")
        if version != layout.CODEBASE_VERSION:
            raise ConfigError(
                f"{path}: codebase_version {version!r}; only {layout.CODEBASE_VERSION} is read"
            )

    @property
    def fps(self) -> int:
        return int(self.info["fps"])

    @property
    def features(self) -> dict[str, dict]:
        return self.info["features"]

    @property
    def joint_names(self) -> list[str]:
        return list(self.features[layout.STATE_KEY]["names"])

    @property
    def cameras(self) -> list[str]:
        """The video features' keys (observation.images.*)."""
        return [k for k, f in self.features.items() if f["dtype"] == "video"]

    @cached_property
    def tasks(self) -> list[str]:
        """Task texts by task_index."""
        table = pq.read_table(self.root / layout.TASKS_PATH).to_pylist()
        by_index = {int(r["task_index"]): r.get("__index_level_0__", r.get("task")) for r in table}
        return [by_index[i] for i in range(len(by_index))]

    @cached_property
    def episodes(self) -> list[dict]:
        """meta/episodes rows, by episode_index."""
        rows: list[dict] = []
        for path in sorted((self.root / "meta/episodes").glob("chunk-*/file-*.parquet")):
            rows += pq.read_table(path).to_pylist()
        return sorted(rows, key=lambda r: r["episode_index"])

    def episode(self, index: int) -> dict:
        if not 0 <= index < len(self.episodes):
            raise ConfigError(
                f"{self.root}: no episode {index} (it has {len(self.episodes)}: "
                f"0..{len(self.episodes) - 1})"
            )
        return self.episodes[index]

    def rows(self, index: int) -> EpisodeRows:
        """Episode `index`'s rows, in frame order."""
        ep = self.episode(index)
        path = self.root / self.info["data_path"].format(
            chunk_index=ep["data/chunk_index"], file_index=ep["data/file_index"]
        )
        table = pq.read_table(path, filters=[("episode_index", "=", index)]).sort_by("frame_index")
        if table.num_rows != ep["length"]:
            raise ConfigError(
                f"{path}: episode {index} has {table.num_rows} rows, meta says {ep['length']}"
            )
        task_index = table.column("task_index").to_numpy()
        return EpisodeRows(
            index=index,
            task=self.tasks[int(task_index[0])],
            states=np.array(table.column(layout.STATE_KEY).to_pylist(), dtype=np.float32),
            actions=np.array(table.column(layout.ACTION_KEY).to_pylist(), dtype=np.float32),
            timestamps=table.column("timestamp").to_numpy().astype(np.float64),
        )

    def frames(self, index: int, key: str) -> list[np.ndarray]:
        """Episode `index`'s frames of video feature `key` (RGB, H x W x 3 uint8)."""
        ep = self.episode(index)
        if key not in self.cameras:
            raise ConfigError(f"{self.root}: no video {key!r} (videos: {self.cameras})")
        path = self.root / self.info["video_path"].format(
            video_key=key,
            chunk_index=ep[f"videos/{key}/chunk_index"],
            file_index=ep[f"videos/{key}/file_index"],
        )
        return video.decode_range(path, ep[f"videos/{key}/from_timestamp"], ep["length"], self.fps)
