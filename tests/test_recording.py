"""Recording to MCAP, reading back with the mcap library itself, replay, and crash safety."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from mcap.reader import make_reader

from core.msgs import MESSAGE_TYPES, JointState, Plan, Step, Utterance, decode_json
from robot.bus import Bus, Topic, fifo
from robot.cli import main as robot_main
from robot.recording import Recorder, read_info, read_messages, replay
from robot.recording.reader import RecordingError
from robot.recording.schema import json_schema


def record_some(path: Path, n_states: int = 200) -> list:
    bus = Bus()
    recorder = Recorder(bus, path, [JointState, Topic(JointState, "leader"), Utterance, Plan])
    recorder.start()
    sent = [bus.publish(JointState(position=(i * 0.001,) * 6)) for i in range(n_states)]
    sent.append(bus.publish(JointState(position=(9.0,)), "leader"))
    sent.append(bus.publish(Utterance(text="Ich bringe den Tee.", language="de")))
    sent.append(bus.publish(Plan(instruction="x", steps=(Step("go_home"),))))
    time.sleep(0.05)
    recorder.stop()
    assert recorder.failure is None
    return sent


def test_mcap_library_reads_one_channel_per_topic(tmp_path: Path, no_thread_left) -> None:
    path = tmp_path / "run.mcap"
    sent = record_some(path)
    with path.open("rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        assert summary is not None
        topics = sorted(c.topic for c in summary.channels.values())
        assert topics == ["JointState", "JointState/leader", "Plan", "Utterance"]
        assert summary.statistics.message_count == len(sent)
        for schema in summary.schemas.values():
            assert schema.encoding == "jsonschema"
        decoded = [
            decode_json(msg.data, type(sent[0]))
            for _, ch, msg in reader.iter_messages()
            if ch.topic == "JointState"
        ]
    assert decoded == sent[:200]


def test_read_messages_returns_the_same_typed_messages(tmp_path: Path) -> None:
    path = tmp_path / "run.mcap"
    sent = record_some(path, n_states=20)
    got = [r.message for r in read_messages(path)]
    assert sorted(got, key=lambda m: m.stamp_ns) == sorted(sent, key=lambda m: m.stamp_ns)
    info = read_info(path)
    assert info.complete
    assert info.counts == {"JointState": 20, "JointState/leader": 1, "Utterance": 1, "Plan": 1}


@pytest.mark.parametrize("type_", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_json_schema_is_self_contained_and_lists_every_field(type_) -> None:
    schema = json_schema(type_)
    assert "$ref" not in str(schema) and "$defs" not in schema
    assert set(schema["properties"]) == set(type_.__struct_fields__)


def test_replay_publishes_in_order_and_keeps_pace(tmp_path: Path) -> None:
    path = tmp_path / "run.mcap"
    bus = Bus()
    recorder = Recorder(bus, path, [Utterance])
    recorder.start()
    for i in range(5):
        bus.publish(Utterance(text=str(i)))
        time.sleep(0.02)
    recorder.stop()

    target = Bus()
    sub = target.subscribe(Utterance, policy=fifo(10))
    assert replay(target, path, speed=math.inf) == 5
    assert [sub.poll().text for _ in range(5)] == ["0", "1", "2", "3", "4"]

    start = time.monotonic()
    replay(target, path, speed=1.0)
    # Four gaps of >= 20 ms were recorded; pacing cannot make a replay shorter than that.
    assert time.monotonic() - start >= 0.08


WRITER_PROGRAM = textwrap.dedent(
    """
    import sys, time
    from robot.bus import Bus
    from core.msgs import JointState
    from robot.recording import Recorder

    bus = Bus()
    recorder = Recorder(bus, sys.argv[1], [JointState], flush_period_s=0.05)
    recorder.start()
    for i in range(1000):
        bus.publish(JointState(position=(float(i),) * 6))
    time.sleep(0.3)  # several flush periods: the 1000 are on disk
    print("flushed", flush=True)
    while True:
        bus.publish(JointState(position=(-1.0,) * 6))
        time.sleep(0.0005)
    """
)


def test_a_killed_writer_leaves_a_readable_recording(tmp_path: Path) -> None:
    path = tmp_path / "crash.mcap"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER_PROGRAM, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "flushed"
    time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    info = read_info(path)
    assert not info.complete
    assert info.counts["JointState"] >= 1000
    positions = [r.message.position[0] for r in read_messages(path)]
    assert positions[:1000] == [float(i) for i in range(1000)]
    assert robot_main(["replay", str(path), "--info"]) == 0


def test_garbage_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.mcap"
    path.write_bytes(b"definitely not an mcap file")
    with pytest.raises(RecordingError, match=r"junk\.mcap"):
        read_info(path)
    for name, data in [("tiny", b"\x89MC"), ("empty", b""), ("v1", b"\x89MCAP1\r\n" + bytes(99))]:
        (tmp_path / f"{name}.mcap").write_bytes(data)
        with pytest.raises(RecordingError, match=rf"{name}\.mcap is not an MCAP file"):
            read_info(tmp_path / f"{name}.mcap")
    with pytest.raises(RecordingError, match="cannot read"):
        read_info(tmp_path / "missing.mcap")


def test_replay_info_command_prints_channels(tmp_path: Path, capsys) -> None:
    path = tmp_path / "run.mcap"
    record_some(path, n_states=7)
    assert robot_main(["replay", str(path), "--info"]) == 0
    out = capsys.readouterr().out
    assert "JointState/leader" in out
    assert "complete: yes" in out
    assert any(
        line.split()[-1] == "7" for line in out.splitlines() if line.startswith("JointState ")
    )
