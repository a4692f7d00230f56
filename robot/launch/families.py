"""Request families: one or more requests in one scene, run as seeded episodes by the
episodes benchmark (benchmarks/episodes.py) and by `robot dataset generate`.

A family's requests are `instructions` the brain plans, or, for a scene whose names the
planner was not trained on, fixed `plans` in the plan language (robot/brain/dsl.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.msgs import Plan
from robot.brain.dsl import parse
from robot.brain.planner import to_steps


@dataclass(frozen=True)
class Family:
    """Requests in one scene: `instructions` the brain plans, or, for a scene whose
    names the planner was not trained on, fixed `plans` in the plan language."""

    scene: str
    instructions: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()

    @property
    def requests(self) -> tuple[str, ...]:
        return self.instructions or self.plans


FAMILIES: dict[str, Family] = {
    "serve_tea": Family("tea", ("Bring the guest a cup of tea",)),
    "fill_cup": Family("tea", ("Pour tea into the red cup",)),
    "cups_to_tray": Family("tea", ("Put both cups on the tray",)),
    "care_fetch": Family(
        "care", ("Hand the pill box to the resident", "Bring the water glass to the resident")
    ),
    "towel_to_basket": Family("care", ("Put the towel in the basket",)),
    "breakfast_pour": Family(
        "breakfast", plans=("pick milk_jug ; pour milk_jug mug ; place milk_jug kitchen_table",)
    ),
    "breakfast_bowl": Family("breakfast", plans=("pick bowl ; place bowl serving_tray",)),
    "breakfast_handover": Family("breakfast", plans=("pick mug ; handover mug diner",)),
}


def fixed_plan(text: str) -> Plan:
    """A plan from plan-language text (robot/brain/dsl.py), for a family's `plans`."""
    return Plan(instruction=text, steps=to_steps(parse(text), "en"))
