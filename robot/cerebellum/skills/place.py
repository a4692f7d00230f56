"""place(object, target): over the target, lower straight down, release, retreat, verify."""

from __future__ import annotations

import math

import numpy as np

from robot.cerebellum.skills.base import Phase, Skill, SkillContext, SkillFailed
from robot.cerebellum.skills.grasps import Grasp
from robot.cerebellum.skills.lines import require_line, rising_retreat
from robot.cerebellum.skills.phases import (
    RETREAT_M,
    Check,
    MoveLine,
    SeeAgain,
    let_go_and_retreat,
    transit,
)
from robot.cerebellum.skills.poses import (
    UP,
    held_pose,
    pitch_of,
    pose_holding_at,
    require_grasp,
    roll_across,
    solve_held,
)

ABOVE_M = 0.06
"""Come in this far above the placing point, then lower straight down."""
DROP_CLEARANCE_M = 0.006
"""Release with the object's bottom this far above the surface..."""
HIGH_DROP_CLEARANCE_M = 0.02
"""...or, for an object held from the side that the line down cannot bring that low,
from this high: a pot that turned and rose in the jaws during a pour needs its tool
lower than its pick did, past the arm's reach beside its pick spot (tuning seed 12 of
breakfast_pour; seeds 71 and 74 would need it set down pitched). It drops 2 cm."""
REACH_MARGIN_M = 0.005
"""A line down counts as within reach only if it reaches this much lower than it needs:
carried after a pour, a pot settled 3 mm lower in the jaws on the way."""
LOWER_SPEED_M_S = 0.05
RETREAT_SPEED_M_S = 0.08
SETTLE_S = 0.3
"""After letting go, wait this long for the object to settle (s)."""
RETREAT_LEANS_RAD = tuple(math.radians(d) for d in (0, 10, 20, 30))
"""A retreat straight up that the wrist cannot follow with the axis it released with
(a top grasp put down near the base: the wrist flex at its limit) leans the axis
outward by these, pivoting about the tool point between the open jaws."""
LANDED_MARGIN_M = 0.015
TRANSIT_SPEED = 0.5
LARGE_SURFACE_M = 0.2
"""A surface wider than this (a table) gets the object back where it came from."""


SLOT_MARGIN_M = 0.012
"""A round object in a slot keeps this much room to the surface's edge (m): a tray's
rim (6 mm) and where the object lands (within ~5 mm of its aim)."""
SLOT_GAP_M = 0.02
"""Two round objects in the two slots of one surface stand at least this far apart
(m); the slots are as far apart as the surface allows."""
SLOT_FALLBACK_FRACTIONS = (0.7, 0.4)
"""A slot out of reach is moved toward the surface's centre by these steps (fractions
of its offset from the centre) before the other slot is tried."""
ON_TOP_HEIGHT_M = 0.05
"""An object whose bottom is this close above a surface's top counts as standing on it."""


def _surface_axes(ctx: SkillContext, target: str) -> np.ndarray:
    """The surface's x and y axes (2x2, columns, world xy): turned with the object it
    belongs to (a tray), world-aligned for fixed surfaces."""
    world = ctx.require_world()
    if target not in world.objects:
        return np.eye(2)
    x, y, z, w = world.objects[target].orientation
    yaw = np.arctan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s], [s, c]])


def _slots(ctx: SkillContext, target: str, radius: float) -> list[np.ndarray]:
    """Two spots on a small surface for round objects of `radius` (m), at the two ends
    of its long side (a tray's long side runs across the arm's reach: side by side,
    both cups stay as far from the base as the tray, and the open jaws of the gripper
    holding one clear the other). Empty when the surface is too short for two."""
    surface = ctx.require_world().surfaces[target]
    half = np.asarray(surface.half_extents[:2])
    long = int(np.argmax(half))
    along = half[long] - radius - SLOT_MARGIN_M
    if along < radius + SLOT_GAP_M / 2.0:
        return []
    local = np.zeros(2)
    local[long] = along
    top = np.asarray(surface.position, dtype=np.float64)
    offset = _surface_axes(ctx, target) @ local
    return [top + np.array([*offset, 0.0]), top - np.array([*offset, 0.0])]


