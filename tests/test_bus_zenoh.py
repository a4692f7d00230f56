"""The Zenoh backend carries the same typed messages between two buses over loopback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.errors import QueueFull, ReceiveTimeout
from core.msgs import JointState, Plan, PlanStatus, Step, Utterance
from robot.bus import Bus, Subscription, fifo
from robot.bus_zenoh import ZenohBackend, free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def two_buses():
    endpoint = f"tcp/127.0.0.1:{free_port()}"
    arm = Bus(ZenohBackend(listen=[endpoint]))
    brain = Bus(ZenohBackend(connect=[endpoint]))
    yield arm, brain
    brain.close()
    arm.close()


def receive_first(sub, publish, timeout: float = 5.0):
    """Publish until the link is up (Zenoh connects asynchronously), return the first message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        publish()
        try:
            return sub.get(timeout=0.05)
        except ReceiveTimeout:
            continue
    raise AssertionError("nothing arrived over Zenoh")


def test_typed_messages_cross_between_buses(two_buses) -> None:
    arm, brain = two_buses
    states = brain.subscribe(JointState, policy=fifo(100))
    pub = arm.publisher(JointState)
    first = receive_first(states, lambda: pub.publish(JointState(position=(0.5,) * 6)))
    assert isinstance(first, JointState) and first.position == (0.5,) * 6

    plans = arm.subscribe(Plan, "kiosk", policy=fifo(4))
    plan = Plan(instruction="tidy", steps=(Step("go_home"),))
    got = receive_first(plans, lambda: brain.publish(plan, "kiosk"))
    assert got.steps == plan.steps and got.seq >= 1


def test_malformed_payload_is_counted_not_delivered(two_buses) -> None:
    arm, brain = two_buses
    states = brain.subscribe(JointState, policy=fifo(10))
    pub = arm.publisher(JointState)
    receive_first(states, lambda: pub.publish(JointState(position=(0.0,))))
    backend = brain.backend
    assert isinstance(backend, ZenohBackend)
    raw = arm.backend.session.declare_publisher("robot/JointState")
    raw.put(b"\x93not-a-joint-state")
    deadline = time.monotonic() + 5.0
    while backend.malformed == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    raw.undeclare()
    assert backend.malformed == 1
    while (msg := states.poll()) is not None:
        assert isinstance(msg, JointState)


def test_local_full_fifo_raises_at_the_publisher(two_buses) -> None:
    arm, _ = two_buses
    sub = arm.subscribe(Plan, policy=fifo(1))
    arm.publish(Plan(instruction="a"))
    deadline = time.monotonic() + 5.0
    while not sub.is_full() and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(QueueFull, match="Plan"):
        arm.publish(Plan(instruction="b"))


def test_a_local_subscriber_has_the_message_when_publish_returns(two_buses) -> None:
    """As on the in-process bus: a Plan's status can never overtake the Plan (the operator
    once waited for good on a plan whose statuses came first)."""
    arm, _ = two_buses
    said = arm.subscribe(Utterance, policy=fifo(300))
    statuses = arm.subscribe(PlanStatus, policy=fifo(300))
    for i in range(200):
        arm.publish(Utterance(text=str(i)))
        arm.publish(PlanStatus(plan_seq=i, state="running"))
        utterance, status = said.poll(), statuses.poll()
        assert utterance is not None and utterance.text == str(i)
        assert status is not None and status.plan_seq == i


def test_messages_of_different_topics_arrive_in_the_order_sent(two_buses, monkeypatch) -> None:
    arm, brain = two_buses
    arrived: list[tuple[str, int]] = []
    deliver = Subscription.deliver

    def recording(sub, msg):
        arrived.append(
            (sub.topic.key, int(msg.text) if isinstance(msg, Utterance) else msg.plan_seq)
        )
        deliver(sub, msg)

    said = brain.subscribe(Utterance, policy=fifo(1000))
    statuses = brain.subscribe(PlanStatus, policy=fifo(1000))
    receive_first(said, lambda: arm.publish(Utterance(text="-1")))
    monkeypatch.setattr(Subscription, "deliver", recording)
    for i in range(300):
        arm.publish(Utterance(text=str(i)))
        arm.publish(PlanStatus(plan_seq=i, state="running"))
    deadline = time.monotonic() + 5.0
    while len(arrived) < 600 and time.monotonic() < deadline:
        time.sleep(0.01)
    sent = [(key, i) for i in range(300) for key in (said.topic.key, statuses.topic.key)]
    # Zenoh may drop a message when its queue is full (best effort, as configured): what
    # arrives must be in the order sent, whatever is missing.
    order = [sent.index(a) for a in arrived if a[1] >= 0]
    assert len(order) > 300 and order == sorted(order)


def zenoh_launch(tmp_path: Path) -> Path:
    """The tea demo's launch file on a Zenoh bus."""
    text = (ROOT / "launch" / "tea_sim.toml").read_text()
    path = tmp_path / "tea_zenoh.toml"
    path.write_text(f'{text}\n[bus]\nbackend = "zenoh"\nlisten = ["tcp/127.0.0.1:{free_port()}"]\n')
    return path


def robot_run(launch: Path, instruction: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "robot.cli", "run", str(launch), "-i", instruction],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_run_on_the_zenoh_bus_exits_when_it_is_done(tmp_path) -> None:
    """The open Zenoh session once kept the process alive for good after SUCCESS."""
    run = robot_run(zenoh_launch(tmp_path), "Say hello to the guest.")
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0, out
    assert "SUCCESS: 1/1" in out


def test_a_run_on_the_zenoh_bus_stops_on_ctrl_c(tmp_path) -> None:
    run = robot_run(zenoh_launch(tmp_path), "Bring the guest a cup of tea.")
    assert run.stdout is not None
    for line in run.stdout:  # the stack runs once the plan is printed
        if line.strip().startswith("plan:"):
            break
    run.send_signal(signal.SIGINT)
    out, _ = run.communicate(timeout=30)  # well under 1 s here; not a timing test
    assert run.returncode == 1, out
    assert "the run was stopped (Ctrl-C)" in out
