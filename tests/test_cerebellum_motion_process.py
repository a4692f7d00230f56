"""The real-time loop in a child process: requests, E-stops and hands in; state,
events and failures out; the shared snapshot between them."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from multiprocessing.queues import Queue
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.msgs import EStop, JointCommand, JointState, LoopStats, SafetyEvent
from core.processes import spawn_context
from core.profile import load_profile
from robot.bus import Bus
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cerebellum.echo_limb import EchoLimb
from robot.cerebellum.motion import MotionRequest
from robot.cerebellum.motion_child import (
    SETTLE_MAX_S,
    ChildLog,
    MotionSpec,
    ReportReader,
    ReportWriter,
)
from robot.cerebellum.motion_process import (
    LOOP_STALL_NORMAL_S,
    STOP_TIMEOUT_S,
    MotionProcess,
    MotionProcessError,
)
from robot.cerebellum.node import Cerebellum
from robot.cerebellum.shared_state import SharedMotionState
from robot.limbs.base import Limb, LimbFault

PROFILE = load_profile("so101")
MODEL = ArmModel.from_profile(PROFILE, BasePose())
WAIT_S = 10.0
TARGET = (0.3, -0.2, 0.4, 0.1, -0.3, 0.5)


def wait_for(condition: Callable[[], bool], what: str, motion: MotionProcess) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        motion.pump(timeout_s=0.01)
        assert motion.failure is None, motion.failure
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")


def threads_after_imports() -> int:
    """Threads of an interpreter that imported what the loop's process imports."""
    code = (
        "import os, robot.cerebellum.motion_process, robot.cerebellum.echo_limb;"
        "print(len(os.listdir('/proc/self/task')))"
    )
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout)


def no_port() -> Limb:
    raise ConfigError("no servo bus on /dev/ttyNOPE: is the arm plugged in?")


class BreaksAfter(EchoLimb):
    """An echo limb whose bus fails after `writes` commands."""

    def __init__(self, writes: int) -> None:
        super().__init__(PROFILE)
        self.limit = writes

    def write(self, command: JointCommand) -> None:
        if self.writes >= self.limit:
            raise OSError("servo 3 stopped answering")
        super().write(command)


class Witness(EchoLimb):
    """An echo limb that leaves, when closed, what the servos were left doing: torque,
    the last two goals (equal: held still) and how many were sent, in a JSON file."""

    def __init__(self, path: str, fault: LimbFault | None = None, after: int = 300) -> None:
        super().__init__(PROFILE)
        self.path = path
        self.fault, self.after = fault, after
        self.goals: list[tuple[float, ...]] = [self.position, self.position]

    def read(self) -> JointState:
        if self.fault is not None and self.writes >= self.after:
            raise self.fault
        return super().read()

    def write(self, command: JointCommand) -> None:
        super().write(command)
        self.goals = [self.goals[-1], self.position]

    def close(self) -> None:
        left = {"torque": self.enabled, "goals": self.goals, "writes": self.writes}
        partial = Path(self.path + ".partial")
        partial.write_text(json.dumps(left))
        partial.replace(self.path)  # whole, or not yet: the test polls for it


def left_by(path: Path) -> dict:
    """What the `Witness` limb at `path` was left doing (waits for its close)."""
    deadline = time.monotonic() + WAIT_S
    while not path.exists():
        assert time.monotonic() < deadline, "the limb was never closed"
        time.sleep(0.02)
    return json.loads(path.read_text())


@pytest.fixture
def echo() -> Iterator[tuple[MotionProcess, list[SafetyEvent], list[LoopStats]]]:
    events: list[SafetyEvent] = []
    stats: list[LoopStats] = []
    motion = MotionProcess(
        MotionSpec(MODEL, partial(EchoLimb, PROFILE), realtime=None, keep_ticks=100_000),
        on_event=events.append,
        on_stats=stats.append,
    )
    motion.start()
    try:
        yield motion, events, stats
    finally:
        motion.stop()