def _standing_on(ctx: SkillContext, target: str, skip: str) -> list[np.ndarray]:
    """Positions (m) of the objects other than `skip` standing on small surface `target`."""
    world = ctx.require_world()
    surface = world.surfaces[target]
    top = np.asarray(surface.position, dtype=np.float64)
    to_local = _surface_axes(ctx, target).T
    found = []
    for name, obj in world.objects.items():
        if name in (skip, target):
            continue
        where = np.asarray(obj.position, dtype=np.float64)
        local = to_local @ (where[:2] - top[:2])
        if np.all(np.abs(local) <= np.asarray(surface.half_extents[:2])) and (
            -SLOT_MARGIN_M <= where[2] - top[2] <= ON_TOP_HEIGHT_M
        ):
            found.append(where)
    return found


TOWARD_ARM_FRACTIONS = (0.5, 1.0)
"""An object held from above whose surface's centre is out of reach goes this far (as
fractions of the room it has there) from the centre toward the arm's base."""


def _toward_arm(ctx: SkillContext, target: str, grasp: Grasp) -> list[np.ndarray]:
    """Spots (m, world) on small surface `target` between its centre and its side
    nearest the arm, for an object held from above lying along the surface's long side
    (as `place` lays it): each of TOWARD_ARM_FRACTIONS of the room left on either
    axis (half extent minus the object's half length or half width), no farther."""
    surface = ctx.require_world().surfaces[target]
    half = np.asarray(surface.half_extents[:2], dtype=np.float64)
    along_long = int(np.argmax(half))
    object_half = np.full(2, grasp.half_width)
    object_half[along_long] = grasp.length / 2.0
    room = np.maximum(0.0, half - object_half)
    top = np.asarray(surface.position, dtype=np.float64)
    axes = _surface_axes(ctx, target)
    to_base = np.array([ctx.model.base.x, ctx.model.base.y]) - top[:2]
    local = axes.T @ to_base
    if not np.any(room > 0.0) or float(np.linalg.norm(local)) < 1e-9:
        return []
    # The farthest shift toward the base that stays within the room on both axes.
    scale = min((room[k] / abs(local[k]) for k in range(2) if abs(local[k]) > 1e-9), default=0.0)
    shift = axes @ (local * scale)
    return [top + np.array([*(shift * f), 0.0]) for f in TOWARD_ARM_FRACTIONS]


def place_points(ctx: SkillContext, target: str, what: str) -> list[np.ndarray]:
    """Where the held object `what`'s bottom centre may go (m, world) on `target`, best
    first: back where it came from on a table; on a small surface (a tray), for a round
    object, the slot farthest from what already stands there (the one farther from the
    arm when both are free), then spots on the way from it to the centre, then the
    other slot (a slot may be out of reach); for an object held from above, the
    surface's centre, then spots nearer the arm within the room it leaves; else the
    surface's centre."""
    world = ctx.require_world()
    if target not in world.surfaces:
        raise SkillFailed(f"cannot place on {target}: it is not a surface")
    surface = world.surfaces[target]
    top = np.asarray(surface.position, dtype=np.float64)
    if max(surface.half_extents[:2]) > LARGE_SURFACE_M and ctx.held_from is not None:
        return [np.array([ctx.held_from[0], ctx.held_from[1], top[2]])]
    grasp = require_grasp(ctx, what)
    if grasp.style == "top":
        return [top, *_toward_arm(ctx, target, grasp)]
    slots = _slots(ctx, target, grasp.half_width)
    if not slots:
        return [top]
    others = _standing_on(ctx, target, what)
    base = np.array([ctx.model.base.x, ctx.model.base.y])

    def score(slot: np.ndarray) -> tuple[float, float]:
        clearance = min((float(np.linalg.norm(slot[:2] - o[:2])) for o in others), default=1.0)
        return (-round(clearance, 3), -float(np.linalg.norm(slot[:2] - base)))

    best, other = sorted(slots, key=score)
    inward = [top + (best - top) * f for f in SLOT_FALLBACK_FRACTIONS]
    return [best, *inward, other]


