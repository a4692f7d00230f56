"""The tick: limb in, trajectory, supervisor, limb out; E-stop and hands from the bus."""

from __future__ import annotations

import numpy as np
import pytest

from core.msgs import ESTOP_RELEASE, EStop, PersonState, SafetyEvent, WorldState
from core.profile import load_profile
from robot.bus import Bus, latest
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.motion import MotionCore, MotionRequest
from robot.cerebellum.safety import collaborative_fraction
from robot.cerebellum.stop_requests import StopRequests

DT = 0.001
PROFILE = load_profile("so101")


def make_core(bus: Bus | None = None) -> tuple[MotionCore, EchoLimb, list[SafetyEvent]]:
    model = ArmModel.from_profile(PROFILE, BasePose())
    limb = EchoLimb(PROFILE, start=(0.0, -0.9, 0.8, 0.1, 0.0, 0.3))
    events: list[SafetyEvent] = []
    core = MotionCore.for_arm(
        model,
        limb,
        DT,
        estops=StopRequests(bus, 4) if bus else None,
        worlds=bus.subscribe(WorldState, policy=latest) if bus else None,
        on_event=events.append,
    )
    core.start()
    return core, limb, events


def ticks(core: MotionCore, n: int) -> None:
    for _ in range(n):
        core.tick()


def test_moves_to_a_requested_target_and_becomes_idle() -> None:
    core, limb, _ = make_core()
    goal = (0.3, -0.6, 0.9, 0.0, 0.2, 0.5)
    core.request(MotionRequest(target=goal))
    assert not core.idle
    ticks(core, 3000)
    assert core.idle
    assert np.allclose(limb.position, goal, atol=1e-6)


def test_estop_on_the_bus_holds_on_the_next_tick_until_reset() -> None:
    bus = Bus()
    core, limb, events = make_core(bus)
    goal = (0.8, -0.6, 0.9, 0.0, 0.2, 0.5)
    core.request(MotionRequest(target=goal))
    ticks(core, 150)
    moving_at = limb.position
    bus.publish(EStop(engaged=True, source="test"))
    core.tick()
    assert limb.position == moving_at  # held within one tick
    ticks(core, 500)
    assert limb.position == moving_at
    assert events[-1].kind == "estop" and events[-1].severity == "stop"
    bus.publish(EStop(engaged=False, source="test"), ESTOP_RELEASE)
    ticks(core, 3000)
    # Releasing the stop does not restart the motion it interrupted...
    assert limb.position == moving_at and core.idle
    core.request(MotionRequest(target=goal))  # ...a new request does.
    ticks(core, 3000)
    assert np.allclose(limb.position, goal, atol=1e-6)


def test_a_limb_that_says_stop_holds_the_arm_and_is_published() -> None:
    core, limb, events = make_core()
    core.request(MotionRequest(target=(0.8, -0.6, 0.9, 0.0, 0.2, 0.5)))
    ticks(core, 150)
    limp = SafetyEvent(kind="fault", severity="stop", joint="elbow_flex", detail="servo 3 ...")
    limb.take_events = lambda: [limp]  # type: ignore[method-assign]
    core.tick()
    limb.take_events = lambda: []  # type: ignore[method-assign]
    held_at = limb.position
    ticks(core, 300)
    assert limp in events and core.estop_engaged
    assert np.allclose(limb.position, held_at, atol=0.02)  # a controlled stop, then held
    still = limb.position
    ticks(core, 300)
    assert limb.position == still


def test_a_stop_during_a_pour_settles_the_wrist_upright_then_holds() -> None:
    bus = Bus()
    core, limb, events = make_core(bus)
    roll = 4
    tilted = (0.2, -0.6, 0.9, 0.3, -1.5, 0.5)
    core.request(MotionRequest(target=tilted, speed_scale=0.5, settle=((roll, 0.0),)))
    ticks(core, 700)
    moving_at = limb.position
    assert moving_at[roll] < -0.3  # mid-tilt
    bus.publish(EStop(engaged=True, source="kiosk", reason="visitor pressed STOP"))
    core.tick()
    assert limb.position == moving_at  # held within one tick
    assert not core.at_rest
    ticks(core, 2000)
    assert core.at_rest
    # Only the wrist rolled: back to upright; every other joint stayed where it stopped.
    assert limb.position[roll] == pytest.approx(0.0, abs=1e-6)
    others = [i for i in range(6) if i != roll]
    assert [limb.position[i] for i in others] == [moving_at[i] for i in others]
    assert "settling wrist_roll" in events[-1].detail
    ticks(core, 500)
    assert limb.position[roll] == pytest.approx(0.0, abs=1e-6)  # and holds there


def test_stale_joint_state_holds_and_raises_a_watchdog_event() -> None:
    core, limb, events = make_core()
    core.request(MotionRequest(target=(0.8, -0.6, 0.9, 0.0, 0.2, 0.5)))
    ticks(core, 100)
    limb.frozen_stamp_ns = 1  # the sensor stopped updating long ago
    ticks(core, 500)
    assert any(e.kind == "watchdog" for e in events)
    held = limb.position
    ticks(core, 100)
    assert limb.position == held


def test_a_hand_from_the_world_state_pauses_the_motion() -> None:
    bus = Bus()
    core, limb, events = make_core(bus)
    goal = (0.8, -0.6, 0.9, 0.0, 0.2, 0.5)
    core.request(MotionRequest(target=goal))
    ticks(core, 50)
    tool = core.supervisor.geometry.points(limb.position)[-1]  # type: ignore[union-attr]
    hand = (float(tool[0]), float(tool[1]), float(tool[2]) + 0.05)
    bus.publish(WorldState(scene="t", persons={"p": PersonState(position=hand, hand=hand)}))
    ticks(core, 600)
    assert core.supervisor.separation == "stop"
    paused = limb.position
    ticks(core, 100)
    assert limb.position == paused
    bus.publish(WorldState(scene="t", persons={"p": PersonState(position=hand)}))
    ticks(core, 4000)
    assert np.allclose(limb.position, goal, atol=1e-6)
    kinds = [e.kind for e in events]
    assert "separation_stop" in kinds and kinds[-1] == "separation_clear"


def test_velocity_scale_slows_planned_motion_but_not_the_limits() -> None:
    model = ArmModel.from_profile(PROFILE, BasePose())
    limb = EchoLimb(PROFILE)
    core = MotionCore.for_arm(model, limb, DT, velocity_scale=0.25)
    core.start()
    core.request(MotionRequest(target=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0)))
    previous = limb.position[0]
    fastest = 0.0
    for _ in range(3000):
        core.tick()
        fastest = max(fastest, abs(limb.position[0] - previous) / DT)
        previous = limb.position[0]
    assert fastest <= 0.25 * PROFILE.joints[0].max_velocity + 1e-9
    assert core.supervisor.limits.max_velocity == model.limits.max_velocity


def test_collaborative_fraction_for_a_tool_speed() -> None:
    assert collaborative_fraction(0.25, 4.0, 0.4) == pytest.approx(0.15625)
    assert collaborative_fraction(10.0, 4.0, 0.4) == 1.0
    with pytest.raises(ValueError):
        collaborative_fraction(0.0, 4.0, 0.4)
