"""Bus messages as Foxglove's well-known messages: one conversion for the live view
(robot/live/server.py) and for recordings (robot/recording/recorder.py), so a run
watched live and its MCAP replayed look the same in Foxglove.

Topics (the frame tree is rooted at `world`, the frame of `WorldState`):

    /tf                foxglove.FrameTransforms  world -> base_link -> ... measured (JointState)
    /tf_commanded      foxglove.FrameTransforms  the same tree under `commanded/` (JointCommand)
    /scene             foxglove.SceneUpdate      things, surfaces, persons and hands (WorldState)
    /camera/NAME       foxglove.CompressedImage  JPEG or PNG `CameraFrame`s of camera NAME
    /camera/NAME/raw   foxglove.RawImage         rgb8 `CameraFrame`s
    /log               foxglove.Log              plans, their progress, skills' ends,
                                                 utterances, safety events, stops
    /robot_description JSON {"data": URDF XML}   for the 3D panel's URDF layer (source
                                                 "topic"); drawn twice, the second with
                                                 frame prefix `commanded/`

Our own messages (LoopStats, PlanStatus, JointState, ...) keep their JSON channels
named by their topic key, as the recorder always wrote them; the live view serves the
same (robot/live/server.py), so one layout (deploy/foxglove-layout.json) fits both.
Timestamps are the sources' stamps moved onto the wall clock (ns since the epoch).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from foxglove.messages import (
    Color,
    CompressedImage,
    CubePrimitive,
    CylinderPrimitive,
    FrameTransform,
    FrameTransforms,
    Log,
    LogLevel,
    Pose,
    Quaternion,
    RawImage,
    SceneEntity,
    SceneUpdate,
    SpherePrimitive,
    TextPrimitive,
    Timestamp,
    Vector3,
)

from core.msgs import (
    CameraFrame,
    EStop,
    JointCommand,
    JointState,
    Message,
    Plan,
    PlanStatus,
    SafetyEvent,
    SkillStatus,
    Utterance,
    WorldState,
)
from robot.cerebellum.arm_model import BasePose
from robot.live.urdf_frames import LinkTransform, UrdfFrames, quat_from_rpy, rotate

WORLD_FRAME = "world"
COMMANDED_PREFIX = "commanded/"
TOPIC_TF = "/tf"
TOPIC_TF_COMMANDED = "/tf_commanded"
TOPIC_SCENE = "/scene"
TOPIC_LOG = "/log"
TOPIC_DESCRIPTION = "/robot_description"
DESCRIPTION_SCHEMA_NAME = "std_msgs/String"
"""The URDF layer reads a URDF from a topic of ROS's string message; its JSON form is
`{"data": "<robot ...>"}`."""
DESCRIPTION_SCHEMA = {
    "type": "object",
    "properties": {"data": {"type": "string", "description": "URDF XML"}},
}
THING_SIZE_M = 0.04
"""Edge of the cube drawn for a thing whose catalogue shape has no simple size (m)."""
PERSON_RADIUS_M = 0.12
HAND_RADIUS_M = 0.04
_THING_COLOUR = Color(r=0.2, g=0.5, b=0.9, a=0.8)
_SURFACE_COLOUR = Color(r=0.6, g=0.5, b=0.4, a=0.5)
_PERSON_COLOUR = Color(r=0.9, g=0.7, b=0.5, a=0.7)
_HAND_COLOUR = Color(r=1.0, g=0.3, b=0.2, a=0.9)
_LABEL_COLOUR = Color(r=1.0, g=1.0, b=1.0, a=1.0)
_SEVERITY = {"info": LogLevel.Info, "warning": LogLevel.Warning, "stop": LogLevel.Error}
_LOG_SOURCE: dict[type[Message], str] = {
    Utterance: "speech",
    Plan: "brain",
    PlanStatus: "brain",
    SkillStatus: "cerebellum",
    SafetyEvent: "safety",
    EStop: "stop",
}
"""The log line's `name`, by what it reports: the log panel filters by it."""


@dataclass(frozen=True)
class ThingShape:
    """How a thing is drawn: a cylinder (diameter, height in m) or a cube (edge in m),
    its frame's origin at its bottom."""

    cylinder: bool
    width_m: float
    height_m: float


def thing_shapes(things: Mapping[str, Any]) -> dict[str, ThingShape]:
    """Shapes of catalogue things (`core.catalogue.Thing`) with a round vessel's size;
    others get the default cube."""
    shapes = {}
    for name, thing in things.items():
        body = getattr(thing, "body", None)
        radius = getattr(body, "inner_radius_m", None)
        height = getattr(body, "height_m", None) or getattr(body, "rim_m", None)
        if radius and height:
            shapes[name] = ThingShape(True, 2 * radius + 0.01, height)
    return shapes


