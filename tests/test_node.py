"""Nodes run handlers and ticks in their own threads, stop cleanly, and report failures."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from core.msgs import Heartbeat, Instruction, Utterance
from robot.bus import Bus, fifo
from robot.node import Node, NodeFailed, run_nodes


class Echo(Node):
    """Repeats each instruction as an utterance, from its own thread."""

    def __init__(self, bus: Bus) -> None:
        super().__init__(bus, "echo")
        self.threads: set[str] = set()
        self.handle(Instruction, self.on_instruction, policy=fifo(8))
        self.out = bus.publisher(Utterance)

    def on_instruction(self, msg: Instruction) -> None:
        self.threads.add(threading.current_thread().name)
        if msg.text == "fail":
            raise ValueError("asked to fail")
        self.out.publish(Utterance(text=msg.text))


def test_handlers_run_in_the_node_thread(no_thread_left) -> None:
    bus = Bus()
    replies = bus.subscribe(Utterance, policy=fifo(8))
    echo = Echo(bus)
    echo.start()
    bus.publish(Instruction(text="hello"))
    assert replies.get(timeout=2.0).text == "hello"
    echo.stop()
    assert echo.threads == {"node:echo"}
    assert not echo.running


def test_tick_runs_periodically_and_heartbeats(no_thread_left) -> None:
    class Counter(Node):
        ticks = 0

        def tick(self) -> None:
            self.ticks += 1

    bus = Bus()
    beats = bus.subscribe(Heartbeat, policy=fifo(100))
    node = Counter(bus, "counter", period_s=0.005)
    run_nodes([node], until=lambda: node.ticks >= 5)
    assert node.ticks >= 5
    assert beats.poll().node == "counter"


def test_a_failing_handler_stops_run_nodes_with_the_cause(no_thread_left) -> None:
    bus = Bus()
    echo = Echo(bus)
    sent = []

    def until() -> bool:
        if not sent:
            sent.append(bus.publish(Instruction(text="fail")))
        return False

    with pytest.raises(NodeFailed, match="echo") as info:
        run_nodes([echo], until=until)
    assert isinstance(info.value.__cause__, ValueError)


def test_a_node_that_ignores_stop_is_reported(no_thread_left) -> None:
    release = threading.Event()

    class Stubborn(Node):
        def run(self) -> None:
            release.wait(5.0)

    node = Stubborn(Bus(), "stubborn")
    node.start()
    with pytest.raises(RuntimeError, match=r"stubborn.*did not stop"):
        node.stop(timeout=0.05)
    release.set()
    node._thread.join(5.0)


SIGINT_PROGRAM = textwrap.dedent(
    """
    import threading, time
    from robot.bus import Bus
    from robot.node import Node, run_nodes

    class Busy(Node):
        def tick(self):
            time.sleep(0.002)

    bus = Bus()
    nodes = [Busy(bus, name, period_s=0.01) for name in ("brain", "cerebellum", "limbs")]
    announced = []

    def until():
        if not announced:
            announced.append(print("ready", flush=True))
        return False

    run_nodes(nodes, until=until)
    print("threads", sorted(t.name for t in threading.enumerate()), flush=True)
    """
)


def test_ctrl_c_stops_every_node_and_leaves_no_thread() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SIGINT_PROGRAM],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    # Node.stop raises if any node takes over a second, which would fail the exit code.
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip() == "threads ['MainThread']"


SECOND_CTRL_C_PROGRAM = textwrap.dedent(
    """
    import multiprocessing, os, time
    from robot.bus import Bus
    from robot.node import Node, run_nodes

    def stuck():  # a child that takes its time to stop, as a hung one would
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        time.sleep(60)

    class Waits(Node):
        stop_timeout_s = 30.0

        def setup(self):
            self.child = multiprocessing.get_context("spawn").Process(target=stuck)
            self.child.start()

        def teardown(self):
            self.child.join(30)  # what a node that waits on its child does

    if __name__ == "__main__":
        node = Waits(Bus(), "waits", period_s=0.01)
        announced = []

        def until():
            if not announced:
                announced.append(print("ready", node.child.pid, flush=True))
            return False

        run_nodes([node], until=until)
        print("exit", node.child.exitcode, flush=True)
    """
)


def test_a_second_ctrl_c_stops_waiting_for_the_children(tmp_path) -> None:
    program = tmp_path / "second_ctrl_c.py"
    program.write_text(SECOND_CTRL_C_PROGRAM)
    proc = subprocess.Popen(
        [sys.executable, str(program)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    ready = proc.stdout.readline().split()
    assert ready[0] == "ready", ready
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)  # the first: the node waits for its child...
    assert proc.poll() is None
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)  # ...the second kills the child
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - started < 5.0, err
    assert out.split()[-2:] == ["exit", str(-signal.SIGKILL)], (out, err)
