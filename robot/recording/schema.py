"""JSON schemas of the message types, self-contained so Foxglove can show every field."""

from __future__ import annotations

from typing import Any

import msgspec

from core.msgs import MESSAGE_TYPES, Message


def json_schema(type_: type[Message]) -> dict[str, Any]:
    """The type's JSON schema with every `$ref` inlined (no `$defs` left)."""
    schema = msgspec.json.schema(type_)
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(schema)


def message_type(name: str) -> type[Message]:
    """The message type called `name` ("JointState"); KeyError if there is none."""
    for type_ in MESSAGE_TYPES:
        if type_.__name__ == name:
            return type_
    raise KeyError(f"no message type {name!r} in core.msgs")
