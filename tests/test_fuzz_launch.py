"""Fuzzing the launch loader with TOML of any shape and values (and text that is not
TOML at all). It returns a `Launch` whose every number is in its range, or raises
`core.errors.ConfigError`; nothing else, and it does not hang."""

from __future__ import annotations

import tempfile
from pathlib import Path

import msgspec
import pytest
from fuzz_support import FAST, SLOW, time_limit, toml_value
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ConfigError
from robot.launch.config import Launch, load_launch

MAX_NESTING = 3000
"""Deeper than Python's recursion limit: the parser must fail cleanly, not recurse out."""

bare_key = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.floats(), st.sampled_from([0, -1, 1, 0.0, 1e-300])
)
scalars = st.one_of(numbers, st.booleans(), st.text(max_size=20))


values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(bare_key, inner, max_size=3)
    ),
    max_leaves=8,
).map(toml_value)
deeply_nested = st.tuples(st.integers(1, MAX_NESTING), st.sampled_from(["[", "{a = "])).map(
    lambda d: d[1] * d[0] + "1" + ("]" if d[1] == "[" else "}") * d[0]
)
any_value = st.one_of(values, values, values, deeply_nested, st.just("1979-05-27"))


def typed_values(kind: msgspec.inspect.Type) -> st.SearchStrategy[str]:
    """Values of the key's own type (numbers of any size for numbers): they get past the
    type check to the range checks."""
    if isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType):
        return numbers.map(toml_value)
    if isinstance(kind, msgspec.inspect.LiteralType):
        return st.sampled_from(kind.values).map(toml_value)
    if isinstance(kind, msgspec.inspect.BoolType):
        return st.booleans().map(toml_value)
    if isinstance(kind, msgspec.inspect.ListType):
        return st.lists(st.text(max_size=20), max_size=3).map(toml_value)
    return st.text(max_size=20).map(toml_value)


def section_keys() -> dict[str, dict[str, st.SearchStrategy[str]]]:
    """Each section of `Launch` (the optional kiosk too): its keys and their values."""
    found = {}
    for section in msgspec.inspect.type_info(Launch).fields:
        union = isinstance(section.type, msgspec.inspect.UnionType)
        for kind in section.type.types if union else [section.type]:
            if isinstance(kind, msgspec.inspect.StructType):
                found[section.name] = {f.name: typed_values(f.type) for f in kind.fields}
    return found


SECTIONS = section_keys()


@st.composite
def launch_texts(draw: st.DrawFn, junk: bool) -> str:
    """A TOML document of the launch file's sections and keys with values of their types
    (they reach the range checks); with `junk`, also unknown sections and keys and
    values of any type, nested arbitrarily deep."""
    keys_of = dict(SECTIONS)
    value = st.one_of(st.just(None), any_value) if junk else st.just(None)
    names = st.sampled_from(list(keys_of))
    if junk:
        names = st.one_of(names, bare_key)
    lines = []
    if draw(st.booleans()):
        instructions = st.lists(st.text(max_size=20), max_size=3).map(toml_value)
        lines.append(f"instructions = {draw(value) or draw(instructions)}")
    for section in draw(st.lists(names, max_size=4, unique=True)):
        lines.append(f"[{section}]")
        known = keys_of.get(section, {"x": any_value})
        keys = st.sampled_from(list(known))
        for key in draw(
            st.lists(st.one_of(keys, bare_key) if junk else keys, max_size=4, unique=True)
        ):
            lines.append(f"{key} = {draw(value) or draw(known.get(key, any_value))}")
    return "\n".join(lines) + "\n"


documents = st.one_of(
    launch_texts(junk=False).map(str.encode),
    launch_texts(junk=True).map(str.encode),
    st.text(max_size=200).map(str.encode),
    st.binary(max_size=200),
)


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(data)
        with time_limit():
            try:
                launch = load_launch(path)
            except ConfigError as err:
                assert "fuzz.toml" in str(err)
                return
    for name in Launch.__struct_fields__:
        section = getattr(launch, name)
        for key, allowed in getattr(section, "RANGES", {}).items():
            assert allowed.admits(getattr(section, key)), f"{name}.{key}"


@FAST
@given(documents)
def test_any_toml_loads_in_range_or_is_a_config_error(data: bytes) -> None:
    check(data)


@pytest.mark.slow
@SLOW
@given(documents)
def test_any_toml_loads_in_range_or_is_a_config_error_long(data: bytes) -> None:
    check(data)