def test_the_shared_snapshot_carries_a_whole_tick() -> None:
    shared = SharedMotionState(joints=3, context=spawn_context())
    assert shared.read() is None
    state = JointState(position=(0.1, 0.2, 0.3), velocity=(1.0, 2.0, 3.0), stamp_ns=42)
    assert shared.write(
        state, (0.4, 0.5, 0.6), applied=7, idle=True, holding=False, estop_engaged=True
    )
    snapshot = shared.read()
    assert snapshot is not None
    assert snapshot.state == state
    assert snapshot.commanded == (0.4, 0.5, 0.6)
    assert (snapshot.applied, snapshot.idle, snapshot.holding, snapshot.estop_engaged) == (
        7,
        True,
        False,
        True,
    )
    assert snapshot.version == 1


def test_a_request_is_followed_to_rest_and_idle_waits_for_it(echo) -> None:
    motion, _, stats = echo
    assert motion.rate_hz == 1000.0  # an echo limb cycles in microseconds
    motion.request(MotionRequest(target=TARGET, speed_scale=0.5))
    # Until the loop has taken up this request, the port must not claim to be idle.
    assert not motion.idle
    wait_for(lambda: motion.idle, "the target", motion)
    state = motion.latest_state
    assert state is not None
    assert state.position == pytest.approx(TARGET, abs=1e-6)
    assert motion.commanded == pytest.approx(TARGET, abs=1e-6)
    wait_for(lambda: bool(stats), "LoopStats", motion)
    assert stats[0].period_us == 1000.0 and stats[0].ticks > 0
    # The loop's thread is the child's only Python thread: nothing there can hold the
    # interpreter lock when it wakes (a multiprocessing.Queue would add one). Native
    # threads (numpy's BLAS pool) are counted in a fresh interpreter with the imports.
    assert motion.pid is not None
    assert len(os.listdir(f"/proc/{motion.pid}/task")) == threads_after_imports()


def test_reports_wait_in_the_child_while_the_parent_does_not_read(echo) -> None:
    motion, events, _ = echo
    toggles = 1000  # 1000 events, ~200 kB pickled: more than a pipe holds
    for i in range(toggles):
        motion.estop(EStop(engaged=i % 2 == 0, source="test", reason=f"toggle {i}"))
    before = motion.snapshot()
    assert before is not None
    deadline = time.monotonic() + WAIT_S
    while motion.snapshot().version < before.version + 500:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the loop stopped ticking with a full pipe"
        time.sleep(0.01)
    wait_for(lambda: len(events) >= toggles, "every event", motion)
    assert [e.detail for e in events if e.kind == "estop"] == [
        f"toggle {i}" for i in range(toggles)
    ]


def test_a_report_larger_than_the_room_in_the_pipe_arrives_whole() -> None:
    """A non-blocking write takes part of a large report; the rest follows on the next
    flush, and the parent reads every report whole, in order (a torn one made a Ctrl-C
    end in "UnpicklingError")."""
    reader_end, writer_end = spawn_context().Pipe(duplex=False)
    writer, reader = ReportWriter(writer_end), ReportReader(reader_end)
    small = [ChildLog("test", logging.INFO, f"small {i}") for i in range(2000)]
    large = ChildLog("test", logging.WARNING, "x" * 50_000)  # more than PIPE_BUF
    for report in small[:1000]:
        writer.put(report)
    assert writer.pending, "the pipe is full: the rest waits in the child"
    writer.put(large)
    for report in small[1000:]:
        writer.put(report)
    received: list[object] = []
    while writer.pending:
        received += reader.read()  # a report's tail may still be in the writer
        writer.flush()
    received += reader.read()
    assert received == [*small[:1000], large, *small[1000:]]
    assert not reader.partial
    writer_end.close()
    assert reader.read() == [] and reader.closed


