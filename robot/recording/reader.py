"""Read recordings back, including ones cut off by a crash.

Reading streams the file from the start rather than seeking to its summary, which
a crashed writer never wrote: every chunk that reached the disk is read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mcap.exceptions import EndOfFile, McapError
from mcap.records import Channel, Footer, Schema
from mcap.records import Message as McapMessage
from mcap.stream_reader import StreamReader

from robot.errors import RobotError
from robot.msgs import Message, decode_json
from robot.recording.schema import message_type

MCAP_MAGIC = b"\x89MCAP0\r\n"


class RecordingError(RobotError):
    """The file is not a recording this stack can read."""


@dataclass(frozen=True)
class RecordedMessage:
    topic: str
    """Topic key, e.g. "JointState" or "JointState/leader"."""
    log_time_ns: int
    """When the source stamped the message, on the wall clock (ns since the epoch)."""
    message: Message


@dataclass
class RecordingInfo:
    path: Path
    counts: Counter[str] = field(default_factory=Counter)
    """Messages per topic key; every channel is present, even with zero messages."""
    schemas: dict[str, str] = field(default_factory=dict)
    """Topic key -> message type name."""
    start_ns: int | None = None
    end_ns: int | None = None
    complete: bool = False
    """False when the file ends without its footer (the writer was cut off)."""

    @property
    def duration_s(self) -> float:
        if self.start_ns is None or self.end_ns is None:
            return 0.0
        return (self.end_ns - self.start_ns) / 1e9


def _records(path: Path, info: RecordingInfo) -> Iterator[tuple[str, str, McapMessage]]:
    """Yield (topic, schema name, message record) and fill `info` on the way."""
    schemas: dict[int, str] = {}
    channels: dict[int, tuple[str, str]] = {}
    try:
        with path.open("rb") as f:
            if f.read(len(MCAP_MAGIC)) != MCAP_MAGIC:
                raise RecordingError(f"{path} is not an MCAP file (no magic bytes)")
            f.seek(0)
            for record in StreamReader(f).records:
                if isinstance(record, Schema):
                    schemas[record.id] = record.name
                elif isinstance(record, Channel):
                    name = schemas.get(record.schema_id, "")
                    channels[record.id] = (record.topic, name)
                    info.counts.setdefault(record.topic, 0)
                    info.schemas[record.topic] = name
                elif isinstance(record, McapMessage):
                    topic, name = channels[record.channel_id]
                    info.counts[topic] += 1
                    if info.start_ns is None:
                        info.start_ns = record.log_time
                    info.start_ns = min(info.start_ns, record.log_time)
                    info.end_ns = max(info.end_ns or record.log_time, record.log_time)
                    yield topic, name, record
                elif isinstance(record, Footer):
                    info.complete = True
    except EndOfFile:
        pass  # cut off mid-record: everything before it has been read
    except OSError as err:
        raise RecordingError(f"cannot read recording {path}: {err.strerror}") from err
    except McapError as err:
        raise RecordingError(f"{path} is not a readable MCAP file: {err}") from err


def read_messages(path: str | Path, topics: set[str] | None = None) -> Iterator[RecordedMessage]:
    """Decoded messages in file order, optionally only the given topic keys."""
    info = RecordingInfo(Path(path))
    for topic, name, record in _records(Path(path), info):
        if topics is not None and topic not in topics:
            continue
        try:
            type_ = message_type(name)
        except KeyError as err:
            raise RecordingError(f"{path}: channel {topic!r} has unknown schema {name!r}") from err
        yield RecordedMessage(topic, record.log_time, decode_json(record.data, type_))


def read_info(path: str | Path) -> RecordingInfo:
    """Channels, message counts and time span, without decoding payloads."""
    info = RecordingInfo(Path(path))
    for _ in _records(Path(path), info):
        pass
    return info
