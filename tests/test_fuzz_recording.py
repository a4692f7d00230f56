"""Fuzzing the MCAP reader: random bytes, and a real small recording with bytes flipped,
cut, deleted, inserted and spliced from elsewhere in the file.

`read_info` returns or raises `RecordingError`; `read_messages` yields messages and
ends or raises `RecordingError` (a `RobotError`); they agree on how many messages are
readable; nothing else is raised and nothing hangs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fuzz_support import FAST, SLOW, time_limit
from hypothesis import given
from hypothesis import strategies as st
from test_recording import record_some

from robot.recording import read_info, read_messages
from robot.recording.reader import MCAP_MAGIC, RecordingError


@pytest.fixture(scope="module")
def recording() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.mcap"
        record_some(path, n_states=40)
        return path.read_bytes()


Edit = tuple[str, int, int, bytes]
"""(operation, position, count or xor mask, bytes to insert); positions wrap around."""

edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "flip", "cut", "delete", "insert", "splice"]),
        st.integers(0, 2**20),
        st.integers(1, 255),
        st.binary(max_size=16),
    ),
    min_size=1,
    max_size=4,
)


def mutate(data: bytes, ops: list[Edit]) -> bytes:
    out = bytearray(data)
    for op, position, count, extra in ops:
        at = position % (len(out) + 1)
        if op == "flip" and at < len(out):
            out[at] ^= count
        elif op == "cut":
            del out[at:]
        elif op == "delete":
            del out[at : at + count]
        elif op == "insert":
            out[at:at] = extra
        elif op == "splice" and out:
            source = (position * 7 + count) % len(out)
            out[at:at] = out[source : source + count]
    return bytes(out)


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.mcap"
        path.write_bytes(data)
        with time_limit():
            try:
                info = read_info(path)
            except RecordingError as err:
                assert "fuzz.mcap" in str(err) and "\n" not in str(err)
                return
            assert not (info.complete and info.corruption)
            read = 0
            try:
                for _ in read_messages(path):
                    read += 1
            except RecordingError as err:
                assert "fuzz.mcap" in str(err) and "\n" not in str(err)
                return
    assert read == info.messages


@FAST
@given(edits)
def test_a_damaged_recording_reads_or_is_a_recording_error(recording: bytes, ops) -> None:
    check(mutate(recording, ops))


@FAST
@given(st.binary(max_size=300), st.booleans())
def test_random_bytes_read_or_are_a_recording_error(data: bytes, with_magic: bool) -> None:
    check(MCAP_MAGIC + data if with_magic else data)


@pytest.mark.slow
@SLOW
@given(edits)
def test_a_damaged_recording_reads_or_is_a_recording_error_long(recording: bytes, ops) -> None:
    check(mutate(recording, ops))


def test_the_undamaged_recording_is_complete(recording: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.mcap"
        path.write_bytes(recording)
        info = read_info(path)
    assert info.complete and not info.corruption and info.messages == 43
