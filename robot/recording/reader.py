"""Read recordings back, including ones cut off by a crash, and stop at a corruption.

Reading streams the file from the start rather than seeking to its summary, which
a crashed writer never wrote: every chunk that reached the disk is read. A record that
runs into the end of a file without a closing magic is where a crashed writer was cut
off: what came before it is the recording. Anything else that does not parse (a chunk
that does not decompress or fails its CRC, a garbled record, a record running past the
end of a finished file) is a corruption: reading stops there, `RecordingInfo` says where
and `read_messages` raises `RecordingError` after the messages before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mcap.exceptions import RecordLengthLimitExceeded
from mcap.records import Channel, Footer, Schema
from mcap.records import Message as McapMessage
from mcap.stream_reader import StreamReader

from core.errors import MessageError, RobotError
from core.msgs import Message, decode_json
from robot.recording.schema import message_type

MCAP_MAGIC = b"\x89MCAP0\r\n"


class RecordingError(RobotError):
    """The file is not a recording this stack can read, or is corrupt."""


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
    """Readable messages per topic key; every channel is present, even with zero."""
    schemas: dict[str, str] = field(default_factory=dict)
    """Topic key -> message type name."""
    start_ns: int | None = None
    end_ns: int | None = None
    complete: bool = False
    """True only when the whole file was read, footer included."""
    corruption: str = ""
    """Where and why reading stopped before the end ("" when it did not)."""

    @property
    def duration_s(self) -> float:
        if self.start_ns is None or self.end_ns is None:
            return 0.0
        return (self.end_ns - self.start_ns) / 1e9

    @property
    def messages(self) -> int:
        return sum(self.counts.values())

    def error(self) -> RecordingError:
        """The corruption as the one-line error `read_messages` raises."""
        return RecordingError(
            f"{self.path} is corrupt {self.corruption}; the {self.messages} messages before "
            "it are readable"
        )


def _one_line(err: Exception) -> str:
    return (str(err).strip() or type(err).__name__).splitlines()[0]


def _records(path: Path, info: RecordingInfo) -> Iterator[tuple[str, str, McapMessage]]:
    """Yield (topic, schema name, message record) and fill `info` on the way."""
    schemas: dict[int, str] = {}
    channels: dict[int, tuple[str, str]] = {}
    try:
        f = path.open("rb")
    except OSError as err:
        raise RecordingError(f"cannot read recording {path}: {err.strerror}") from err
    with f:
        size = path.stat().st_size
        if f.read(len(MCAP_MAGIC)) != MCAP_MAGIC:
            raise RecordingError(f"{path} is not an MCAP file (no magic bytes)")
        # A file that ends with the magic was closed by its writer: a record running into
        # its end is garbled, where in a crashed writer's file it is where it was cut off.
        f.seek(max(0, size - len(MCAP_MAGIC)))
        finished = size >= 2 * len(MCAP_MAGIC) and f.read() == MCAP_MAGIC
        f.seek(0)
        # No record is longer than the file: a larger length is garbage, not an allocation.
        records = StreamReader(f, validate_crcs=True, record_size_limit=size).records
        footer = False
        while True:
            offset = f.tell()
            try:
                record = next(records)
            except StopIteration:
                info.complete = footer
                return
            except Exception as err:  # the mcap library raises whatever damaged bytes
                # make its parsing hit: struct.error, ZstdError, UnicodeDecodeError...
                if not (f.tell() >= size or isinstance(err, RecordLengthLimitExceeded)):
                    info.corruption = f"at byte {offset}: {_one_line(err)}"
                elif finished:
                    info.corruption = f"at byte {offset}: a record runs past the end of the file"
                return  # else cut off mid-record: everything before it has been read
            if isinstance(record, Schema):
                schemas[record.id] = record.name
            elif isinstance(record, Channel):
                name = schemas.get(record.schema_id, "")
                channels[record.id] = (record.topic, name)
                info.counts.setdefault(record.topic, 0)
                info.schemas[record.topic] = name
            elif isinstance(record, McapMessage):
                if record.channel_id not in channels:
                    info.corruption = (
                        f"at byte {offset}: a message on unknown channel {record.channel_id}"
                    )
                    return
                topic, name = channels[record.channel_id]
                info.counts[topic] += 1
                if info.start_ns is None:
                    info.start_ns = record.log_time
                info.start_ns = min(info.start_ns, record.log_time)
                info.end_ns = max(info.end_ns or record.log_time, record.log_time)
                yield topic, name, record
            elif isinstance(record, Footer):
                footer = True


FOXGLOVE_SCHEMAS = ("foxglove.", "std_msgs/")
"""Schema name prefixes of the channels the recorder writes for Foxglove beside ours
(robot/live/foxglove_messages.py): Foxglove's well-known schemas and the URDF's string."""


def is_foxglove_schema(name: str) -> bool:
    return name.startswith(FOXGLOVE_SCHEMAS)


def read_messages(path: str | Path, topics: set[str] | None = None) -> Iterator[RecordedMessage]:
    """Decoded messages of our own types in file order, optionally only the given topic
    keys (the channels in Foxglove's schemas are skipped: they repeat ours for Foxglove).

    Raises `RecordingError` at a corruption, after the messages before it."""
    info = RecordingInfo(Path(path))
    for topic, name, record in _records(Path(path), info):
        if topics is not None and topic not in topics:
            continue
        if topics is None and is_foxglove_schema(name):
            continue  # the same messages in Foxglove's schemas, for Foxglove, not for us
        try:
            type_ = message_type(name)
        except KeyError as err:
            raise RecordingError(f"{path}: channel {topic!r} has unknown schema {name!r}") from err
        try:
            message = decode_json(record.data, type_)
        except MessageError as err:
            raise RecordingError(
                f"{path}: message {info.messages} on {topic!r} is not a {name}: {err}"
            ) from err
        yield RecordedMessage(topic, record.log_time, message)
    if info.corruption:
        raise info.error()


def read_info(path: str | Path) -> RecordingInfo:
    """Channels, message counts and time span, without decoding payloads; a corrupt file
    gives what was readable before the corruption and says where it is."""
    info = RecordingInfo(Path(path))
    for _ in _records(Path(path), info):
        pass
    return info
