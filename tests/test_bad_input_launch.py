"""Bad launch values fail at load, naming the file and the key: every numeric key is
range-checked (NaN and infinities included) and Zenoh endpoints are checked for form."""

from __future__ import annotations

import math
import socket
import tempfile
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import BusError, ConfigError
from robot.bus_zenoh import ZenohBackend, endpoint_problem
from robot.launch.config import MAX_SEPARATION_M, Launch, load_launch

TOML_INT_MAX = 2**63 - 1


def numeric_keys() -> list[tuple[str, str, type, type]]:
    """(section, key, int or float, section class) for every numeric key of `Launch`."""
    found = []
    for section in msgspec.inspect.type_info(Launch).fields:
        union = isinstance(section.type, msgspec.inspect.UnionType)
        for kind in section.type.types if union else [section.type]:
            if not isinstance(kind, msgspec.inspect.StructType):
                continue  # the None of an optional section
            for field in kind.fields:
                if isinstance(field.type, msgspec.inspect.IntType):
                    found.append((section.name, field.name, int, kind.cls))
                elif isinstance(field.type, msgspec.inspect.FloatType):
                    found.append((section.name, field.name, float, kind.cls))
    return found


NUMERIC_KEYS = numeric_keys()


def load_text(text: str, name: str = "bad.toml") -> Launch:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text)
        return load_launch(path)


def toml_number(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def test_every_numeric_key_has_a_range() -> None:
    assert len(NUMERIC_KEYS) >= 14
    for section, key, _, cls in NUMERIC_KEYS:
        assert key in cls.RANGES, f"{section}.{key} has no range in {cls.__name__}.RANGES"


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[limits]\ncollaborative_speed_m_s = nan\n", "limits.collaborative_speed_m_s", "got nan"),
        ("[rates]\nphysics_hz = nan\n", "rates.physics_hz", "finite number > 0"),
        ("[rates]\ncontrol_hz = inf\n", "rates.control_hz", "got inf"),
        ("[limits]\nslow_distance_m = -inf\n", "limits.slow_distance_m", "got -inf"),
        ("[scene]\nseed = -3\n", "scene.seed", "got -3"),
        ("[limbs]\nwatchdog_ms = -100.0\n", "limbs.watchdog_ms", "> 0"),
        ("[limbs]\nwatchdog_ms = 0\n", "limbs.watchdog_ms", "got 0.0"),
        ("[brain]\nmax_replans = -1\n", "brain.max_replans", ">= 0"),
        ("[brain]\nthreads = 1000\n", "brain.threads", "<= 256"),
        ("[kiosk]\nport = 70000\n", "kiosk.port", "<= 65535"),
        ("[cerebellum]\ncpu = 5000\n", "cerebellum.cpu", "got 5000"),
        ("[cerebellum]\ncpu = -2\n", "cerebellum.cpu", ">= -1"),
        ("[limits]\nvelocity_scale = 0.0\n", "limits.velocity_scale", "> 0"),
        ("[rates]\nphysics_hz = 1e9\n", "rates.physics_hz", "got 1000000000.0"),
        ("[bus]\nlisten = ['bogus']\n", "bus.listen", "'bogus'"),
        ("[bus]\nconnect = ['tcp/127.0.0.1']\n", "bus.connect", "host:port"),
        ("[bus]\nconnect = ['tcp/127.0.0.1:0']\n", "bus.connect", "port 0"),
        ("[bus]\nlisten = ['tcp/127.0.0.1:99999']\n", "bus.listen", "port 99999"),
        ("[bus]\nlisten = ['carrier-pigeon/roof:1']\n", "bus.listen", "'carrier-pigeon'"),
        ("[bus]\nconnect = ['tcp/300.1.2.3:7447']\n", "bus.connect", "not an IP address"),
        ("[bus]\nconnect = ['tcp/127.0.0.1:7447 ']\n", "bus.connect", "host:port"),
    ],
)
def test_bad_values_fail_at_load_naming_file_and_key(text: str, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_text(text)
    message = str(info.value)
    assert "bad.toml" in message and f"`{key}`" in message and fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "text",
    [
        "instructions = " + "[" * 5000 + "]" * 5000,
        "[kiosk]\nrequests = " + "{a = " * 3000 + "1" + "}" * 3000,
    ],
    ids=["nested arrays", "nested inline tables"],
)
def test_deep_nesting_is_a_config_error_not_a_recursion_error(text: str) -> None:
    # Found by tests/test_fuzz_launch.py: Python's TOML parser recursed until it failed.
    with pytest.raises(ConfigError, match=r"bad\.toml: values nested too deeply"):
        load_text(text)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(NUMERIC_KEYS),
    st.one_of(
        st.floats(),
        st.integers(-TOML_INT_MAX, TOML_INT_MAX),
        st.sampled_from([0, -1, 1, 99, 100, 65535, 65536, 2**32]),
    ),
)
def test_any_number_for_any_numeric_key_loads_only_if_in_range(
    where: tuple[str, str, type, type], value: float
) -> None:
    section, key, number, cls = where
    if number is int and isinstance(value, float):
        value = int(value) if math.isfinite(value) and abs(value) < TOML_INT_MAX else 0
    # The other separation distance is set so that only `key`'s own range decides.
    partner = {
        "slow_distance_m": "protective_distance_m = 1e-12\n",
        "protective_distance_m": f"slow_distance_m = {MAX_SEPARATION_M}\n",
    }.get(key, "")
    text = f"[{section}]\n{key} = {toml_number(value)}\n{partner}"
    in_range = own = cls.RANGES[key].admits(value)
    named = key
    if key == "slow_distance_m":
        in_range = in_range and value > 1e-12
        if own and not in_range:  # in its own range, not above the other: that one is named
            named = "protective_distance_m"
    if key == "protective_distance_m":
        in_range = in_range and value < MAX_SEPARATION_M
    if in_range:
        loaded = getattr(load_text(text), section)
        assert getattr(loaded, key) == value
    else:
        with pytest.raises(ConfigError, match=rf"bad\.toml: `{section}\.{named}`"):
            load_text(text)


