"""The in-process bus: latest and fifo semantics, QueueFull at the publisher, threads."""

from __future__ import annotations

import threading
import time

import pytest

from core.errors import BusError, QueueFull, ReceiveTimeout
from core.msgs import Instruction, JointState, Utterance
from robot.bus import Bus, Topic, fifo, latest


def state(x: float) -> JointState:
    return JointState(position=(x,))


def test_latest_keeps_only_the_newest() -> None:
    bus = Bus()
    sub = bus.subscribe(JointState, policy=latest)
    for i in range(5):
        bus.publish(state(i))
    assert sub.poll().position == (4.0,)
    assert sub.poll() is None


def test_fifo_keeps_order() -> None:
    bus = Bus()
    sub = bus.subscribe(Instruction, policy=fifo(10))
    for i in range(10):
        bus.publish(Instruction(text=str(i)))
    assert [sub.get(0).text for _ in range(10)] == [str(i) for i in range(10)]


def test_full_fifo_raises_at_publisher_and_delivers_to_nobody() -> None:
    bus = Bus()
    full = bus.subscribe(Instruction, policy=fifo(2))
    other = bus.subscribe(Instruction, policy=fifo(10))
    bus.publish(Instruction(text="a"))
    bus.publish(Instruction(text="b"))
    with pytest.raises(QueueFull, match="Instruction"):
        bus.publish(Instruction(text="c"))
    assert [full.poll().text, full.poll().text, full.poll()] == ["a", "b", None]
    assert [m.text for m in (other.poll(), other.poll())] == ["a", "b"]
    assert other.poll() is None  # "c" reached nobody


def test_sequence_numbers_per_publisher() -> None:
    bus = Bus()
    sub = bus.subscribe(Utterance, policy=fifo(10))
    pub_a = bus.publisher(Utterance)
    pub_b = bus.publisher(Utterance)
    pub_a.publish(Utterance(text="a1"))
    pub_a.publish(Utterance(text="a2"))
    pub_b.publish(Utterance(text="b1"))
    assert [(m.text, m.seq) for m in (sub.poll(), sub.poll(), sub.poll())] == [
        ("a1", 1),
        ("a2", 2),
        ("b1", 1),
    ]


def test_named_topics_are_separate() -> None:
    bus = Bus()
    leader = bus.subscribe(JointState, "leader")
    default = bus.subscribe(JointState)
    bus.publish(state(1.0), "leader")
    assert leader.poll().position == (1.0,)
    assert default.poll() is None
    assert Topic(JointState, "leader").key == "JointState/leader"


def test_get_times_out_with_typed_error() -> None:
    sub = Bus().subscribe(JointState)
    with pytest.raises(ReceiveTimeout, match="JointState"):
        sub.get(timeout=0.01)


def test_subscribing_to_a_non_message_fails_at_subscribe_time() -> None:
    bus = Bus()
    with pytest.raises(BusError, match="not a message type"):
        bus.subscribe(dict)  # type: ignore[type-var]
    with pytest.raises(BusError, match="policy"):
        bus.subscribe(JointState, policy="latest")  # type: ignore[arg-type]
    with pytest.raises(BusError):
        fifo(0)


def test_publisher_rejects_the_wrong_type() -> None:
    pub = Bus().publisher(JointState)
    with pytest.raises(BusError, match="Utterance"):
        pub.publish(Utterance(text="x"))  # type: ignore[arg-type]


def test_close_wakes_a_blocked_reader_and_ends_iteration(no_thread_left) -> None:
    bus = Bus()
    sub = bus.subscribe(Utterance, policy=fifo(4))
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(m.text for m in sub))
    reader.start()
    bus.publish(Utterance(text="one"))
    bus.publish(Utterance(text="two"))
    deadline = time.monotonic() + 5.0
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    sub.close()
    reader.join(2.0)
    assert not reader.is_alive()
    assert seen == ["one", "two"]
    bus.publish(Utterance(text="after close"))  # a closed subscription no longer receives
    assert sub.poll() is None


def test_concurrent_publishers_lose_nothing(no_thread_left) -> None:
    bus = Bus()
    n_threads, per_thread = 4, 2_000
    sub = bus.subscribe(Instruction, policy=fifo(n_threads * per_thread))
    threads = [
        threading.Thread(
            target=lambda k=k: [
                bus.publisher(Instruction).publish(Instruction(text=f"{k}:{i}"))
                for i in range(per_thread)
            ]
        )
        for k in range(n_threads)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    received = []
    while (m := sub.poll()) is not None:
        received.append(m.text)
    assert sorted(received) == sorted(
        f"{k}:{i}" for k in range(n_threads) for i in range(per_thread)
    )
    for k in range(n_threads):  # each publisher's messages arrive in its order
        mine = [int(t.split(":")[1]) for t in received if t.startswith(f"{k}:")]
        assert mine == sorted(mine)


def test_wake_event_is_set_on_delivery() -> None:
    bus = Bus()
    wake = threading.Event()
    bus.subscribe(JointState, wake=wake)
    assert not wake.is_set()
    bus.publish(state(0.0))
    assert wake.is_set()
