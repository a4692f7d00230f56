"""Feature statistics as LeRobot keeps them: min, max, mean, std, count and the 1, 10,
50, 90 and 99 % quantiles, per episode and pooled over episodes.

Vectors (joint positions, rad) get one value per entry; camera frames one per colour
channel, of pixel values scaled to 0..1, shaped (3, 1, 1).
"""

from __future__ import annotations

import numpy as np

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
QUANTILE_KEYS = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)
IMAGE_SAMPLES = 100
"""Frames an episode's image stats are taken from at most (spread evenly)."""
IMAGE_STRIDE = 2
"""Every IMAGE_STRIDE-th pixel row and column is counted (320x240 -> 160x120)."""

Stats = dict[str, np.ndarray]


def vector_stats(values: np.ndarray) -> Stats:
    """Stats of an (N, D) array over its N rows."""
    if values.ndim != 2 or len(values) == 0:
        raise ValueError(f"vector stats need a non-empty (N, D) array, got shape {values.shape}")
    v = values.astype(np.float64)
    out = {
        "min": v.min(axis=0),
        "max": v.max(axis=0),
        "mean": v.mean(axis=0),
        "std": v.std(axis=0),
        "count": np.array([len(v)]),
    }
    for key, q in zip(QUANTILE_KEYS, QUANTILES, strict=True):
        out[key] = np.quantile(v, q, axis=0)
    return out


def image_stats(frames: list[np.ndarray], stride: int = IMAGE_STRIDE) -> Stats:
    """Per-channel stats of RGB frames (H, W, 3 uint8), scaled to 0..1, shaped (3, 1, 1),
    of every `stride`-th pixel row and column."""
    if not frames:
        raise ValueError("image stats need at least one frame")
    picks = np.unique(np.linspace(0, len(frames) - 1, min(IMAGE_SAMPLES, len(frames))).round())
    pixels = np.concatenate([frames[int(i)][::stride, ::stride].reshape(-1, 3) for i in picks])
    stats = vector_stats(pixels.astype(np.float32) / 255.0)
    stats = {k: v.reshape(3, 1, 1) if k != "count" else v for k, v in stats.items()}
    stats["count"] = np.array([len(picks)])
    return stats


def pool(stats: list[Stats]) -> Stats:
    """One feature's stats over several episodes: means and variances weighted by
    count (exact), min and max exact, quantiles the count-weighted mean of the
    episodes' (an estimate, as LeRobot's own)."""
    counts = np.array([float(s["count"][0]) for s in stats])
    total = counts.sum()
    shape = (-1,) + (1,) * (np.asarray(stats[0]["mean"]).ndim)
    w = (counts / total).reshape(shape)
    means = np.stack([s["mean"] for s in stats])
    mean = (means * w).sum(axis=0)
    variance = ((np.stack([s["std"] for s in stats]) ** 2 + (means - mean) ** 2) * w).sum(axis=0)
    out = {
        "min": np.min(np.stack([s["min"] for s in stats]), axis=0),
        "max": np.max(np.stack([s["max"] for s in stats]), axis=0),
        "mean": mean,
        "std": np.sqrt(variance),
        "count": np.array([int(total)]),
    }
    for key in QUANTILE_KEYS:
        out[key] = (np.stack([s[key] for s in stats]) * w).sum(axis=0)
    return out


def to_json(stats: dict[str, Stats]) -> dict[str, dict[str, list]]:
    """{feature: {stat: array}} as nested lists, for meta/stats.json."""
    return {f: {k: np.asarray(v).tolist() for k, v in s.items()} for f, s in stats.items()}
