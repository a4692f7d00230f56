"""The run report (docs/architecture.md, "Run report"), as a JSON-ready dict."""

from __future__ import annotations

from typing import Any

from core.msgs import WorldState
from robot.launch.operator import InstructionRecord


def build_report(
    records: list[InstructionRecord],
    world: WorldState | None,
    *,
    sim_time_s: float,
    wall_time_s: float,
    spilled: int,
    on_person: int,
) -> dict[str, Any]:
    """success: every instruction succeeded (or was refused with nothing moved) and no
    liquid landed on a person. Positions in metres, world frame."""
    objects: dict[str, Any] = {}
    persons: dict[str, Any] = {}
    surfaces: dict[str, Any] = {}
    if world is not None:
        objects = {
            n: {
                "position": list(o.position),
                "orientation": list(o.orientation),
                "filled": o.filled,
            }
            for n, o in world.objects.items()
        }
        persons = {n: {"position": list(p.position)} for n, p in world.persons.items()}
        surfaces = {
            n: {"position": list(s.position), "half_extents": list(s.half_extents)}
            for n, s in world.surfaces.items()
        }
    return {
        "success": bool(records) and all(r.success for r in records) and on_person == 0,
        "instructions": [r.to_json_obj() for r in records],
        "sim_time_s": sim_time_s,
        "wall_time_s": wall_time_s,
        "spilled": spilled,
        "on_person": on_person,
        "objects": objects,
        "persons": persons,
        "surfaces": surfaces,
    }
