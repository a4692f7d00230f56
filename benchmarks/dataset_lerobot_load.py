"""LeRobot loads a `robot dataset` dataset unchanged: how long it takes, and whether
every episode's states, actions and task read back equal to what we wrote.

    python -m benchmarks.dataset_lerobot_load out/ds --json out.json

Needs the lerobot-peer extra and LeRobot (`make test-lerobot` installs both). Loads
the dataset with `LeRobotDataset` (meta, tasks, episodes, stats, the rows through
Hugging Face datasets), compares every row with our own reader
(robot/dataset/reader.py), and fetches `--samples` rows with their frames: through
LeRobot's video decoder where one runs here, else with PyAV at the file and time
LeRobot's metadata names (docs/datasets.md says why), checking each frame is the one our
reader decodes for that row.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import parser, report


def import_lerobot_dataset() -> type:
    """LeRobotDataset, importing torchvision first so that a wheel whose compiled ops do
    not load against this torch (the CPU build) still imports: its fakes of detection
    ops that do not exist are skipped (LeRobot's dataset never uses them)."""
    import torch.library

    register_fake = torch.library.register_fake

    def lenient(op, func=None, /, **kwargs):  # type: ignore[no-untyped-def]
        def register(fn):  # type: ignore[no-untyped-def]
            try:
                return register_fake(op, fn, **kwargs)
            except RuntimeError:  # "operator torchvision::nms does not exist"
                return fn

        return register if func is None else register(func)

    torch.library.register_fake = lenient
    try:
        import torchvision  # noqa: F401
    except ImportError:
        pass
    finally:
        torch.library.register_fake = register_fake
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    return LeRobotDataset


def frames_via_lerobot(ds, index: int) -> tuple[dict[str, np.ndarray], str]:  # type: ignore[no-untyped-def]
    """Row `index`'s frames as LeRobot gives them (H, W, 3 uint8), and how they were got."""
    import av

    try:
        item = ds[index]
        return {
            key: (item[key].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            for key in ds.meta.video_keys
        }, "LeRobot's decoder"
    except (ImportError, AttributeError, OSError, RuntimeError) as err:
        why = f"{type(err).__name__}: {err}"
    item = ds.hf_dataset[index]
    ep_index = int(item["episode_index"])
    ep = ds.meta.episodes[ep_index]
    out = {}
    for key in ds.meta.video_keys:
        at = ep[f"videos/{key}/from_timestamp"] + float(item["timestamp"])
        with av.open(str(ds.root / ds.meta.get_video_file_path(ep_index, key))) as container:
            stream = container.streams.video[0]
            container.seek(int(max(0.0, at - 1.0) / stream.time_base), stream=stream)
            found = [f for f in container.decode(stream) if abs(f.time - at) < 0.5 / ds.fps]
        if len(found) != 1:
            raise AssertionError(f"{key}: {len(found)} frames at {at:.4f} s")
        out[key] = found[0].to_ndarray(format="rgb24")
    return out, f"PyAV at LeRobot's file and time (no LeRobot decoder here: {why})"


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("dataset", help="a dataset written by `robot dataset`")
    p.add_argument("--samples", type=int, default=20, help="rows whose frames are fetched")
    args = p.parse_args()
    from robot.dataset.reader import DatasetReader

    start = time.perf_counter()
    LeRobotDataset = import_lerobot_dataset()
    imported = time.perf_counter()
    ds = LeRobotDataset("local/robot-stack", root=args.dataset)
    loaded = time.perf_counter()
    ours = DatasetReader(args.dataset)
    rows = ds.hf_dataset.with_format("numpy")
    states, actions = np.stack(rows["observation.state"]), np.stack(rows["action"])
    task_index = np.asarray(rows["task_index"])
    mismatches = 0
    for k in range(ds.meta.total_episodes):
        ep = ds.meta.episodes[k]
        lo, hi = ep["dataset_from_index"], ep["dataset_to_index"]
        mine = ours.rows(k)
        same = (
            np.array_equal(states[lo:hi], mine.states)
            and np.array_equal(actions[lo:hi], mine.actions)
            and ds.meta.tasks.iloc[int(task_index[lo])].name == mine.task
        )
        mismatches += not same
    compared = time.perf_counter()
    picks = np.linspace(0, ds.num_frames - 1, args.samples).round().astype(int)
    how = ""
    wrong_frames = 0
    decoded: dict[tuple[int, str], list[np.ndarray]] = {}
    for index in picks:
        got, how = frames_via_lerobot(ds, int(index))
        ep_index = int(rows["episode_index"][index])
        frame = int(rows["frame_index"][index])
        for key, picture in got.items():
            if (ep_index, key) not in decoded:
                decoded[ep_index, key] = ours.frames(ep_index, key)
            want = decoded[ep_index, key][frame]
            wrong_frames += float(np.abs(picture.astype(int) - want.astype(int)).mean()) > 2.0
    sampled = time.perf_counter()
    rows_out = [
        ("episodes", float(ds.meta.total_episodes), "LeRobotDataset.meta.total_episodes"),
        ("frames", float(ds.num_frames), "rows"),
        ("episodes_differing", float(mismatches), "states, actions or task unlike ours"),
        ("frames_differing", float(wrong_frames), f"of {len(picks)} rows x cameras sampled"),
        ("import_s", imported - start, "s, import lerobot (torch, datasets)"),
        ("load_s", loaded - imported, "s, LeRobotDataset(...)"),
        ("compare_s", compared - loaded, "s, every row against ours"),
        ("frames_s", sampled - compared, f"s, {len(picks)} rows' frames"),
    ]
    report("dataset_lerobot_load", rows_out, args.json, {"frames_decoded_by": how})
    return 0 if mismatches == 0 and wrong_frames == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
