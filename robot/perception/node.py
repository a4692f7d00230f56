"""`WorldState` from the camera: where things were last seen, published for the others.

`PerceivedWorld` takes the perception process's newest findings each tick and publishes
the world with every seen thing where the camera last saw it. A thing not seen yet is
left out: the brain then says it does not see it, which is true.

A thing in the gripper is often hidden (a jaw covers its tag), and where its tag shows,
the thing is off the table, where standing it on a support would misplace it by the
lift. It is where the gripper is anyway. So while the cerebellum says it holds a thing
(`SkillStatus.holding`), it is carried: kept where the tool, from the arm's measured
joints (`JointState`) and its kinematics, puts it, at the offset in the hand it had
when the jaws closed (from its last sighting before). Its `seen_ns` stays that of the
sighting, so a reader can tell a seen pose from a carried one. Let go, it rests on the
support under it (a table, a tray, a palm held out), where it stays until a frame shows
it: pressed onto a palm, a full cup slides up in the jaws, and the carried pose ends
below the palm's top.

How full each vessel is, no camera sees: `Fills` keeps it by the vessels' model
(robot/perception/fills.py), from the catalogue's start and the held vessel's lean.
A surface that is a thing (a tray, a basket) is where its thing was seen. The cell's
layout, which does not move, comes from `layout` (the taught world file on a real arm,
the scene file in the twin: `scene_layout`): the fixed surfaces and where each person
takes things. The twin's own state only poses the copy of the scene its camera renders
(`snapshot`); nothing else reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from core.catalogue.types import HANDOVER_ABOVE_PALM_M, Thing
from core.msgs import (
    CameraFrame,
    JointState,
    ObjectState,
    SkillStatus,
    SurfaceState,
    WorldState,
)
from core.pose import quat_from_matrix
from core.scenes import surface_state
from robot.bus import Bus, fifo, latest
from robot.cerebellum.arm_model import ArmModel
from robot.node import Node
from robot.perception.fills import Fills
from robot.perception.process import PREVIEW_SIZE, PerceptionProcess

log = logging.getLogger(__name__)

PERIOD_S = 0.05
"""How often the world is published (s), as the twin's own `WorldPublisher` does."""
SETTLE_M = 0.03
"""A thing let go rests on the highest support whose top is this near (m) its carried
bottom, above or below..."""
PALM_RADIUS_M = 0.06
"""...a palm's being one within this of its person's hand-over point, across (m)."""
STATUS_QUEUE = 64


@dataclass(frozen=True)
class _Sighting:
    pose: np.ndarray
    """4x4, the cell's frame."""
    stamp_ns: int
    confidence: float