def test_an_estop_stops_the_motion_and_stays_latched(echo) -> None:
    motion, events, _ = echo
    motion.request(MotionRequest(target=TARGET, speed_scale=0.2))
    wait_for(lambda: motion.commanded[0] > 0.01, "motion to begin", motion)
    motion.estop(EStop(engaged=True, source="test", reason="visitor pressed STOP"))
    wait_for(lambda: motion.estop_engaged, "the E-stop", motion)
    assert motion.holding
    wait_for(lambda: any(e.kind == "estop" for e in events), "the E-stop event", motion)
    assert next(e for e in events if e.kind == "estop").detail == "visitor pressed STOP"
    held = motion.commanded  # the E-stop holds from the tick that applied it
    time.sleep(0.2)
    assert motion.commanded == held
    assert motion.estop_engaged
    motion.estop(EStop(engaged=False, source="test"))
    wait_for(lambda: not motion.estop_engaged, "the reset", motion)


def test_a_hand_at_the_tool_stops_the_arm_and_its_leaving_releases_it(echo) -> None:
    motion, events, _ = echo
    state = motion.latest_state
    assert state is not None
    tool = MODEL.tool_pose(state.position)[:3, 3]
    motion.set_hand(tuple(float(v) for v in tool))
    wait_for(lambda: motion.holding, "the separation stop", motion)
    assert not motion.estop_engaged
    motion.set_hand(None)
    wait_for(lambda: not motion.holding, "the release", motion)
    kinds = {e.kind for e in events}
    assert {"separation_stop", "separation_clear"} <= kinds, kinds


def test_stop_returns_the_kept_tick_timing(echo) -> None:
    motion, _, _ = echo

    def ticked() -> bool:
        snapshot = motion.snapshot()
        return snapshot is not None and snapshot.version > 100  # one write per tick

    wait_for(ticked, "100 ticks", motion)
    motion.stop()
    finished = motion.finished
    assert finished is not None
    assert finished.ticks >= 100
    assert finished.history is not None
    assert finished.history.count == finished.ticks
    assert finished.history.late_us().size == finished.ticks


def test_a_limb_that_does_not_open_fails_start_with_its_error() -> None:
    motion = MotionProcess(MotionSpec(MODEL, no_port, realtime=None))
    with pytest.raises(MotionProcessError, match="/dev/ttyNOPE") as raised:
        motion.start()
    # Our errors carry their advice: one line for the person, the traceback in the log.
    assert "Traceback" not in str(raised.value)


def broken_limb() -> Limb:
    return {}["no such joint"]  # a bug, not a condition the limb reports


def test_a_bug_in_the_child_reads_as_one_line_its_traceback_in_the_debug_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    motion = MotionProcess(MotionSpec(MODEL, broken_limb, realtime=None))
    with caplog.at_level(logging.DEBUG), pytest.raises(MotionProcessError) as raised:
        motion.start()
    message = str(raised.value)
    assert "KeyError" in message and "a bug" in message and "\n" not in message
    assert "broken_limb" in caplog.text and "Traceback" in caplog.text


def test_a_failing_tick_is_reported_with_its_cause() -> None:
    motion = MotionProcess(MotionSpec(MODEL, partial(BreaksAfter, 300), realtime=None))
    motion.start()
    try:
        deadline = time.monotonic() + WAIT_S
        while motion.failure is None and time.monotonic() < deadline:
            motion.pump(timeout_s=0.05)
        assert motion.failure is not None
        assert "servo 3 stopped answering" in motion.failure
    finally:
        motion.stop()


def test_a_dead_loop_is_noticed_and_requests_say_so() -> None:
    motion = MotionProcess(MotionSpec(MODEL, partial(EchoLimb, PROFILE), realtime=None))
    motion.start()
    try:
        assert motion.pid is not None
        os.kill(motion.pid, signal.SIGKILL)
        deadline = time.monotonic() + WAIT_S
        while motion.failure is None and time.monotonic() < deadline:
            motion.pump(timeout_s=0.05)
        assert motion.failure is not None and "died" in motion.failure
        with pytest.raises(MotionProcessError, match="is gone"):
            motion.request(MotionRequest(target=TARGET))
    finally:
        motion.stop()


def test_the_node_fails_with_its_loop(no_thread_left: None) -> None:
    bus = Bus()
    node = Cerebellum(bus, MODEL, partial(BreaksAfter, 300), realtime=None)
    node.start()
    deadline = time.monotonic() + WAIT_S
    while node.failure is None and time.monotonic() < deadline:
        time.sleep(0.05)
    node.stop()
    assert isinstance(node.failure, MotionProcessError)
    assert "servo 3 stopped answering" in str(node.failure)


