"""The Zenoh backend carries the same typed messages between two buses over loopback."""

from __future__ import annotations

import socket
import time

import pytest

from core.errors import QueueFull, ReceiveTimeout
from core.msgs import JointState, Plan, Step
from robot.bus import Bus, fifo
from robot.bus_zenoh import ZenohBackend


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
