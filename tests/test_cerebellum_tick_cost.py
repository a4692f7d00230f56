"""The tick's shortcuts skip only work that changes nothing, and keep every limit.

- MotionCore: a rounding-level trim by the supervisor does not re-seed ruckig (which
  would recompute its trajectory), a real intervention does;
- SafetySupervisor: an arm at rest is still checked every tick (a hand that comes near
  it stops it); a target past a limit raises one `joint_limit` event per crossing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from cerebellum_fixtures import limits, serial_arm_urdf

from core.msgs import EStop
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.geometry import ArmGeometry
from robot.cerebellum.kinematics import Chain
from robot.cerebellum.motion import MotionCore, MotionRequest
from robot.cerebellum.safety import SafetyConfig, SafetySupervisor
from robot.cerebellum.synthetic import serial_arm_profile

DT = 0.001
JOINTS = 6
PROFILE = serial_arm_profile(JOINTS)
GOALS = [tuple(np.random.default_rng(seed).uniform(-0.4, 0.4, JOINTS)) for seed in range(4)]
"""Goals as the benchmark's synthetic-arm moves: long moves at full acceleration."""
N = 3
FAR_HAND = (0.0, 0.0, 5.0)


def make_core() -> tuple[MotionCore, EchoLimb, list[int]]:
    """A core on a synthetic 6-joint arm with its `trajectory.follow` calls counted."""
    chain = Chain.from_urdf(serial_arm_urdf(JOINTS), "tool")
    model = ArmModel(PROFILE, chain, BasePose(), link_radius_m=0.01)
    limb = EchoLimb(PROFILE)
    core = MotionCore.for_arm(model, limb, DT)
    core.start()
    follows = [0]
    follow = core.trajectory.follow

    def counted(*args: list[float]) -> None:
        follows[0] += 1
        follow(*args)

    core.trajectory.follow = counted  # type: ignore[method-assign]
    return core, limb, follows


def run_counting_trims(core: MotionCore, ticks: int) -> int:
    """Tick `ticks` times; how many ticks the supervisor changed the planned position."""
    trims = 0
    filter_ = core.supervisor.filter

    def counting(target: list[float]) -> tuple[list[float], list[float]]:
        nonlocal trims
        planned = list(target)
        position, velocity = filter_(target)
        trims += position != planned
        return position, velocity

    core.supervisor.filter = counting  # type: ignore[method-assign]
    for _ in range(ticks):
        core.tick()
    return trims


def test_rounding_trims_do_not_reseed_the_trajectory_and_the_goal_is_reached() -> None:
    core, limb, follows = make_core()
    trims = 0
    for goal in GOALS:
        core.request(MotionRequest(target=goal))
        trims += run_counting_trims(core, 3000)
        assert core.idle
        assert np.allclose(limb.position, goal, atol=1e-6)
    assert trims > 0  # ruckig's full-acceleration steps do come out a hair over a*dt
    assert follows[0] == 0


def test_a_real_intervention_reseeds_the_trajectory() -> None:
    core, limb, follows = make_core()
    core.request(MotionRequest(target=GOALS[0]))
    for _ in range(150):
        core.tick()
    core.apply_estop(EStop(engaged=True, source="test"))
    for _ in range(50):
        core.tick()
    core.apply_estop(EStop(engaged=False, source="test"))
    core.request(MotionRequest(target=GOALS[0]))  # a released stop resumes on a request
    for _ in range(3000):
        core.tick()
    assert follows[0] > 0
    assert np.allclose(limb.position, GOALS[0], atol=1e-6)


def make_supervisor() -> SafetySupervisor:
    chain = Chain.from_urdf(serial_arm_urdf(N), "tool")
    geometry = ArmGeometry(chain, tuple(range(N)), fence_from=1, link_radius_m=0.01)
    sup = SafetySupervisor(limits(N), DT, SafetyConfig(), geometry)
    sup.reset([0.0] * N)
    return sup


def hold(sup: SafetySupervisor, ticks: int) -> None:
    here = list(sup.position)
    for _ in range(ticks):
        sup.filter(here)


@pytest.mark.parametrize("stop_at", [0.0, 0.05])
def test_a_hand_reaching_an_arm_at_rest_still_stops_it(stop_at: float) -> None:
    sup = make_supervisor()
    sup.set_hand(FAR_HAND)
    hold(sup, 20)
    assert sup.separation == "clear"
    tip = sup.geometry.points(sup.position)[-1]  # type: ignore[union-attr]
    sup.set_hand((float(tip[0]), float(tip[1]), float(tip[2]) + stop_at))
    hold(sup, 1)
    assert sup.separation == "stop" and sup.holding


def test_a_target_past_a_limit_raises_one_event_per_crossing() -> None:
    sup = make_supervisor()
    upper = sup.limits.upper[1]
    for _ in range(5):
        sup.filter([0.0, upper + 1.0, 0.0])
    for _ in range(5):
        sup.filter([0.0, 0.0, 0.0])
    sup.filter([0.0, upper + 1.0, 0.0])
    kinds = [(e.kind, e.joint) for e in sup.events]
    assert kinds == [("joint_limit", sup.limits.names[1])] * 2
    assert max(sup.position) <= upper


COMPILED_ON_BUILD = """
import json

from robot.cerebellum import geometry, kinematics
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.motion import MotionCore, MotionRequest
from core.profile import load_profile

profile = load_profile("so101")
model = ArmModel.from_profile(profile, BasePose(), fence=((-0.5, -0.5, 0.0), (0.5, 0.5, 0.6)))
core = MotionCore.for_arm(model, EchoLimb(profile), 0.001)
kernels = (kinematics.forward_pass, geometry.box_depth, geometry.nearest_link_pair,
           geometry.point_to_capsules)
built = [len(k.signatures) for k in kernels]
core.start()
core.supervisor.set_hand((0.15, 0.0, 0.15))
core.request(MotionRequest(target=(0.5, -0.5, 0.6, 0.3, 0.2, 0.4)))
for _ in range(500):
    core.tick()
print(json.dumps({"built": built, "after_ticks": [len(k.signatures) for k in kernels]}))
"""


def test_the_compiled_checks_are_ready_before_the_first_tick() -> None:
    """Building the arm compiles (or loads) every kernel the tick calls, for the very
    argument types the tick passes: no tick waits for numba's compiler. In a fresh
    interpreter, where no other test has compiled anything."""
    done = subprocess.run(
        [sys.executable, "-c", COMPILED_ON_BUILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert all(count >= 1 for count in counts["built"])
    assert counts["after_ticks"] == counts["built"]
