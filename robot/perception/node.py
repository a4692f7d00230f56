"""`WorldState` from the camera: where things were last seen, published for the others.

`PerceivedWorld` takes the perception process's newest findings each tick and publishes
the world with every seen thing where the camera last saw it. A thing not seen yet is
left out: the brain then says it does not see it, which is true. What the camera does
not give yet comes from `known` (the cell's fixture on a real arm, the twin's state in
the twin): the persons, the surfaces, and how full each vessel is (pouring by the
vessel's model instead is issue 16, part 2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from core.msgs import ObjectState, WorldState
from core.pose import quat_from_matrix
from robot.bus import Bus
from robot.node import Node
from robot.perception.process import PerceptionProcess

log = logging.getLogger(__name__)

PERIOD_S = 0.05
"""How often the world is published (s), as the twin's own `WorldPublisher` does."""


class PerceivedWorld(Node):
    """Publishes `WorldState` from `camera`'s findings. `known()`: the world as known
    without a camera; `joints()`: the arm's joints, when the camera is the twin's (its
    copy of the scene is posed from both)."""

    def __init__(
        self,
        bus: Bus,
        camera: PerceptionProcess,
        known: Callable[[], WorldState],
        joints: Callable[[], np.ndarray] | None = None,
    ) -> None:
        super().__init__(bus, "perception", period_s=PERIOD_S)
        self._camera = camera
        self._known = known
        self._joints = joints
        self._pub = bus.publisher(WorldState)
        self._seen: dict[str, np.ndarray] = {}
        self.frames = 0
        """Frames searched so far."""

    def tick(self) -> None:
        known = self._known()
        if self._joints is not None:
            self._camera.send_snapshot(known, self._joints())
        seen = self._camera.poll()
        if seen is not None:
            self.frames += 1
            self._seen.update(seen.poses)
        objects = {
            name: ObjectState(
                position=tuple(float(v) for v in pose[:3, 3]),  # type: ignore[arg-type]
                orientation=quat_from_matrix(pose[:3, :3]),
                filled=known.objects[name].filled if name in known.objects else 0.0,
            )
            for name, pose in self._seen.items()
        }
        self._pub.publish(
            WorldState(
                scene=known.scene, objects=objects, persons=known.persons, surfaces=known.surfaces
            )
        )

    def teardown(self) -> None:
        self._camera.close()