def _parent_of_a_loop(pids: Queue[int]) -> None:
    motion = MotionProcess(
        MotionSpec(MODEL, partial(EchoLimb, PROFILE), realtime=None, keep_ticks=100_000)
    )
    motion.start()
    assert motion.pid is not None
    pids.put(motion.pid)
    time.sleep(WAIT_S * 10)


def exited(pid: int) -> bool:
    """Gone, or a zombie nobody reaped (the container's init may not)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.startswith("State:\tZ") for line in status)
    except FileNotFoundError:
        return True


def test_the_loop_stops_when_its_parent_dies() -> None:
    ctx = spawn_context()
    pids: Queue[int] = ctx.Queue()
    parent = ctx.Process(target=_parent_of_a_loop, args=(pids,))
    parent.start()
    loop_pid = pids.get(timeout=WAIT_S * 3)
    time.sleep(0.3)  # a few hundred ticks into the kept history
    parent.kill()
    parent.join(WAIT_S)
    deadline = time.monotonic() + WAIT_S
    while not exited(loop_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not exited(loop_pid):
        os.kill(loop_pid, signal.SIGKILL)
        raise AssertionError(f"the loop's process {loop_pid} outlived its parent")


def wait_for_failure(motion: MotionProcess) -> None:
    """Pump `motion` until it has failed (or WAIT_S), then stop it."""
    try:
        deadline = time.monotonic() + WAIT_S
        while motion.failure is None and time.monotonic() < deadline:
            motion.pump(timeout_s=0.01)
    finally:
        motion.stop()


def moving_witness(tmp_path: Path, **kwargs: object) -> tuple[MotionProcess, Path, list]:
    """A loop over a `Witness` limb, started and moving toward TARGET."""
    path = tmp_path / "left.json"
    events: list[SafetyEvent] = []
    motion = MotionProcess(
        MotionSpec(MODEL, partial(Witness, str(path), **kwargs), realtime=None),
        on_event=events.append,
    )
    motion.start()
    motion.request(MotionRequest(target=TARGET, speed_scale=0.3))
    return motion, path, events


def test_a_stop_mid_motion_holds_with_torque_on(tmp_path: Path) -> None:
    motion, path, events = moving_witness(tmp_path)
    try:
        time.sleep(0.2)
        moving = motion.snapshot()
        assert moving is not None and moving.state.position != TARGET  # still on its way
    finally:
        motion.stop()
    left = left_by(path)
    assert left["torque"], "a stop must not turn torque off"
    assert left["goals"][0] == left["goals"][1], "the last goal sent was not a hold"
    assert left["goals"][1] != list(TARGET)
    assert [e.kind for e in events] == ["estop"]


def _parent_of_a_witness(path: str, pids: Queue[int]) -> None:
    motion = MotionProcess(MotionSpec(MODEL, partial(Witness, path), realtime=None))
    motion.start()
    motion.request(MotionRequest(target=TARGET, speed_scale=0.3))
    assert motion.pid is not None
    pids.put(motion.pid)
    time.sleep(WAIT_S * 10)


def test_a_killed_parent_leaves_the_arm_held_with_torque_on(tmp_path: Path) -> None:
    path = tmp_path / "left.json"
    ctx = spawn_context()
    pids: Queue[int] = ctx.Queue()
    parent = ctx.Process(target=_parent_of_a_witness, args=(str(path), pids))
    parent.start()
    loop_pid = pids.get(timeout=WAIT_S * 3)
    time.sleep(0.2)  # mid-motion
    parent.kill()
    parent.join(WAIT_S)
    left = left_by(path)
    assert left["torque"] and left["goals"][0] == left["goals"][1]
    assert left["goals"][1] != list(TARGET)
    deadline = time.monotonic() + WAIT_S
    while not exited(loop_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert exited(loop_pid)


def test_a_hung_loop_is_killed_and_said_within_its_stall_bound(tmp_path: Path) -> None:
    motion, _, _ = moving_witness(tmp_path)
    try:
        assert motion.pid is not None
        time.sleep(0.1)
        os.kill(motion.pid, signal.SIGSTOP)  # alive, but never ticks again
        stopped = time.monotonic()
        while motion.failure is None and time.monotonic() < stopped + WAIT_S:
            motion.pump(timeout_s=0.01)
        detected_s = time.monotonic() - stopped
        assert motion.failure is not None and "stopped ticking" in motion.failure
        assert detected_s < 1.0  # LOOP_STALL_S (50 ms) plus the pump's period; generous
        assert "\n" not in motion.failure
    finally:
        motion.stop()
    assert motion.finished is None  # killed: no orderly end


def test_a_limb_fault_stops_the_arm_with_a_safety_event_naming_it(tmp_path: Path) -> None:
    fault = LimbFault(
        "no reply for 31 ms (cable pulled?)", port="/dev/ttyUSB0", servo_id=3, joint="elbow_flex"
    )
    motion, path, events = moving_witness(tmp_path, fault=fault)
    wait_for_failure(motion)
    assert motion.failure is not None and "\n" not in motion.failure
    assert "servo 3 (joint elbow_flex) on /dev/ttyUSB0" in motion.failure
    faults = [e for e in events if e.kind == "fault"]
    assert len(faults) == 1 and faults[0].severity == "stop" and faults[0].joint == "elbow_flex"
    assert "cable pulled" in faults[0].detail and "hold their last goal" in faults[0].detail
    assert left_by(path)["torque"]  # holding is safe: the servos keep their goal


def test_an_overloaded_servo_makes_the_fault_turn_torque_off(tmp_path: Path) -> None:
    fault = LimbFault("reports overload", servo_id=6, joint="gripper", hold_unsafe=True)
    motion, path, events = moving_witness(tmp_path, fault=fault)
    wait_for_failure(motion)
    assert not left_by(path)["torque"]
    assert "torque goes off" in next(e for e in events if e.kind == "fault").detail


def test_a_reader_holding_the_lock_does_not_make_a_ticking_loop_look_hung(echo) -> None:
    motion, _, _ = echo
    with motion.shared._lock:  # a reader preempted while it copies the snapshot
        time.sleep(0.2)
        assert motion.since_last_tick_s() < 0.1


class Chatty(EchoLimb):
    """An echo limb that warns when it opens, as a serial limb does about a slow servo."""

    def __init__(self) -> None:
        super().__init__(PROFILE)
        logging.getLogger("robot.limbs.serial").warning("servo 3 waits 500 us before replies")


def test_the_loop_process_logs_through_the_parent(caplog: pytest.LogCaptureFixture) -> None:
    motion = MotionProcess(MotionSpec(MODEL, Chatty, realtime=None))
    with caplog.at_level(logging.INFO):
        motion.start()
        motion.stop()
    warned = [r for r in caplog.records if "waits 500 us" in r.getMessage()]
    assert warned and warned[0].name == "robot.limbs.serial"
    assert warned[0].levelno == logging.WARNING


def test_stopping_does_not_wait_out_a_hung_loop(tmp_path: Path) -> None:
    motion, _, _ = moving_witness(tmp_path)
    assert motion.pid is not None and motion.stall_s == LOOP_STALL_NORMAL_S
    os.kill(motion.pid, signal.SIGSTOP)
    started = time.monotonic()
    motion.stop()  # Ctrl-C now: the hung loop is killed once it has missed its stall bound
    took_s = time.monotonic() - started
    assert took_s < SETTLE_MAX_S + STOP_TIMEOUT_S, f"waited {took_s:.2f} s"
    assert motion.finished is None


def test_a_request_after_the_stop_says_the_loop_is_gone(echo) -> None:
    # Ctrl-C stops the loop while a skill's thread may still be sending it a target.
    motion, _, _ = echo
    pid = motion.pid
    motion.stop()
    with pytest.raises(MotionProcessError, match=f"pid {pid}.* is gone"):
        motion.request(MotionRequest(target=(0.0,) * 6))
