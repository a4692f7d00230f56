"""How to hold each object the scenes name, and where the gripper goes for it.

The scene vocabulary (core/scenes.py) is a contract; so is how its objects are held.
Figures from the props' descriptions (sim/props.py docstrings), in metres:

- cups, the teapot, the water glass: side grasps, gripper horizontal, approaching
  from the arm's side, jaws closing across the body at the grasp height. Two jaws
  let a body turn about the line between them; held above its centre of mass it
  hangs upright: the glass is; a cup is held at its middle, just above its empty
  centre of mass, because higher up the jaws catch its handle. The teapot is held
  firm instead (`held_firm`: its contact with the pads resists twist, sim/props.py
  TEAPOT_SPINNING_FRICTION), about 1 cm above its full centre of mass and 0.9 cm of
  jaw below its spout (TEAPOT_GRASP_HEIGHT): a pot that pivots in the jaws rests its
  spout on the moving jaw, which levers it round as the pour tilts;
- the pill box and the folded towel: from above, jaws across their 5 cm side (y),
  the tool frame 2 mm above their top, so the jaws (2 cm past the tool frame) hold
  their upper two thirds. Both are 5 cm across because the moving jaw's bent pad lies
  nearly parallel to the fixed jaw only around 5-6 cm: a narrower box (the 3.4 cm pill
  box we had) is pinched by the pad's tip at its top edge, turns about that edge and
  falls out when the carry turns the gripper level. Closing swings the pad's tip to
  ~2.2 cm past the tool frame at contact: still above the table. Held so, an object
  turns about the line through the pad's tip: below its centre of mass, it topples
  over once the gripper leans out of the vertical. The towel (11 cm long, lying
  across the jaws) is held 5 mm above its top, which puts that line near its middle;
  the pill box (6 cm) stays 2 mm above its top (3 and 6 mm did no better on the seeds
  tried), and both are
  carried with the gripper pointing steeply down (`phases.transit(keep_pitch=True)`).

Gripper (SO-101, core/descriptions/so101/generate_urdf.py): the fixed jaw's inner
face is the plane y = -0.025 of the gripper; the moving jaw hinges at x = 0.022,
y = -0.025 and opens toward +y; the tool frame (`gripper_frame`) is 0.098 along x.
An object of half-width r resting against the fixed jaw at the tool frame touches the
moving jaw at angle 2 * atan(r / 0.076).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


GRASPS: dict[str, Grasp] = {
    "cup_red": Grasp("side", 0.040, 0.056),
    "cup_blue": Grasp("side", 0.040, 0.056),
    "teapot": Grasp("side", 0.054, 0.062, held_firm=True),
    "water_glass": Grasp("side", 0.065, 0.058),
    "pill_box": Grasp("top", 0.030, 0.050, 0.060),
    "towel": Grasp("top", 0.035, 0.050, 0.110),
}

VESSEL_HEIGHTS: dict[str, float] = {
    "cup_red": 0.075,
    "cup_blue": 0.075,
    "teapot": 0.103,
    "water_glass": 0.095,
    "basket": 0.055,
}
"""Rim heights above the bottom (m): pours and placements clear them."""
VESSEL_INNER_RADIUS: dict[str, float] = {
    "cup_red": 0.024,
    "cup_blue": 0.024,
    "teapot": 0.027,
    "water_glass": 0.025,
}


def grasp_for(name: str) -> Grasp | None:
    return GRASPS.get(name)
