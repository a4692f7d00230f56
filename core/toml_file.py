"""Read a TOML file into a typed struct, with errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import msgspec

from core.errors import ConfigError

T = TypeVar("T")


def load_toml(path: Path, type_: type[T], what: str) -> T:
    """Decode `path` as `type_`; `what` names the kind of file in errors ("launch file").

    Raises `ConfigError`: the file cannot be read, is not TOML (or nests deeper than the
    parser can go), or a key is unknown, missing or of the wrong type (msgspec names it,
    e.g. `$.limits.velocity_scale`).
    """
    try:
        text = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read {what} {path}: {err.strerror}") from err
    try:
        return msgspec.toml.decode(text, type=type_)
    except msgspec.ValidationError as err:
        raise ConfigError(f"{path}: {err}") from err
    except msgspec.DecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    except RecursionError as err:  # Python's TOML parser recurses into nested arrays
        raise ConfigError(f"{path}: values nested too deeply to read") from err