class Place(Skill):
    name = "place"

    def plan(self, ctx: SkillContext) -> list[Phase]:
        what, target = self.args["object"], self.args["target"]
        grasp = require_grasp(ctx, what)
        tilt: list[np.ndarray] = []
        # The spot, from the surface's top centre (m), and the height to release at (m).
        chosen: list[tuple[np.ndarray, float]] = []
        watches = (target,) if ctx.world is not None and target in ctx.world.objects else ()
        drops = (
            (DROP_CLEARANCE_M, HIGH_DROP_CLEARANCE_M)
            if grasp.style == "side"
            else (DROP_CLEARANCE_M,)
        )

        def holding(c: SkillContext) -> str | None:
            if c.held != what:
                return f"cannot place {what}: not holding it"
            return None

        def holding_at(c: SkillContext, bottom: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
            if grasp.style == "side":
                point, approach = held_pose(c, what, bottom)
                return point, approach, 0.0
            # Held from above across its short side (a towel): the jaws close across
            # the surface's short side too, so the object lies along the long side.
            point, approach, _ = pose_holding_at(c, what, bottom)
            half = c.require_world().surfaces[target].half_extents
            short_axis = _surface_axes(c, target)[:, int(np.argmin(half[:2]))]
            return point, approach, roll_across(c, point, np.array([*short_axis, 0.0]))

        def surface_top(c: SkillContext) -> np.ndarray:
            return np.asarray(c.require_world().surfaces[target].position, dtype=np.float64)

        def above_spot(c: SkillContext, spot: np.ndarray, drop: float) -> tuple[float, ...]:
            high = spot + UP * (DROP_CLEARANCE_M + ABOVE_M)
            if grasp.style == "side":
                # The spot counts only if the line down to it is within reach too.
                q = solve_held(c, what, high, f"{target}")
                pitch = pitch_of(c.model.tool_pose(c.full_target(q))[:3, 0])
                low = spot + UP * (drop - REACH_MARGIN_M)
                point, approach = held_pose(c, what, low, pitch)
                require_line(c, q, point, approach, f"{target}")
                return c.full_target(q)
            point, approach, roll = holding_at(c, high)
            # Held from above: lean out if straight down is out of reach.
            low = point - UP * ABOVE_M

            def line_down(q: np.ndarray, d: np.ndarray) -> None:
                require_line(c, q, low, d, f"{target}")

            q, direction = c.solve_tilted(
                lambda _d: [point, low], approach, f"{target}", roll, check=line_down
            )
            tilt[:] = [direction]
            return c.full_target(q)

        def above(c: SkillContext) -> tuple[float, ...]:
            """Over the first spot within reach, released as low as reach allows;
            remembers it relative to the surface."""
            for spot in place_points(c, target, what):
                for drop in drops:
                    try:
                        goal = above_spot(c, spot, drop)
                    except SkillFailed:
                        continue
                    chosen[:] = [(spot - surface_top(c), drop)]
                    return goal
            raise SkillFailed(f"{target} out of reach")

        def lower(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            spot, drop = chosen[0]
            bottom = surface_top(c) + spot + UP * drop
            point, approach, _ = holding_at(c, bottom)
            return point, tilt[0] if tilt else approach

        def retreat_up(c: SkillContext) -> tuple[np.ndarray, np.ndarray]:
            """Straight up; with the approach axis leaned outward if the gripper points
            down so steeply that the wrist, at its limit, cannot keep that axis."""
            try:
                return rising_retreat(c, (RETREAT_M,), RETREAT_LEANS_RAD, "retreat")
            except SkillFailed:
                tool = c.model.tool_pose(c.commanded())
                return tool[:3, 3] + UP * RETREAT_M, tool[:3, 0]

        def landed(c: SkillContext) -> str | None:
            world = c.require_world()
            surface = world.surfaces[target]
            offset = np.abs(c.object_position(what)[:2] - np.asarray(surface.position[:2]))
            inside = np.all(offset <= np.asarray(surface.half_extents[:2]) + LANDED_MARGIN_M)
            if not inside:
                return f"{what} did not land on {target}"
            return None

        return [
            Check("check", holding),
            *transit(
                "above target",
                above,
                TRANSIT_SPEED,
                watches=watches,
                keep_pitch=grasp.carry_pitched,
            ),
            MoveLine(
                "lower", lower, LOWER_SPEED_M_S, f"{target}", watches=watches, contact_ok=True
            ),
            *let_go_and_retreat(grasp.open_rad, SETTLE_S, RETREAT_SPEED_M_S, retreat_up),
            SeeAgain("look", what, needed=False),
            Check("verify", landed),
        ]
