"""Camera frames to MP4 and back, with PyAV.

Codec: H.264 (libx264), yuv420p, a keyframe every 2 frames and no B-frames, by default.
LeRobot's own default is AV1 (libsvtav1); H.264 is chosen here because it encodes
several times faster on a small CPU (generation renders and encodes in the same
processes) and every decoder LeRobot uses (torchcodec, PyAV) reads it. `--codec
libsvtav1` gives LeRobot's default when the `av` wheel has it. The short GOP keeps a
random frame cheap to seek to, as LeRobot's loader does for every sample.

Each episode is encoded to its own file by the process that rendered it; the writer
then joins episodes into one file per camera by copying packets (no re-encoding),
shifting their timestamps by the frames before them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

DEFAULT_CODEC = "h264"
CRF = 20
"""Constant rate factor: lower is better quality. Our renders' PSNR is bounded by the
4:2:0 chroma (yuv420p, what LeRobot writes), not by this: at 320x240 a crf of 12 gains
about 1 dB over 20 for 1.5x the bytes."""
GOP = 2


def codec_options(codec: str) -> tuple[str, dict[str, str]]:
    """The encoder name and options for `codec` ("h264" or "libsvtav1")."""
    if codec == "h264":
        return "libx264", {
            "crf": str(CRF),
            "g": str(GOP),
            "bf": "0",
            "preset": "veryfast",
        }
    if codec == "libsvtav1":
        return "libsvtav1", {"crf": str(CRF + 10), "g": str(GOP), "preset": "12"}
    raise ValueError(f"unknown codec {codec!r}: choose h264 or libsvtav1")


CODEC_NAMES = {"h264": "h264", "libsvtav1": "av1"}
"""The codec's canonical name, as LeRobot's `get_video_info` writes `video.codec`."""


def check_codec(codec: str) -> None:
    """Raise a ValueError naming `codec` when this `av` build cannot encode it."""
    encoder, _ = codec_options(codec)
    if encoder not in av.codecs_available:
        raise ValueError(f"this PyAV build has no {encoder} encoder (codec {codec!r})")


@contextmanager
def scheduling_kept() -> Iterator[None]:
    """Put the calling thread's scheduling back as it was after the block. SVT-AV1, run
    as root, puts the thread that opens it on SCHED_FIFO priority 99, and every thread
    that thread starts after inherits it: a process left so can starve the machine."""
    if not hasattr(os, "sched_getscheduler"):
        yield
        return
    policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    try:
        yield
    finally:
        if (os.sched_getscheduler(0), os.sched_getparam(0)) != (policy, param):
            os.sched_setscheduler(0, policy, param)


class VideoWriter:
    """An MP4 written frame by frame (RGB, H x W x 3 uint8, even H and W): frame i at
    i / fps seconds. Streams, so an episode's frames need not all be held."""

    def __init__(self, path: str | Path, fps: int, codec: str = DEFAULT_CODEC) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fps = fps
        self.codec = codec
        self.frames = 0
        self._container = av.open(str(self.path), "w")
        self._stream: av.VideoStream | None = None

    def add(self, rgb: np.ndarray) -> None:
        if self._stream is None:
            encoder, options = codec_options(self.codec)
            stream = self._container.add_stream(encoder, rate=self.fps, options=options)
            stream.height, stream.width = rgb.shape[:2]
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, self.fps)
            self._stream = stream
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self.frames
        with scheduling_kept():
            self._container.mux(self._stream.encode(frame))
        self.frames += 1

    def discard(self) -> None:
        """Close without finishing and remove the file (an episode with no frames)."""
        self._container.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> Path:
        if self._stream is None:
            self._container.close()
            raise ValueError(f"no frames were written to {self.path}")
        with scheduling_kept():
            self._container.mux(self._stream.encode())
        self._container.close()
        return self.path


def encode(
    frames: list[np.ndarray], path: str | Path, fps: int, codec: str = DEFAULT_CODEC
) -> Path:
    """Write RGB frames (H, W, 3 uint8, even H and W) to an MP4 at `fps`."""
    writer = VideoWriter(path, fps, codec)
    for rgb in frames:
        writer.add(rgb)
    return writer.close()


def decode(path: str | Path) -> list[np.ndarray]:
    """Every frame of an MP4 as RGB (H, W, 3 uint8)."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def decode_range(path: str | Path, start_s: float, count: int, fps: float) -> list[np.ndarray]:
    """`count` frames from `start_s` seconds on (an episode in a joined file), seeking to
    the keyframe before it rather than decoding the file from its start."""
    frames: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.time is None or frame.time < start_s - 0.5 / fps:
                continue
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                break
    return frames


def frame_count(path: str | Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.demux(video=0) if _.size)


def concatenate(parts: list[Path], path: str | Path) -> None:
    """Join MP4s encoded alike (same codec, size, fps) into one, copying packets."""
    if not parts:
        raise ValueError(f"nothing to join into {path}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w") as container:
        stream = None
        offset = 0  # in the first part's stream time base
        for part in parts:
            with av.open(str(part)) as source:
                src = source.streams.video[0]
                if stream is None:
                    # opaque: copy the codec parameters as they are; looking the
                    # codec up by name finds AV1 streams' decoder (libdav1d), no encoder.
                    stream = container.add_stream_from_template(src, opaque=True)
                    base = src.time_base
                if src.time_base != base:
                    raise ValueError(f"{part}: time base {src.time_base} differs from {base}")
                end = offset
                for packet in source.demux(src):
                    if packet.dts is None:  # the demuxer's flush packet
                        continue
                    packet.pts += offset
                    packet.dts += offset
                    end = max(end, packet.pts + packet.duration)
                    packet.stream = stream
                    container.mux(packet)
                offset = end


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two uint8 images (dB; inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)
