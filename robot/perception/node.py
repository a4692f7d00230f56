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
sighting, so a reader can tell a seen pose from a carried one.

What the camera does not give yet comes from `known` (the cell's fixture on a real arm,
the twin's state in the twin): the persons, the surfaces, and how full each vessel is
(pouring by the vessel's model instead is issue 16, part 2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.msgs import JointState, ObjectState, SkillStatus, WorldState
from core.pose import quat_from_matrix
from robot.bus import Bus, fifo, latest
from robot.cerebellum.arm_model import ArmModel
from robot.node import Node
from robot.perception.process import PerceptionProcess

log = logging.getLogger(__name__)

PERIOD_S = 0.05
"""How often the world is published (s), as the twin's own `WorldPublisher` does."""
STATUS_QUEUE = 64


@dataclass(frozen=True)
class _Sighting:
    pose: np.ndarray
    """4x4, the cell's frame."""
    stamp_ns: int
    confidence: float


class PerceivedWorld(Node):
    """Publishes `WorldState` from `camera`'s findings, carrying a held thing with the
    arm (`arm`'s kinematics). `known()`: the world as known without a camera;
    `joints()`: the arm's joints, when the camera is the twin's (its copy of the scene
    is posed from both)."""

    def __init__(
        self,
        bus: Bus,
        camera: PerceptionProcess,
        known: Callable[[], WorldState],
        arm: ArmModel,
        joints: Callable[[], np.ndarray] | None = None,
    ) -> None:
        super().__init__(bus, "perception", period_s=PERIOD_S)
        self._camera = camera
        self._known = known
        self._arm = arm
        self._joints = joints
        self._pub = bus.publisher(WorldState)
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
        self.frames = 0
        """Frames searched so far."""

    def tick(self) -> None:
        known = self._known()
        if self._joints is not None:
            self._camera.send_snapshot(known, self._joints())
        if (state := self._measured.poll()) is not None:
            self._tool = self._arm.tool_pose(state.position)
        seen = self._camera.poll()
        if seen is not None:
            self.frames += 1
            for name, pose in seen.poses.items():
                if name != self._held:
                    self._seen[name] = _Sighting(pose, seen.stamp_ns, seen.confidence[name])
        self._follow_the_gripper()
        published = dict(self._seen)
        if self._held is not None and self._carried is not None:
            published[self._held] = self._carried
        objects = {
            name: ObjectState(
                position=tuple(float(v) for v in s.pose[:3, 3]),  # type: ignore[arg-type]
                orientation=quat_from_matrix(s.pose[:3, :3]),
                filled=known.objects[name].filled if name in known.objects else 0.0,
                seen_ns=s.stamp_ns,
                confidence=s.confidence,
            )
            for name, s in published.items()
        }
        self._pub.publish(
            WorldState(
                scene=known.scene, objects=objects, persons=known.persons, surfaces=known.surfaces
            )
        )

    def _follow_the_gripper(self) -> None:
        """Carry the held thing with the tool, whatever frames show of it meanwhile; a
        thing let go stays where it was carried to."""
        while (status := self._statuses.poll()) is not None:
            if status.holding == self._held:
                continue
            if self._held is not None and self._carried is not None:
                self._seen[self._held] = self._carried
            self._held, self._in_hand, self._carried = status.holding, None, None
            grasped = self._seen.get(status.holding) if status.holding else None
            if grasped is not None and self._tool is not None:
                self._in_hand = np.linalg.inv(self._tool) @ grasped.pose
        if self._held is None or self._in_hand is None or self._tool is None:
            return
        grasped = self._seen[self._held]
        carried = self._tool @ self._in_hand
        self._carried = _Sighting(carried, grasped.stamp_ns, grasped.confidence)

    def teardown(self) -> None:
        self._statuses.close()
        self._measured.close()
        self._camera.close()