WELL_FORMED_ENDPOINTS = [
    "tcp/127.0.0.1:7447",
    "tcp/localhost:7447",
    "tcp/[::1]:7447",
    "udp/192.168.1.10:7447",
    "tls/arm-host.local:7447",
    "quic/10.0.0.2:7447",
    "ws/127.0.0.1:8000",
    "unixsock-stream//tmp/robot.sock",
    "tcp/0.0.0.0:0",
    "tcp/192.168.1.10:7447?prio=1-7#iface=eth0;so_sndbuf=65000",
]
MALFORMED_ENDPOINTS = [
    "",
    "tcp",
    "tcp/",
    "/127.0.0.1:7447",
    "tcp127.0.0.1:7447",
    "serial//dev/ttyUSB0",
    "tcp/:7447",
    "tcp/[zz::1]:7447",
    "tcp/host:port",
    "tcp/1.2.3.4:-1",
]


def test_endpoints_of_zenohs_forms_pass_and_malformed_ones_are_named() -> None:
    for endpoint in WELL_FORMED_ENDPOINTS:
        assert endpoint_problem(endpoint, listening=True) is None, endpoint
    for endpoint in MALFORMED_ENDPOINTS:
        assert endpoint_problem(endpoint, listening=True), endpoint
        with pytest.raises(BusError) as info:
            ZenohBackend(listen=[endpoint])
        assert f"Zenoh endpoint {endpoint!r}" in str(info.value)


def test_a_session_that_cannot_open_is_one_line_naming_the_endpoint() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        endpoint = f"tcp/127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(BusError) as info:
            ZenohBackend(listen=[endpoint])
    message = str(info.value)
    assert endpoint in message and "\n" not in message and ".rs:" not in message
