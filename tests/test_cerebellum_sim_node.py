"""SimCerebellum: the cerebellum and the twin in simulated time, on the bus."""

from __future__ import annotations

from core.catalogue import load_scene
from core.msgs import JointCommand, JointState, SkillCall, SkillStatus, Step, WorldState
from robot.bus import Bus, fifo
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.sim_node import SimCerebellum
from robot.limbs.twin import TwinLimb
from sim.scenes import build_scene
from sim.world import World

WAIT_S = 60.0


def test_runs_skill_calls_from_the_bus_and_publishes_the_world(no_thread_left: None) -> None:
    bus = Bus()
    statuses = bus.subscribe(SkillStatus, policy=fifo(16))
    worlds = bus.subscribe(WorldState)
    states = bus.subscribe(JointState, policy=fifo(100_000))
    commands = bus.subscribe(JointCommand, policy=fifo(100_000))
    with World() as world:
        scene = build_scene(world, "tea", seed=0)
        model = ArmModel.from_profile(
            scene.arm.profile, BasePose(*load_scene("tea").file.arm_base_m)
        )
        node = SimCerebellum(
            bus, model, TwinLimb(scene.arm), world.step, world.time_step, scene.state
        )
        node.start()
        try:
            bus.publish(SkillCall(plan_seq=3, index=0, step=Step("pick", {"object": "cup_red"})))
            assert statuses.get(timeout=WAIT_S).state == "running"
            closed = statuses.get(timeout=WAIT_S)  # again when the jaws closed on the cup
            assert (closed.state, closed.holding) == ("running", "cup_red"), closed
            done = statuses.get(timeout=WAIT_S)
            assert (done.plan_seq, done.index, done.state) == (3, 0, "succeeded"), done.reason
            assert worlds.get(timeout=WAIT_S).scene == "tea"
            assert node.sim_time_s > 1.0
        finally:
            node.stop()
        assert node.failure is None
    # Every reading goes out with the command sent in its tick, stamped alike.
    state_stamps = [s.stamp_ns for s in iter(states.poll, None)]
    sent = list(iter(commands.poll, None))
    assert len(state_stamps) > 100
    assert [c.stamp_ns for c in sent] == state_stamps
    assert any(c.position != sent[0].position for c in sent)  # the pick moved the arm