def _vec(v: tuple[float, float, float]) -> Vector3:
    return Vector3(x=v[0], y=v[1], z=v[2])


def _quat(q: tuple[float, float, float, float]) -> Quaternion:
    return Quaternion(x=q[0], y=q[1], z=q[2], w=q[3])


class FoxgloveConverter:
    """Converts bus messages to (topic, Foxglove message) pairs (module docstring).

    frames: the arm's URDF joints; base: where its base link stands in the world;
    shapes: how to draw each thing (`thing_shapes`); wall_minus_monotonic_ns: added to
    a message's `stamp_ns` for its Foxglove timestamp.
    """

    def __init__(
        self,
        frames: UrdfFrames,
        base: BasePose,
        shapes: Mapping[str, ThingShape] | None = None,
        wall_minus_monotonic_ns: int = 0,
    ) -> None:
        self.frames = frames
        self.base = base
        self.shapes = dict(shapes or {})
        self.offset_ns = wall_minus_monotonic_ns
        self._base_rotation = quat_from_rpy(0.0, 0.0, base.yaw)
        self._skills_started: set[tuple[int, int]] = set()

    def stamp(self, msg: Message) -> int:
        """The message's time on the wall clock (ns since the epoch)."""
        return msg.stamp_ns + self.offset_ns

    def _timestamp(self, msg: Message) -> Timestamp:
        ns = self.stamp(msg)
        return Timestamp(ns // 1_000_000_000, ns % 1_000_000_000)

    def description(self) -> dict[str, str]:
        """The `/robot_description` message: the URDF as JSON."""
        return {"data": self.frames.text}

    def convert(self, msg: Message) -> list[tuple[str, Any]]:
        """The Foxglove messages for `msg` (none for types without one, e.g. LoopStats)."""
        if isinstance(msg, JointState):
            return [(TOPIC_TF, self.transforms(msg, ""))]
        if isinstance(msg, JointCommand):
            return [(TOPIC_TF_COMMANDED, self.transforms(msg, COMMANDED_PREFIX))]
        if isinstance(msg, WorldState):
            return [(TOPIC_SCENE, self.scene(msg))]
        if isinstance(msg, CameraFrame):
            return [self.image(msg)]
        text = self._log_text(msg)
        if text is None:
            return []
        level, line = text
        name = _LOG_SOURCE.get(type(msg), "robot")
        log = Log(timestamp=self._timestamp(msg), level=level, message=line, name=name)
        return [(TOPIC_LOG, log)]

    def transforms(self, msg: JointState | JointCommand, prefix: str) -> FrameTransforms:
        """world -> base_link, then every joint's transform at `msg.position`."""
        stamp = self._timestamp(msg)
        root = LinkTransform(
            WORLD_FRAME,
            prefix + self.frames.root_link,
            (self.base.x, self.base.y, self.base.z),
            self._base_rotation,
        )
        return FrameTransforms(
            transforms=[
                FrameTransform(
                    timestamp=stamp,
                    parent_frame_id=t.parent,
                    child_frame_id=t.child,
                    translation=_vec(t.translation),
                    rotation=_quat(t.rotation),
                )
                for t in [root, *self.frames.transforms(msg.position, prefix)]
            ]
        )

    def scene(self, msg: WorldState) -> SceneUpdate:
        """A thing as a cylinder or cube with its name, a surface as a slab under its
        top, a person as a sphere at their handover point and one at a reaching hand."""
        stamp = self._timestamp(msg)
        entities = []
        for name, thing in msg.objects.items():
            shape = self.shapes.get(name, ThingShape(False, THING_SIZE_M, THING_SIZE_M))
            up = rotate(thing.orientation, (0.0, 0.0, shape.height_m / 2))
            centre = tuple(p + u for p, u in zip(thing.position, up, strict=True))
            pose = Pose(position=_vec(centre), orientation=_quat(thing.orientation))  # type: ignore[arg-type]
            size = Vector3(x=shape.width_m, y=shape.width_m, z=shape.height_m)
            label = TextPrimitive(
                pose=Pose(
                    position=Vector3(x=centre[0], y=centre[1], z=centre[2] + shape.height_m),
                    orientation=_quat((0.0, 0.0, 0.0, 1.0)),
                ),
                billboard=True,
                font_size=12.0,
                scale_invariant=True,
                color=_LABEL_COLOUR,
                text=name if not thing.filled else f"{name} {thing.filled:.0%}",
            )
            solid: dict[str, Any] = (
                {
                    "cylinders": [
                        CylinderPrimitive(
                            pose=pose,
                            size=size,
                            bottom_scale=1.0,
                            top_scale=1.0,
                            color=_THING_COLOUR,
                        )
                    ]
                }
                if shape.cylinder
                else {"cubes": [CubePrimitive(pose=pose, size=size, color=_THING_COLOUR)]}
            )
            entities.append(
                SceneEntity(
                    timestamp=stamp,
                    frame_id=WORLD_FRAME,
                    id=f"thing/{name}",
                    texts=[label],
                    **solid,
                )
            )
        for name, surface in msg.surfaces.items():
            hx, hy, hz = surface.half_extents
            x, y, z = surface.position
            slab = CubePrimitive(
                pose=Pose(position=Vector3(x=x, y=y, z=z - hz), orientation=_quat((0, 0, 0, 1))),
                size=Vector3(x=2 * hx, y=2 * hy, z=2 * hz),
                color=_SURFACE_COLOUR,
            )
            entities.append(
                SceneEntity(
                    timestamp=stamp, frame_id=WORLD_FRAME, id=f"surface/{name}", cubes=[slab]
                )
            )
        for name, person in msg.persons.items():
            spheres = [self._sphere(person.position, PERSON_RADIUS_M, _PERSON_COLOUR)]
            if person.hand is not None:
                spheres.append(self._sphere(person.hand, HAND_RADIUS_M, _HAND_COLOUR))
            entities.append(
                SceneEntity(
                    timestamp=stamp, frame_id=WORLD_FRAME, id=f"person/{name}", spheres=spheres
                )
            )
        # Replace the whole scene each time: a thing gone from the world goes from the view.
        return SceneUpdate(entities=entities)

    @staticmethod
    def _sphere(at: tuple[float, float, float], radius: float, colour: Color) -> SpherePrimitive:
        return SpherePrimitive(
            pose=Pose(position=_vec(at), orientation=_quat((0, 0, 0, 1))),
            size=Vector3(x=2 * radius, y=2 * radius, z=2 * radius),
            color=colour,
        )

    def image(self, msg: CameraFrame) -> tuple[str, Any]:
        """A JPEG or PNG frame as CompressedImage, an rgb8 one as RawImage."""
        topic = f"/camera/{msg.camera}"
        stamp = self._timestamp(msg)
        if msg.encoding == "rgb8":
            raw = RawImage(
                timestamp=stamp,
                frame_id=msg.camera,
                width=msg.width,
                height=msg.height,
                encoding="rgb8",
                step=3 * msg.width,
                data=msg.data,
            )
            return f"{topic}/raw", raw
        return topic, CompressedImage(
            timestamp=stamp, frame_id=msg.camera, data=msg.data, format=msg.encoding
        )

    def _log_text(self, msg: Message) -> tuple[LogLevel, str] | None:
        """A line for the log panel, or None for messages that are not events."""
        if isinstance(msg, Utterance):
            return LogLevel.Info, f"says ({msg.language}): {msg.text}"
        if isinstance(msg, SafetyEvent):
            where = f" {msg.joint}" if msg.joint else ""
            detail = f": {msg.detail}" if msg.detail else ""
            return _SEVERITY[msg.severity], f"safety {msg.kind}{where}{detail}"
        if isinstance(msg, Plan):
            if msg.refused:
                return LogLevel.Warning, f"plan for {msg.instruction!r} refused: {msg.reason}"
            steps = " -> ".join(f"{s.skill}({', '.join(s.args.values())})" for s in msg.steps)
            again = f" (replan {msg.attempt})" if msg.attempt else ""
            return LogLevel.Info, f"plan{again} for {msg.instruction!r}: {steps}"
        if isinstance(msg, PlanStatus):
            why = f": {msg.reason}" if msg.reason else ""
            level = LogLevel.Warning if msg.state in ("failed", "refused") else LogLevel.Info
            return level, f"plan {msg.plan_seq} {msg.state}, step {msg.step}/{msg.step_count}{why}"
        if isinstance(msg, SkillStatus):
            key = (msg.plan_seq, msg.index)
            if msg.state == "running":
                # A running skill reports its progress every skill period: say it once.
                if key in self._skills_started:
                    return None
                self._skills_started.add(key)
            why = f": {msg.reason}" if msg.reason else ""
            level = LogLevel.Warning if msg.state == "failed" else LogLevel.Info
            return level, f"step {msg.index} {msg.skill} {msg.state}{why}"
        if isinstance(msg, EStop):
            what = "engaged" if msg.engaged else "released"
            return LogLevel.Error if msg.engaged else LogLevel.Info, (
                f"stop {what} by {msg.source or '?'}: {msg.reason}"
            )
        return None
