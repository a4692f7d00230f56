"""Record bus topics to an MCAP file, one JSON channel per topic, and, given a
`FoxgloveConverter`, the same messages in Foxglove's well-known schemas beside them
(robot/live/foxglove_messages.py: the arm's measured and commanded frame trees, the
scene, camera images, the log, the URDF), so Foxglove replays the arm in 3D.

The recorder is a node: it drains fifo subscriptions in its own thread, so the
publishers never wait on the disk. It closes a chunk and flushes the file every
`flush_period_s`: a recording cut off by a crash is readable up to that point.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mcap.writer import CompressionType, Writer

from core.msgs import Message, encode_json
from robot.bus import Bus, Topic, fifo
from robot.node import Node
from robot.recording.schema import json_schema

if TYPE_CHECKING:
    from robot.live.foxglove_messages import FoxgloveConverter

DEFAULT_DEPTH = 100_000
"""Messages a topic may queue before the publisher sees `QueueFull` (about 100 s at 1 kHz)."""
DEFAULT_FLUSH_PERIOD_S = 0.5
CHUNK_SIZE = 256 * 1024
"""Bytes per MCAP chunk; a chunk also closes at every flush."""


class Recorder(Node):
    """Writes every message of `topics` to `path` until stopped.

    topics: message types or `Topic`s (for named topics). foxglove: converts the
    messages to Foxglove's schemas for the channels beside ours (None: ours only).
    """

    def __init__(
        self,
        bus: Bus,
        path: str | Path,
        topics: Iterable[Topic | type[Message]],
        *,
        flush_period_s: float = DEFAULT_FLUSH_PERIOD_S,
        depth: int = DEFAULT_DEPTH,
        foxglove: FoxgloveConverter | None = None,
    ) -> None:
        super().__init__(bus, f"recorder:{Path(path).name}", period_s=flush_period_s)
        self.path = Path(path)
        self.topics = [t if isinstance(t, Topic) else Topic(t) for t in topics]
        if not self.topics:
            raise ValueError("a recorder needs at least one topic")
        self.count = 0
        self._file: IO[bytes] | None = None
        self._writer: Writer | None = None
        self._channels: dict[str, int] = {}
        self.foxglove = foxglove
        self._foxglove_schemas: dict[str, int] = {}
        # Log times are the sources' stamps moved onto the wall clock, so a replay
        # keeps the timing the sources had, not the recorder's.
        self._wall_minus_monotonic_ns = time.time_ns() - time.monotonic_ns()
        for topic in self.topics:
            self.handle(topic.type, self._make_writer_for(topic), topic.name, policy=fifo(depth))

    def setup(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("wb")
        self._writer = Writer(self._file, chunk_size=CHUNK_SIZE, compression=CompressionType.ZSTD)
        self._writer.start(profile="", library="robot-stack")
        schemas: dict[type[Message], int] = {}
        for topic in self.topics:
            if topic.type not in schemas:
                schemas[topic.type] = self._writer.register_schema(
                    name=topic.type.__name__,
                    encoding="jsonschema",
                    data=json.dumps(json_schema(topic.type)).encode(),
                )
            self._channels[topic.key] = self._writer.register_channel(
                topic=topic.key, message_encoding="json", schema_id=schemas[topic.type]
            )
        if self.foxglove is not None:
            self._write_description()
        self._writer.flush()

    def _write_description(self) -> None:
        """The URDF, once, on its topic (the 3D panel's URDF layer reads it there)."""
        from robot.live.foxglove_messages import (
            DESCRIPTION_SCHEMA,
            DESCRIPTION_SCHEMA_NAME,
            TOPIC_DESCRIPTION,
        )

        assert self._writer is not None and self.foxglove is not None
        schema = self._writer.register_schema(
            name=DESCRIPTION_SCHEMA_NAME,
            encoding="jsonschema",
            data=json.dumps(DESCRIPTION_SCHEMA).encode(),
        )
        channel = self._writer.register_channel(
            topic=TOPIC_DESCRIPTION, message_encoding="json", schema_id=schema
        )
        self._channels[TOPIC_DESCRIPTION] = channel
        now = time.time_ns()
        data = json.dumps(self.foxglove.description()).encode()
        self._writer.add_message(channel, log_time=now, publish_time=now, data=data)

    def _foxglove_channel(self, topic: str, message: Any) -> int:
        """The channel of a Foxglove topic, registered with its protobuf schema when
        first written (camera topics appear with their first frame)."""
        assert self._writer is not None
        channel = self._channels.get(topic)
        if channel is None:
            schema = message.get_schema()
            schema_id = self._foxglove_schemas.get(schema.name)
            if schema_id is None:
                schema_id = self._writer.register_schema(
                    name=schema.name, encoding=schema.encoding, data=schema.data
                )
                self._foxglove_schemas[schema.name] = schema_id
            channel = self._writer.register_channel(
                topic=topic, message_encoding=schema.encoding, schema_id=schema_id
            )
            self._channels[topic] = channel
        return channel

    def _make_writer_for(self, topic: Topic):
        key = topic.key

        def write(msg: Message) -> None:
            assert self._writer is not None
            self._writer.add_message(
                channel_id=self._channels[key],
                log_time=msg.stamp_ns + self._wall_minus_monotonic_ns,
                publish_time=msg.stamp_ns,
                sequence=msg.seq & 0xFFFFFFFF,
                data=encode_json(msg),
            )
            self.count += 1
            if self.foxglove is not None:
                for fg_topic, fg_msg in self.foxglove.convert(msg):
                    self._writer.add_message(
                        channel_id=self._foxglove_channel(fg_topic, fg_msg),
                        log_time=self.foxglove.stamp(msg),
                        publish_time=msg.stamp_ns,
                        data=fg_msg.encode(),
                    )

        return write

    def tick(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def teardown(self) -> None:
        if self._writer is None or self._file is None:
            return
        self.dispatch()  # what arrived before stop() is recorded too
        self._writer.finish()
        self._file.close()
