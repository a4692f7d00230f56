"""Every message type round-trips through msgpack and JSON; malformed payloads fail typed."""

from __future__ import annotations

import msgspec
import pytest

from core.errors import MessageError
from core.msgs import (
    MESSAGE_TYPES,
    CameraFrame,
    EStop,
    Heartbeat,
    Instruction,
    JointCommand,
    JointState,
    LoopStats,
    ObjectState,
    PersonState,
    Plan,
    PlanStatus,
    RunUntil,
    SafetyEvent,
    SkillCall,
    SkillStatus,
    Step,
    SurfaceState,
    Utterance,
    WorldState,
    decode_json,
    decode_msgpack,
    encode_json,
    encode_msgpack,
)

SAMPLES = [
    Instruction(text="Bring the guest a cup of tea", language="en"),
    Utterance(text="Ich bringe die Tasse.", language="de"),
    PlanStatus(plan_seq=3, state="running", step=1, step_count=4),
    Plan(
        instruction="把蓝色的杯子放到托盘上。",
        steps=(
            Step("pick", {"object": "cup_blue"}),
            Step("place", {"object": "cup_blue", "target": "tray"}),
        ),
        language="zh",
    ),
    Plan(instruction="Throw the teapot", refused=True, reason="throwing is unsafe"),
    SkillCall(plan_seq=1, index=0, step=Step("go_home")),
    SkillStatus(plan_seq=1, index=0, skill="pick", state="failed", reason="grasp slipped"),
    SkillStatus(plan_seq=1, index=1, skill="place", state="succeeded", time_s=12.34),
    WorldState(
        scene="tea",
        objects={"cup_red": ObjectState((0.2, 0.1, 0.05), (0.0, 0.0, 0.0, 1.0), 0.5)},
        persons={"guest": PersonState((0.3, -0.2, 0.2), hand=(0.25, -0.1, 0.15))},
        surfaces={"table": SurfaceState((0.0, 0.0, 0.0), (0.5, 0.4, 0.02))},
    ),
    JointState(position=(0.1,) * 6, velocity=(0.0,) * 6, effort=(0.2,) * 6),
    JointCommand(position=(0.0, 0.5, -0.5, 0.0, 0.0, 0.3)),
    SafetyEvent(kind="separation_stop", severity="stop", detail="hand at 0.08 m"),
    EStop(engaged=True, source="kiosk", reason="STOP pressed"),
    LoopStats(
        period_us=1000.0,
        ticks=1000,
        overruns=0,
        jitter_p50_us=3.0,
        jitter_p99_us=20.0,
        jitter_p999_us=60.0,
        jitter_max_us=80.0,
        compute_p99_us=40.0,
    ),
    RunUntil(time_s=24.5),
    CameraFrame(camera="overview", width=2, height=1, encoding="rgb8", data=bytes(6)),
    Heartbeat(node="brain"),
]


def test_samples_cover_every_message_type() -> None:
    assert {type(m) for m in SAMPLES} == set(MESSAGE_TYPES)


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip_msgpack(msg) -> None:
    assert decode_msgpack(encode_msgpack(msg), type(msg)) == msg


@pytest.mark.parametrize("msg", SAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip_json(msg) -> None:
    assert decode_json(encode_json(msg), type(msg)) == msg


def test_messages_are_frozen() -> None:
    msg = JointState(position=(0.0,))
    with pytest.raises(AttributeError):
        msg.position = (1.0,)  # type: ignore[misc]


def test_stamp_is_monotonic_at_creation() -> None:
    a = Heartbeat(node="x")
    b = Heartbeat(node="x")
    assert 0 < a.stamp_ns <= b.stamp_ns


@pytest.mark.parametrize(
    ("payload", "type_", "fragment"),
    [
        (b'{"position": "not a list"}', JointState, "position"),
        (b'{"velocity": [0.0]}', JointState, "position"),
        (b'{"engaged": "yes"}', EStop, "engaged"),
        (b'{"plan_seq": 1, "index": 0, "step": {"skill": "fly"}}', SkillCall, "skill"),
        (
            b'{"plan_seq": 1, "index": 0, "step": {"skill": "pick", "args": {"target": "x"}}}',
            SkillCall,
            "object",
        ),
        (
            b'{"instruction": "x", "refused": true, "steps": [{"skill": "go_home", "args": {}}]}',
            Plan,
            "refused",
        ),
        (b'{"kind": "oops"}', SafetyEvent, "kind"),
        (b"not json", Heartbeat, "json"),
    ],
)
def test_malformed_json_raises_message_error(payload: bytes, type_, fragment: str) -> None:
    with pytest.raises(MessageError, match=fragment) as info:
        decode_json(payload, type_)
    assert type_.__name__ in str(info.value)


def test_malformed_msgpack_raises_message_error() -> None:
    wrong = msgspec.msgpack.encode({"position": ["a", "b"]})
    with pytest.raises(MessageError, match="JointState"):
        decode_msgpack(wrong, JointState)
    with pytest.raises(MessageError):
        decode_msgpack(b"\xc1", JointState)


def test_plan_json_matches_design() -> None:
    plan = SAMPLES[3]
    assert plan.to_json_obj() == {
        "instruction": "把蓝色的杯子放到托盘上。",
        "refused": False,
        "reason": "",
        "steps": [
            {"skill": "pick", "args": {"object": "cup_blue"}},
            {"skill": "place", "args": {"object": "cup_blue", "target": "tray"}},
        ],
    }
