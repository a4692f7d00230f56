"""Corrupt recordings: one line naming the file and where it is corrupt, what comes
before the corruption stays readable, and a cut-off file is still read to its cut."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from mcap.records import Chunk
from mcap.stream_reader import StreamReader
from test_recording import record_some

from core.msgs import JointState
from robot.bus import Bus, fifo
from robot.cli import main as robot_main
from robot.recording import read_info, read_messages, replay
from robot.recording.reader import RecordingError

STATES = 2000
"""Enough joint states for two chunks."""


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recording") / "run.mcap"
    record_some(path, n_states=STATES)
    return path


def chunk_offsets(path: Path) -> list[int]:
    """Byte offsets of the file's chunks."""
    offsets = []
    with path.open("rb") as f:
        records = StreamReader(f, emit_chunks=True).records
        while True:
            offset = f.tell()
            record = next(records, None)
            if record is None:
                return offsets
            if isinstance(record, Chunk):
                offsets.append(offset)


def broken(recording: Path, tmp_path: Path, edit) -> Path:
    data = bytearray(recording.read_bytes())
    edit(data)
    path = tmp_path / "broken.mcap"
    path.write_bytes(bytes(data))
    return path


def garble_second_chunk(recording: Path, tmp_path: Path) -> tuple[Path, int]:
    second = chunk_offsets(recording)[1]

    def edit(data: bytearray) -> None:
        data[second + 100 : second + 140] = b"garbage!" * 5

    return broken(recording, tmp_path, edit), second


def test_garbage_in_a_chunk_stops_reading_there_and_names_it(
    recording: Path, tmp_path: Path
) -> None:
    assert len(chunk_offsets(recording)) >= 2
    path, second = garble_second_chunk(recording, tmp_path)
    info = read_info(path)
    assert not info.complete
    assert f"at byte {second}" in info.corruption
    assert 0 < info.messages < STATES
    got = []
    with pytest.raises(RecordingError) as error:
        got.extend(read_messages(path))
    message = str(error.value)
    assert str(path) in message and f"at byte {second}" in message and "\n" not in message
    assert f"the {len(got)} messages before it are readable" in message
    assert len(got) == info.messages


def test_replay_info_does_not_call_a_corrupt_file_complete(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, second = garble_second_chunk(recording, tmp_path)
    assert robot_main(["replay", str(path), "--info"]) == 1
    out, err = capsys.readouterr()
    assert "complete: yes" not in out
    assert f"complete: no (corrupt at byte {second}" in out
    assert f"total {read_info(path).messages:>9}".split() == out.splitlines()[-1].split()[:2]
    assert err.count("\n") == 1 and str(path) in err


def test_replaying_a_corrupt_file_stops_at_the_corruption(recording: Path, tmp_path: Path) -> None:
    path, _ = garble_second_chunk(recording, tmp_path)
    bus = Bus()
    sub = bus.subscribe(JointState, policy=fifo(STATES))
    with pytest.raises(RecordingError, match=r"broken\.mcap is corrupt at byte"):
        replay(bus, path, speed=math.inf)
    published = 0
    while sub.poll() is not None:
        published += 1
    assert 0 < published == read_info(path).counts["JointState"]


def test_printing_a_corrupt_file_prints_what_is_readable_then_one_line(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = garble_second_chunk(recording, tmp_path)
    assert robot_main(["replay", str(path)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == read_info(path).messages
    assert err.count("\n") == 1 and "is corrupt at byte" in err


@pytest.mark.parametrize("fraction", [0.01, 0.2, 0.45, 0.6, 0.9, 0.999])
def test_a_file_cut_anywhere_is_read_up_to_the_cut(
    recording: Path, tmp_path: Path, fraction: float
) -> None:
    full = [(r.topic, r.log_time_ns) for r in read_messages(recording)]
    path = broken(recording, tmp_path, lambda d: d.__delitem__(slice(int(len(d) * fraction), None)))
    info = read_info(path)
    assert not info.complete and not info.corruption
    got = [(r.topic, r.log_time_ns) for r in read_messages(path)]
    assert got == full[: len(got)]


def test_a_record_running_past_the_end_of_a_finished_file_is_corruption(
    recording: Path, tmp_path: Path
) -> None:
    first = chunk_offsets(recording)[0]

    def lengthen_first_chunk(data: bytearray) -> None:
        data[first + 1 : first + 9] = (len(data) - 10).to_bytes(8, "little")

    path = broken(recording, tmp_path, lengthen_first_chunk)
    info = read_info(path)
    assert not info.complete and "runs past the end of the file" in info.corruption
