"""How full each vessel is, kept by the vessels' model where no sensor sees the liquid.

A camera sees where a cup is, not what is in it. So the fill levels start as the
catalogue says (`fill_at_start`) and change only as the model of a vessel says they do
(core/catalogue/pouring.py, the curve the pour skill aims by): a vessel that leans
further than what it holds allows has poured the difference, and that lands in the
vessel whose opening is under its lip, or is spilled. The twin's particles are never
read; they judge, afterwards, how right this was.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from core.catalogue.geometry import PourShape, pour_shape
from core.catalogue.pouring import held_at, tilt_of
from core.catalogue.types import Thing
from core.pose import quat_matrix

UPRIGHT_RAD = 0.3
"""A vessel leaning less than this (rad) catches what is poured into it."""
CATCH_M = 0.025
"""A stream leaves a lip moving outward and crosses a rim up to 2.5 cm beyond it (the
pour skill aims the lip short of the target's centre for that): a lip this far outside a
vessel's opening still pours into it."""

Pose = tuple[np.ndarray, tuple[float, float, float, float]]
"""A thing's position (m) and orientation (quaternion x y z w), in the cell's frame."""


class Fills:
    """Fill levels (0..1) of the vessels among `things`, as the catalogue starts them."""

    def __init__(self, things: Mapping[str, Thing]) -> None:
        self._things: dict[str, Thing] = {}
        self._shapes: dict[str, PourShape] = {}
        for name, thing in things.items():
            shape = pour_shape(thing)
            if thing.container is not None and shape is not None:
                self._things[name], self._shapes[name] = thing, shape
        self.levels: dict[str, float] = {
            n: t.container.fill_at_start  # type: ignore[union-attr]
            for n, t in self._things.items()
        }
        self.spilled_ml = 0.0
        """What left a vessel and landed in none, or ran over."""

    def pour(self, name: str, poses: Mapping[str, Pose]) -> None:
        """`name` (held) is at `poses[name]`: if it leans past what it holds, move the
        difference into the vessel under its lip."""
        thing = self._things.get(name)
        if thing is None or name not in poses:
            return
        position, orientation = poses[name]
        kept = held_at(thing, tilt_of(orientation))
        out = self.levels[name] - kept
        if out <= 0:
            return
        self.levels[name] = kept
        poured_ml = out * _full_ml(thing)
        lip = np.asarray(position) + quat_matrix(orientation) @ np.asarray(self._shapes[name].lip)
        into = self._under(lip, name, poses)
        if into is None:
            self.spilled_ml += poured_ml
            return
        room_ml = (1.0 - self.levels[into]) * _full_ml(self._things[into])
        landed_ml = min(room_ml, poured_ml)
        self.levels[into] += landed_ml / _full_ml(self._things[into])
        self.spilled_ml += poured_ml - landed_ml

    def _under(self, lip: np.ndarray, source: str, poses: Mapping[str, Pose]) -> str | None:
        """The upright vessel whose opening is below `lip`, if any."""
        for name, shape in self._shapes.items():
            if name == source or name not in poses:
                continue
            position, orientation = poses[name]
            if tilt_of(orientation) > UPRIGHT_RAD:
                continue
            rim = np.asarray(position) + quat_matrix(orientation) @ (0.0, 0.0, shape.height)
            across = float(np.hypot(*(lip[:2] - rim[:2])))
            if across <= shape.inner_radius + CATCH_M and lip[2] > rim[2]:
                return name
        return None


def _full_ml(thing: Thing) -> float:
    return thing.container.full_volume_ml  # type: ignore[union-attr]
