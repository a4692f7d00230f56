"""How the gripper holds a thing, from its catalogue `[grasp]` (core/catalogue).

Each thing file says how it is held and why (core/catalogue/things/*.toml). In short:

- side grasps (cups, pots, glasses): gripper horizontal, approaching from the arm's
  side, jaws closing across the body at the grasp height. Two jaws let a body turn
  about the line between them; held above its centre of mass it hangs upright. A
  thing `held_firm` resists that turn (its contact with the pads resists twist) and
  is carried with the gripper pitched as it was picked;
- top grasps (boxes, folded cloth): from above, jaws across a 5 cm side, so the
  moving jaw's bent pad lies nearly parallel to the fixed jaw. Held so, a thing turns
  about the line through the pad's tip: below its centre of mass, it topples once the
  gripper leans out of the vertical, so it is carried pointing steeply down
  (`phases.transit(keep_pitch=True)`).

Gripper (SO-101, core/descriptions/so101/generate_urdf.py): the fixed jaw's inner
face is the plane y = -0.025 of the gripper; the moving jaw hinges at x = 0.022,
y = -0.025 and opens toward +y; the tool frame (`gripper_frame`) is 0.098 along x.
An object of half-width r resting against the fixed jaw at the tool frame touches the
moving jaw at angle 2 * atan(r / 0.076).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.catalogue.types import Thing

FIXED_JAW_FACE_Y = -0.025
HINGE_TO_TOOL_X = 0.098 - 0.022
SIDE_CLEARANCE_M = 0.006
"""Approach with the object this far off the fixed jaw; closing slides it across."""
OPEN_MARGIN_RAD = 0.5
"""Open this much wider than the contact angle before approaching."""
MAX_OPEN_RAD = 1.5


@dataclass(frozen=True)
class Grasp:
    """style: "side" or "top"; height: tool frame above the object's bottom (m);
    width: across the jaws (m); length: along the jaws, of an object held from above
    (m; 0 for side grasps), so a place knows how much room it has; held_firm: the
    jaws hold it against turning between them (a side grasp that does not hang), so
    it is carried with the gripper pitched as it was picked, where it stands upright.
    """

    style: str
    height: float
    width: float
    length: float = 0.0
    held_firm: bool = False

    @property
    def carry_pitched(self) -> bool:
        """Carry with the gripper as pitched as at the pick (`phases.transit(keep_pitch)`):
        an object held from above would turn out of the jaws once they level out, and
        one held firm from the side would be carried tilted (and creep further)."""
        return self.style == "top" or self.held_firm

    @property
    def half_width(self) -> float:
        return self.width / 2.0

    @property
    def contact_rad(self) -> float:
        """Jaw angle (rad) where the moving jaw meets the object held at the tool frame."""
        return 2.0 * math.atan(self.half_width / HINGE_TO_TOOL_X)

    @property
    def open_rad(self) -> float:
        return min(MAX_OPEN_RAD, self.contact_rad + OPEN_MARGIN_RAD)

    @property
    def lateral_offset(self) -> float:
        """Where the object's centre sits on the tool's y axis during the approach (m)."""
        return FIXED_JAW_FACE_Y + self.half_width + SIDE_CLEARANCE_M


def grasp_of(thing: Thing) -> Grasp | None:
    """How `thing` is held, or None when it cannot be picked."""
    spec = thing.grasp
    if spec is None:
        return None
    return Grasp(spec.style, spec.height_m, spec.width_m, spec.length_m, spec.held_firm)
