"""A stop while pouring tips the vessel back upright, then holds (in the twin).

The protective stop (the kiosk's STOP) is engaged once tea is leaving the pot; the pour
skill told the loop what to settle on a stop (the wrist roll back to upright), so the
pot comes back upright within the settle bound and the arm then holds. Held where it
was instead (the old stop), the pot stays tipped 74-95 degrees over the cup (measured
on these seeds), still dribbling.
"""

from __future__ import annotations

import math

import pytest

from core.msgs import EStop, Plan, Step
from robot.cerebellum.lockstep import Lockstep
from robot.cerebellum.motion_child import SETTLE_MAX_S
from robot.launch.episode import run_episode

POURING = 0.9
"""The stop comes once the pot's fill level is below this: tea is leaving it."""
UPRIGHT_DEG = 20.0
"""Tipped back at least this close to upright. The pot may sit a little turned in the
jaws after a pour (issue 7's 13 degree median), which a wrist roll does not undo, and
held for the settle it may turn a little more: 3 s after the stop, seeds 0, 1, 2 and 5
sit at 16.4, 9.6, 9.8 and 13.4 degrees (seed 0 back to 9.9, then turning in the jaws;
below 15 on an earlier machine). Held where it was, the pot stays at 74-95."""


def tilt_deg(q: tuple[float, float, float, float]) -> float:
    """Angle between a body's z axis and the world's (deg)."""
    x, y, _, _ = q
    return math.degrees(math.acos(max(-1.0, min(1.0, 1.0 - 2.0 * (x * x + y * y)))))


@pytest.mark.parametrize("seed", [0, 5])
def test_a_stop_mid_pour_tips_the_pot_back_upright_and_holds(seed: int) -> None:
    seen: dict[str, float] = {}

    def watch(lockstep: Lockstep) -> None:
        world = lockstep.world or lockstep.world_state()
        tilt = tilt_deg(world.objects["teapot"].orientation)
        if "stopped_s" not in seen and world.objects["teapot"].filled < POURING:
            seen.update(stopped_s=lockstep.time_s, tilt=tilt)
            lockstep.core.apply_estop(EStop(engaged=True, source="kiosk", reason="STOP"))
        elif "stopped_s" in seen and "upright_s" not in seen and tilt < UPRIGHT_DEG:
            seen["upright_s"] = lockstep.time_s - seen["stopped_s"]

    plan = Plan(
        instruction="Pour tea into the red cup.",
        steps=(
            Step("pick", {"object": "teapot"}),
            Step("pour", {"source": "teapot", "target": "cup_red"}),
        ),
    )
    result = run_episode("tea", seed, plan, watch=watch, settle_s=3.0)
    assert [s.status for s in result.steps] == ["succeeded", "failed"]
    assert result.steps[1].reason == "protective stop"
    assert seen["tilt"] > 60.0, "stopped while pouring"
    assert seen["upright_s"] < SETTLE_MAX_S
    assert tilt_deg(result.world.objects["teapot"].orientation) < UPRIGHT_DEG  # and stays
    assert result.on_person == 0
