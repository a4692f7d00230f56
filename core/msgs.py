"""Every message that crosses the bus, as frozen msgspec structs.

The types are the schema: decoding validates, so a malformed payload fails at the
boundary with `MessageError`, never deep inside a layer.

Conventions (docs/architecture.md, "Messages"): SI units (m, rad, s, N, N*m),
positions in the world frame, quaternions as (x, y, z, w), arrays of joints ordered by
the robot profile's joint list. Every message carries `stamp_ns`, `time.monotonic_ns()`
taken at the source, and `seq`, a per-publisher sequence number set by the bus when it
is published.
"""

from __future__ import annotations

import time
from typing import Any, Literal, TypeVar

import msgspec

from core.errors import MessageError

Vec3 = tuple[float, float, float]
"""A point or vector in metres, world frame unless the field says otherwise."""
Quat = tuple[float, float, float, float]
"""A unit quaternion, (x, y, z, w)."""

SkillName = Literal["pick", "place", "pour", "handover", "go_home", "say"]

SKILL_ARGS: dict[str, tuple[str, ...]] = {
    "pick": ("object",),
    "place": ("object", "target"),
    "pour": ("source", "target"),
    "handover": ("object", "person"),
    "go_home": (),
    "say": ("text",),
}
"""The plan's vocabulary: each skill and the names of its arguments (docs/architecture.md,
"Plan JSON")."""


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every bus message.

    stamp_ns: `time.monotonic_ns()` when the source created the message.
    seq: sequence number per publisher and topic, set by the bus on publish.
    """

    stamp_ns: int = msgspec.field(default_factory=time.monotonic_ns)
    seq: int = 0


class Step(msgspec.Struct, frozen=True):
    """One step of a plan: a skill and its named arguments (entity names or text)."""

    skill: SkillName
    args: dict[str, str] = {}

    def __post_init__(self) -> None:
        expected = SKILL_ARGS[self.skill]
        if tuple(sorted(self.args)) != tuple(sorted(expected)):
            raise ValueError(
                f"skill {self.skill!r} takes arguments {list(expected)}, got {sorted(self.args)}"
            )


# -- operator <-> brain ---------------------------------------------------------------


class Instruction(Message, frozen=True, kw_only=True):
    """A request in natural language, from the CLI, a launch file or the kiosk.

    language: ISO 639-1 code when the source knows it ("en", "de", "zh"), else "".
    """

    text: str
    language: str = ""
    source: str = "cli"


class Utterance(Message, frozen=True, kw_only=True):
    """What the robot says to the people around it, in `language` (ISO 639-1)."""

    text: str
    language: str = "en"


PlanState = Literal["planning", "running", "succeeded", "failed", "refused", "stopped"]


class PlanStatus(Message, frozen=True, kw_only=True):
    """Progress of a plan, from the brain to the operator.

    plan_seq: `seq` of the Plan this is about. step: index of the current step
    (0-based; equals step_count when done).
    """

    plan_seq: int
    state: PlanState
    step: int = 0
    step_count: int = 0
    reason: str = ""


# -- brain <-> cerebellum -------------------------------------------------------------


class Plan(Message, frozen=True, kw_only=True):
    """A plan for one instruction (docs/architecture.md, "Plan JSON"; plus bus metadata).

    A refused plan has no steps and says why in `reason`. `attempt` counts replans
    of the same instruction, 0 for the first.
    """

    instruction: str
    refused: bool = False
    reason: str = ""
    steps: tuple[Step, ...] = ()
    language: str = "en"
    attempt: int = 0

    def __post_init__(self) -> None:
        if self.refused and self.steps:
            raise ValueError("a refused plan has no steps")

    def to_json_obj(self) -> dict[str, Any]:
        """The plan as a Plan JSON object (docs/architecture.md), without bus metadata."""
        return {
            "instruction": self.instruction,
            "refused": self.refused,
            "reason": self.reason,
            "steps": [{"skill": s.skill, "args": dict(s.args)} for s in self.steps],
        }


class SkillCall(Message, frozen=True, kw_only=True):
    """Ask the cerebellum to run one step of a plan.

    plan_seq: `seq` of the Plan; index: the step's index in it.
    """

    plan_seq: int
    index: int
    step: Step


SkillState = Literal["running", "succeeded", "failed", "cancelled"]


class SkillStatus(Message, frozen=True, kw_only=True):
    """Progress of one skill, from the cerebellum to the brain.

    reason: on failure, a sentence the brain can replan from ("cup_red out of reach").
    progress: 0..1, the skill's own estimate.
    holding: the object in the gripper when this status was sent, per the cerebellum's
    grasp check (set when the jaws close on it and it comes along, cleared on release
    or a failed lift), or None for an empty gripper. After a failure it tells the brain
    whether the object is still in hand, a symbolic fact: no joint angles.
    time_s: when the status was made on the simulated clock (s), from a cerebellum
    that runs on one (`SimCerebellum`): a listener times the step by it, not by when
    it read the message (the clock may have moved on). None from a cerebellum on the
    wall clock, whose listeners time the status on arrival.
    """

    plan_seq: int
    index: int
    skill: SkillName
    state: SkillState
    reason: str = ""
    progress: float = 0.0
    holding: str | None = None
    time_s: float | None = None


class ObjectState(msgspec.Struct, frozen=True):
    """An object's pose in the world frame and how full it is (0..1; 0 for solids).

    seen_ns: when a camera last saw it (`time.monotonic_ns()` of the frame), its pose
    then as sure as `confidence` (0..1) says; None for a pose known now (the twin's
    truth, a fixture file)."""

    position: Vec3
    orientation: Quat = (0.0, 0.0, 0.0, 1.0)
    filled: float = 0.0
    seen_ns: int | None = None
    confidence: float = 1.0


class PersonState(msgspec.Struct, frozen=True):
    """A person: `position` is their handover point (m); `hand`, where a hand is
    reaching, when one is seen near the arm, else None."""

    position: Vec3
    hand: Vec3 | None = None


class SurfaceState(msgspec.Struct, frozen=True):
    """A surface: `position` is the centre of its top (m), `half_extents` its half sizes (m)."""

    position: Vec3
    half_extents: Vec3


class WorldState(Message, frozen=True, kw_only=True):
    """Where objects, surfaces and people are, from the world itself (the twin's ground
    truth in simulation, the cell's fixture file on a real cell)."""

    scene: str
    objects: dict[str, ObjectState] = {}
    persons: dict[str, PersonState] = {}
    surfaces: dict[str, SurfaceState] = {}


# -- cerebellum <-> limbs -------------------------------------------------------------


class JointState(Message, frozen=True, kw_only=True):
    """Measured joint state, ordered by the profile's joint list.

    position: rad (m for prismatic joints); velocity: rad/s; effort: N*m (empty
    when the limb cannot measure it).
    """

    position: tuple[float, ...]
    velocity: tuple[float, ...] = ()
    effort: tuple[float, ...] = ()


class JointCommand(Message, frozen=True, kw_only=True):
    """Joint targets, ordered by the profile's joint list.

    position: rad; velocity: feed-forward rad/s (empty for none).
    """

    position: tuple[float, ...]
    velocity: tuple[float, ...] = ()


SafetyKind = Literal[
    "joint_limit",
    "velocity_limit",
    "acceleration_limit",
    "workspace",
    "self_collision",
    "separation_slow",
    "separation_stop",
    "separation_clear",
    "estop",
    "watchdog",
    "fault",
    "stall",
    "overheating",
    "voltage",
    "link",
]


class SafetyEvent(Message, frozen=True, kw_only=True):
    """Something the safety supervisor or a limb did to keep people and the arm safe.

    joint: the joint's name when one joint is concerned, else "".
    """

    kind: SafetyKind
    severity: Literal["info", "warning", "stop"] = "warning"
    joint: str = ""
    detail: str = ""


class EStop(Message, frozen=True, kw_only=True):
    """Engage (True) or reset (False) the protective stop: IEC 60204-1 category 2, the
    arm stops and holds under power (a poured vessel tipped back upright first).
    Latched until reset. It keeps the name it was born with; a real cell's emergency
    stop is hardware that cuts the servos' power (docs/safety.md)."""

    engaged: bool
    source: str = ""
    reason: str = ""


ESTOP_RELEASE = "release"
"""The topic name a reset travels on (`EStop(engaged=False)` on `EStop/release`): apart
from engaging, which any peer of the cell may do, so a network's access control can let
only the operator's hosts release a stop. A reset on the plain `EStop` topic is ignored."""


class LoopStats(Message, frozen=True, kw_only=True):
    """Timing of the cerebellum's loop over the last window (about one second).

    period_us: the target period; jitter_*: wake-up lateness percentiles (us);
    compute_p99_us: time spent in the tick body; overruns: ticks skipped;
    sched_policy / sched_priority: the loop thread's scheduling as obtained
    ("SCHED_FIFO", 50 when real-time was granted; "SCHED_OTHER", 0 otherwise).
    From the simulation's lockstep loop (robot/cerebellum/sim_node.py) the window is a
    simulated second, period_us the simulated period, sched_policy "lockstep": its
    ticks are run by the simulated clock, never woken late, so jitter_* and overruns
    are 0 by construction.
    """

    period_us: float
    ticks: int
    overruns: int
    jitter_p50_us: float
    jitter_p99_us: float
    jitter_p999_us: float
    jitter_max_us: float
    compute_p99_us: float
    sched_policy: str = "SCHED_OTHER"
    sched_priority: int = 0


# -- the simulated clock ---------------------------------------------------------------


class RunUntil(Message, frozen=True, kw_only=True):
    """Let the simulated world run with no skill until `time_s` (simulated s): the
    operator's wait for liquids and objects to settle before it judges. Not a layer's
    message: the run's hold on a simulated clock, which only passes when asked.

    A `SimCerebellum` not paced to the wall clock steps its world only while a skill
    runs or until the latest `RunUntil` (robot/cerebellum/sim_node.py): how long the
    brain or the operator take to decide never shows in simulated time. A cerebellum
    whose time passes anyway (the wall clock, a paced simulation) needs no such message.
    """

    time_s: float


class CameraFrame(Message, frozen=True, kw_only=True):
    """One image from a camera.

    camera: its name ("overview", "wrist"); width, height: pixels; encoding: "jpeg" or
    "png" (compressed bytes), "rgb8" (row-major, 3 bytes a pixel); time_s: when it was
    taken on the run's clock (simulated s in the twin), None when unknown.
    """

    camera: str
    width: int
    height: int
    encoding: Literal["jpeg", "png", "rgb8"]
    data: bytes
    time_s: float | None = None


class Heartbeat(Message, frozen=True, kw_only=True):
    """A node saying it is alive, and in what state."""

    node: str
    state: str = "running"


MESSAGE_TYPES: tuple[type[Message], ...] = (
    Instruction,
    Utterance,
    PlanStatus,
    Plan,
    SkillCall,
    SkillStatus,
    WorldState,
    JointState,
    JointCommand,
    SafetyEvent,
    EStop,
    LoopStats,
    RunUntil,
    CameraFrame,
    Heartbeat,
)

M = TypeVar("M", bound=Message)

_msgpack_encoder = msgspec.msgpack.Encoder()
_json_encoder = msgspec.json.Encoder()


def is_message_type(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, Message) and obj is not Message


def encode_msgpack(msg: Message) -> bytes:
    return _msgpack_encoder.encode(msg)


def encode_json(msg: Message) -> bytes:
    return _json_encoder.encode(msg)


def decode_msgpack(data: bytes, type_: type[M]) -> M:
    """Decode and validate; raises `MessageError` naming the type and the bad field."""
    try:
        return msgspec.msgpack.decode(data, type=type_)
    except msgspec.DecodeError as err:
        raise MessageError(f"bad {type_.__name__} (msgpack): {err}") from err


def decode_json(data: bytes | str, type_: type[M]) -> M:
    """Decode and validate; raises `MessageError` naming the type and the bad field."""
    try:
        return msgspec.json.decode(data, type=type_)
    except msgspec.DecodeError as err:
        raise MessageError(f"bad {type_.__name__} (json): {err}") from err
