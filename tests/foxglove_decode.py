"""Decode Foxglove's protobuf messages in tests, from the schema a channel carries (a
FileDescriptorSet, as in an MCAP schema record or a WebSocket advertisement)."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def decoder(schema_name: str, schema_data: bytes):
    """A function from payload bytes to the decoded protobuf message of `schema_name`."""
    files = descriptor_pb2.FileDescriptorSet.FromString(schema_data)
    pool = descriptor_pool.DescriptorPool()
    pending = list(files.file)
    while pending:  # dependencies first, whatever the set's order
        added = [f for f in pending if all(_known(pool, d) for d in f.dependency)]
        if not added:
            raise ValueError(f"unresolvable dependencies in the schema of {schema_name}")
        for f in added:
            pool.Add(f)
            pending.remove(f)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(schema_name))

    def decode(payload: bytes) -> Any:
        return cls.FromString(payload)

    return decode


def _known(pool: descriptor_pool.DescriptorPool, name: str) -> bool:
    try:
        pool.FindFileByName(name)
    except KeyError:
        return False
    return True