class PerceivedWorld(Node):
    """Publishes `WorldState` from `camera`'s findings, carrying a held thing with the
    arm (`arm`'s kinematics), the fill levels of the vessels among `things` (the scene's)
    by their model. `layout()`: the cell's fixed surfaces and persons; `snapshot()`:
    the twin's state and arm's joints, when the camera is the twin's (its copy of the
    scene is posed from them)."""

    def __init__(
        self,
        bus: Bus,
        camera: PerceptionProcess,
        layout: Callable[[], WorldState],
        arm: ArmModel,
        things: Mapping[str, Thing],
        snapshot: Callable[[], tuple[WorldState, np.ndarray]] | None = None,
    ) -> None:
        super().__init__(bus, "perception", period_s=PERIOD_S)
        self._camera = camera
        self._layout = layout
        self._things = things
        self._arm = arm
        self._snapshot = snapshot
        self._pub = bus.publisher(WorldState)
        self._frames = bus.publisher(CameraFrame)
        self._statuses = bus.subscribe(SkillStatus, policy=fifo(STATUS_QUEUE))
        self._measured = bus.subscribe(JointState, policy=latest)
        self._tool: np.ndarray | None = None
        self._seen: dict[str, _Sighting] = {}
        """Each thing's pose while no gripper holds it: its last sighting, or where it was
        let go."""
        self._held: str | None = None
        self._in_hand: np.ndarray | None = None
        """The held thing's pose in the tool frame (4x4), from when the jaws closed."""
        self._carried: _Sighting | None = None
        """The held thing where the tool has it now."""
        self.fills = Fills(things)
        self._surfaces: dict[str, SurfaceState] = {}
        """The surfaces as last published."""
        self.frames = 0
        """Frames searched so far."""

    def tick(self) -> None:
        if self._snapshot is not None:
            self._camera.send_snapshot(*self._snapshot())
        if (state := self._measured.poll()) is not None:
            self._tool = self._arm.tool_pose(state.position)
        seen = self._camera.poll()
        if seen is not None:
            self.frames += 1
            if seen.preview is not None:  # what the camera sees, for the live view
                width, height = PREVIEW_SIZE
                self._frames.publish(
                    CameraFrame(
                        stamp_ns=seen.stamp_ns,
                        camera="perception",
                        width=width,
                        height=height,
                        encoding="jpeg",
                        data=seen.preview,
                    )
                )
            for name, pose in seen.poses.items():
                if name != self._held:
                    self._seen[name] = _Sighting(pose, seen.stamp_ns, seen.confidence[name])
        self._follow_the_gripper()
        published = dict(self._seen)
        if self._held is not None and self._carried is not None:
            published[self._held] = self._carried
        poses = {
            name: (s.pose[:3, 3].copy(), quat_from_matrix(s.pose[:3, :3]))
            for name, s in published.items()
        }
        if self._held is not None:
            self.fills.pour(self._held, poses)
        objects = {
            name: ObjectState(
                position=tuple(float(v) for v in position),  # type: ignore[arg-type]
                orientation=orientation,
                filled=self.fills.levels.get(name, 0.0),
                seen_ns=published[name].stamp_ns,
                confidence=published[name].confidence,
            )
            for name, (position, orientation) in poses.items()
        }
        layout = self._layout()
        self._surfaces = self._surfaces_of(layout, objects)
        self._pub.publish(
            WorldState(
                scene=layout.scene,
                objects=objects,
                persons=layout.persons,
                surfaces=self._surfaces,
            )
        )

    def _surfaces_of(
        self, layout: WorldState, objects: Mapping[str, ObjectState]
    ) -> dict[str, SurfaceState]:
        """The layout's surfaces, and the top of each thing among `objects` that is one
        (a tray, a basket) where the thing is."""
        surfaces = dict(layout.surfaces)
        for name, state in objects.items():
            surface = self._things[name].surface if name in self._things else None
            if surface is not None:
                surfaces[name] = surface_state(surface, state.position, state.orientation)
        return surfaces

    def _follow_the_gripper(self) -> None:
        """Carry the held thing with the tool, whatever frames show of it meanwhile; a
        thing let go rests where it was carried to, on the support under it."""
        while (status := self._statuses.poll()) is not None:
            if status.holding == self._held:
                continue
            if self._held is not None and self._carried is not None:
                self._seen[self._held] = self._resting(self._carried)
            self._held, self._in_hand, self._carried = status.holding, None, None
            grasped = self._seen.get(status.holding) if status.holding else None
            if grasped is not None and self._tool is not None:
                self._in_hand = np.linalg.inv(self._tool) @ grasped.pose
        if self._held is None or self._in_hand is None or self._tool is None:
            return
        grasped = self._seen[self._held]
        carried = self._tool @ self._in_hand
        self._carried = _Sighting(carried, grasped.stamp_ns, grasped.confidence)

    def _resting(self, carried: _Sighting) -> _Sighting:
        """`carried` let go: on the highest support top within SETTLE_M of its bottom and
        under it, else where it was."""
        bottom = carried.pose[:3, 3]
        tops = [
            s.position[2]
            for s in self._surfaces.values()
            if _across(bottom, s.position) <= max(s.half_extents[:2])
        ]
        tops += [
            p.position[2] - HANDOVER_ABOVE_PALM_M
            for p in self._layout().persons.values()
            if _across(bottom, p.position) <= PALM_RADIUS_M
        ]
        near = [z for z in tops if abs(z - bottom[2]) <= SETTLE_M]
        if not near:
            return carried
        pose = carried.pose.copy()
        pose[2, 3] = max(near)
        return _Sighting(pose, carried.stamp_ns, carried.confidence)

    def teardown(self) -> None:
        self._statuses.close()
        self._measured.close()
        self._camera.close()


def _across(point: np.ndarray, other: tuple[float, float, float]) -> float:
    """Horizontal distance (m) between `point` and `other`."""
    return float(np.hypot(point[0] - other[0], point[1] - other[1]))
