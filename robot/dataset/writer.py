"""Write episodes as a LeRobot v3.0 dataset (layout: robot/dataset/layout.py).

    writer = DatasetWriter(root, fps=15, joints=names, cameras={"overview": (320, 240)})
    writer.add(episode)          # an EpisodeFrames, its videos already encoded
    writer.finish()              # data, videos, meta/*

Rows go to data/chunk-*/file-*.parquet (a new file past `DATA_FILE_MB`), each camera's
episode videos are joined into videos/<key>/chunk-*/file-*.mp4 (a new file past
`VIDEO_FILE_MB`), and each episode's row in meta/episodes says where its rows and
its stretch of each video are. Timestamps are frame_index / fps (s).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from robot.dataset import layout, stats, video
from robot.dataset.episode_frames import EpisodeFrames

BYTES_PER_MB = 1024 * 1024
DATA_FILE_BYTES = layout.DATA_FILE_MB * BYTES_PER_MB


@dataclass
class _Placed:
    """Where an added episode went."""

    index: int
    episode: EpisodeFrames
    task_index: int
    first_row: int
    data_file: layout.FileIndex = field(default_factory=layout.FileIndex)
    video_files: dict[str, layout.FileIndex] = field(default_factory=dict)
    video_from_s: dict[str, float] = field(default_factory=dict)


class DatasetWriter:
    """Collects episodes and writes the dataset at `finish()`.

    fps: rows (and video frames) per second. joints: the names of the state's and
    action's entries, in order. cameras: name -> (width, height) px. units: what the
    joint values are in ("rad" for the twin's), recorded in info.json as `units`.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        fps: int,
        joints: list[str],
        cameras: dict[str, tuple[int, int]] | None = None,
        codec: str = video.DEFAULT_CODEC,
        robot_type: str = "so101",
        units: str = "rad",
        source: str = "robot-stack",
        overwrite: bool = False,
    ) -> None:
        self.root = Path(root)
        if self.root.exists() and any(self.root.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{self.root} exists and is not empty (use --overwrite)")
            shutil.rmtree(self.root)
        if int(fps) != fps or fps <= 0:
            raise ValueError(f"fps must be a positive whole number, got {fps}")
        self.fps = int(fps)
        self.joints = list(joints)
        self.cameras = dict(cameras or {})
        self.codec = codec
        self.robot_type = robot_type
        self.extra = {"units": units, "source": source}
        self._episodes: list[_Placed] = []
        self._tasks: dict[str, int] = {}
        self._rows = 0

    def add(self, episode: EpisodeFrames) -> int:
        """Queue `episode`; returns its episode_index."""
        index = len(self._episodes)
        where = f"episode {index} ({episode.task!r})"
        if episode.states.shape[1] != len(self.joints):
            raise ValueError(
                f"{where}: {episode.states.shape[1]} joint values, the dataset has "
                f"{len(self.joints)} ({', '.join(self.joints)})"
            )
        if set(episode.videos) != set(self.cameras):
            raise ValueError(
                f"{where}: videos of {sorted(episode.videos)}, the dataset has cameras "
                f"{sorted(self.cameras)}"
            )
        task_index = self._tasks.setdefault(episode.task, len(self._tasks))
        self._episodes.append(_Placed(index, episode, task_index, self._rows))
        self._rows += episode.length
        return index

    def finish(self) -> Path:
        """Write data, videos and meta; returns the dataset's root."""
        if not self._episodes:
            raise ValueError(f"{self.root}: no episodes to write")
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_data()
        for camera in self.cameras:
            self._write_videos(camera)
        per_episode = [self._episode_stats(p) for p in self._episodes]
        self._write_episodes(per_episode)
        features = self._features()
        pooled = {key: stats.pool([s[key] for s in per_episode]) for key in per_episode[0]}
        self._write_json(layout.STATS_PATH, stats.to_json(pooled))
        tasks = sorted(self._tasks, key=self._tasks.__getitem__)
        table = pa.table({"task_index": pa.array(range(len(tasks)), pa.int64())})
        # LeRobot reads tasks as a DataFrame indexed by the task's text.
        table = table.append_column("__index_level_0__", pa.array(tasks, pa.string()))
        pandas_meta = {
            "index_columns": ["__index_level_0__"],
            "column_indexes": [],
            "columns": [
                {"name": "task_index", "field_name": "task_index", "pandas_type": "int64",
                 "numpy_type": "int64", "metadata": None},
                {"name": None, "field_name": "__index_level_0__", "pandas_type": "unicode",
                 "numpy_type": "object", "metadata": None},
            ],
            "pandas_version": "2.0.0",
        }  # fmt: skip
        table = table.replace_schema_metadata({b"pandas": json.dumps(pandas_meta).encode()})
        self._write_parquet(layout.TASKS_PATH, table)
        info = layout.info_json(
            fps=self.fps,
            features=features,
            robot_type=self.robot_type,
            total_episodes=len(self._episodes),
            total_frames=self._rows,
            total_tasks=len(tasks),
            extra=self.extra,
        )
        self._write_json(layout.INFO_PATH, info)
        return self.root

    # -- the parts ---------------------------------------------------------------

    def _features(self) -> dict[str, dict]:
        features = {
            layout.STATE_KEY: layout.vector_feature(self.joints),
            layout.ACTION_KEY: layout.vector_feature(self.joints),
        }
        for camera, (width, height) in self.cameras.items():
            features[layout.camera_key(camera)] = layout.video_feature(
                width, height, self.fps, video.CODEC_NAMES[self.codec]
            )
        return features | layout.INDEX_FEATURES

    def _write_data(self) -> None:
        # Uncompressed bytes a row takes (two float32 vectors, five 8-byte columns): a
        # file's rows stay within the budget before compression.
        row_bytes = 2 * 4 * len(self.joints) + 5 * 8
        budget_rows = max(1, DATA_FILE_BYTES // row_bytes)
        files: list[list[_Placed]] = [[]]
        where = layout.FileIndex()
        rows_in_file = 0
        for placed in self._episodes:
            if files[-1] and rows_in_file + placed.episode.length > budget_rows:
                files.append([])
                where, rows_in_file = where.next(), 0
            placed.data_file = where
            files[-1].append(placed)
            rows_in_file += placed.episode.length
        for group in files:
            self._write_parquet(
                layout.DATA_PATH.format(
                    chunk_index=group[0].data_file.chunk, file_index=group[0].data_file.file
                ),
                self._rows_table(group),
            )

    def _rows_table(self, group: list[_Placed]) -> pa.Table:
        n_joints = len(self.joints)
        vector = pa.list_(pa.float32(), n_joints)

        def column(key: str) -> pa.Array:
            flat = np.concatenate([getattr(p.episode, key) for p in group]).astype(np.float32)
            return pa.FixedSizeListArray.from_arrays(pa.array(flat.reshape(-1)), n_joints)

        frame_index = np.concatenate([np.arange(p.episode.length) for p in group])
        lengths = [p.episode.length for p in group]
        return pa.table(
            {
                layout.STATE_KEY: column("states").cast(vector),
                layout.ACTION_KEY: column("actions").cast(vector),
                "timestamp": pa.array((frame_index / self.fps).astype(np.float32)),
                "frame_index": pa.array(frame_index.astype(np.int64)),
                "episode_index": pa.array(np.repeat([p.index for p in group], lengths)),
                "index": pa.array(
                    np.concatenate(
                        [np.arange(p.first_row, p.first_row + p.episode.length) for p in group]
                    ).astype(np.int64)
                ),
                "task_index": pa.array(np.repeat([p.task_index for p in group], lengths)),
            }
        )

    def _write_videos(self, camera: str) -> None:
        key = layout.camera_key(camera)
        where = layout.FileIndex()
        parts: list[Path] = []
        size = 0
        seconds = 0.0
        for placed in self._episodes:
            part = placed.episode.videos[camera]
            frames = video.frame_count(part)
            if frames != placed.episode.length:
                raise ValueError(
                    f"episode {placed.index}: {part} has {frames} frames of camera "
                    f"{camera!r}, the episode {placed.episode.length} rows"
                )
            part_size = part.stat().st_size
            if parts and size + part_size > layout.VIDEO_FILE_MB * BYTES_PER_MB:
                video.concatenate(parts, where.path(layout.VIDEO_PATH, self.root, video_key=key))
                where, parts, size, seconds = where.next(), [], 0, 0.0
            placed.video_files[camera] = where
            placed.video_from_s[camera] = seconds
            parts.append(part)
            size += part_size
            seconds += placed.episode.length / self.fps
        video.concatenate(parts, where.path(layout.VIDEO_PATH, self.root, video_key=key))

    def _episode_stats(self, placed: _Placed) -> dict[str, stats.Stats]:
        ep = placed.episode
        n = ep.length
        frame_index = np.arange(n, dtype=np.float64)[:, None]
        out = {
            layout.STATE_KEY: stats.vector_stats(ep.states),
            layout.ACTION_KEY: stats.vector_stats(ep.actions),
            "timestamp": stats.vector_stats(frame_index / self.fps),
            "frame_index": stats.vector_stats(frame_index),
            "episode_index": stats.vector_stats(np.full((n, 1), placed.index)),
            "index": stats.vector_stats(frame_index + placed.first_row),
            "task_index": stats.vector_stats(np.full((n, 1), placed.task_index)),
        }
        for camera in self.cameras:
            if camera not in ep.image_stats:
                raise ValueError(f"episode {placed.index}: no image stats of camera {camera!r}")
            out[layout.camera_key(camera)] = ep.image_stats[camera]
        return out

    def _write_episodes(self, per_episode: list[dict[str, stats.Stats]]) -> None:
        rows: list[dict[str, object]] = []
        for placed, ep_stats in zip(self._episodes, per_episode, strict=True):
            ep = placed.episode
            row: dict[str, object] = {
                "episode_index": placed.index,
                "tasks": [ep.task],
                "length": ep.length,
                "data/chunk_index": placed.data_file.chunk,
                "data/file_index": placed.data_file.file,
                "dataset_from_index": placed.first_row,
                "dataset_to_index": placed.first_row + ep.length,
            }
            for camera in self.cameras:
                key = layout.camera_key(camera)
                start = placed.video_from_s[camera]
                row[f"videos/{key}/chunk_index"] = placed.video_files[camera].chunk
                row[f"videos/{key}/file_index"] = placed.video_files[camera].file
                row[f"videos/{key}/from_timestamp"] = start
                row[f"videos/{key}/to_timestamp"] = start + ep.length / self.fps
            row["meta/episodes/chunk_index"] = 0
            row["meta/episodes/file_index"] = 0
            for feature, values in ep_stats.items():
                for name, value in values.items():
                    row[f"stats/{feature}/{name}"] = np.asarray(value).tolist()
            row.update(ep.meta)
            rows.append(row)
        self._write_parquet(
            layout.EPISODES_PATH.format(chunk_index=0, file_index=0), pa.Table.from_pylist(rows)
        )

    def _write_parquet(self, relative: str, table: pa.Table) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="snappy")

    def _write_json(self, relative: str, data: dict) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2))
