"""Real-time scheduling for the loop's thread: granted where permitted, a clean fallback
with one warning where not, and the thread put back as it was afterwards.

The refusals are simulated by monkeypatching the OS calls, so these tests run the
same on any machine; the tests that need the permission for real skip without it.
"""

from __future__ import annotations

import errno
import logging
import os
import struct
import threading
from pathlib import Path

import pytest

from core.errors import ConfigError
from robot.cerebellum import realtime
from robot.cerebellum.realtime import (
    RealtimeRequest,
    Scheduling,
    current_scheduling,
    enter_realtime,
    realtime_section,
)
from robot.launch.config import load_launch
from robot.launch.stack import loop_realtime

NO_LOCK = RealtimeRequest(lock_memory=False)
"""Tests that really get SCHED_FIFO leave the test process's memory unlocked."""


def refuse_fifo(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(pid: int, policy: int, param: os.sched_param) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "sched_setscheduler", refused)


def refuse_mlock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(realtime._Libc, "mlockall", lambda self, flags: errno.EPERM)


def test_memory_is_not_locked_under_a_finite_memlock_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not realtime.supported():
        pytest.skip("no per-thread scheduling on this platform")
    refuse_fifo(monkeypatch)
    monkeypatch.setattr(realtime, "_memlock_unbounded", lambda: False)
    calls: list[int] = []
    monkeypatch.setattr(realtime._Libc, "mlockall", lambda self, flags: calls.append(flags) or 0)
    got = enter_realtime(RealtimeRequest(wake_latency_us=None))
    assert not got.memory_locked and not calls
    assert any("RLIMIT_MEMLOCK" in p for p in got.problems)


def fifo_permitted() -> bool:
    """Whether this process may really use SCHED_FIFO (tried on a scratch thread)."""
    if not realtime.supported():
        return False
    granted: list[bool] = []

    def attempt() -> None:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
            granted.append(True)
        except OSError:
            granted.append(False)

    worker = threading.Thread(target=attempt)
    worker.start()
    worker.join()
    return granted[0]


needs_fifo = pytest.mark.skipif(not fifo_permitted(), reason="SCHED_FIFO not permitted here")


def test_refused_permission_falls_back_with_one_warning_naming_each_refusal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    if not realtime.supported():
        pytest.skip("no per-thread scheduling on this platform")
    refuse_fifo(monkeypatch)
    refuse_mlock(monkeypatch)
    monkeypatch.setattr(realtime, "CPU_DMA_LATENCY", str(tmp_path / "no" / "cpu_dma_latency"))
    before = current_scheduling()
    with caplog.at_level(logging.WARNING, logger=realtime.__name__):
        got = enter_realtime(RealtimeRequest(priority=70))
    assert not got.realtime
    assert (got.policy, got.priority) == (before.policy, before.priority)
    assert not got.memory_locked and got.wake_latency_us is None
    assert len(got.problems) == 3
    assert "SCHED_FIFO priority 70" in got.problems[0] and "not permitted" in got.problems[0]
    assert got.problems[1].startswith("mlockall")
    assert (
        got.problems[2].startswith("wake-up latency 0 us")
        and "cpu_dma_latency" in (got.problems[2])
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "SCHED_FIFO" in message and "limits.conf" in message and "udev" in message


def test_an_unsupported_platform_reports_unknown_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(realtime, "supported", lambda: False)
    with (
        caplog.at_level(logging.WARNING, logger=realtime.__name__),
        realtime_section(RealtimeRequest()) as got,
    ):
        assert got.policy == "unknown" and not got.realtime and got.problems
    assert len(caplog.records) == 1


def test_a_cpu_that_does_not_exist_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not realtime.supported():
        pytest.skip("no per-thread scheduling on this platform")
    refuse_fifo(monkeypatch)
    before = current_scheduling()
    missing_cpu = 4096
    with realtime_section(RealtimeRequest(cpu=missing_cpu, lock_memory=False)) as got:
        assert any(f"cpu {missing_cpu}" in p for p in got.problems)
        assert got.cpus == before.cpus
    assert current_scheduling() == before


@pytest.mark.parametrize(
    "bad", [{"priority": 0}, {"priority": 100}, {"cpu": -1}, {"wake_latency_us": -1}]
)
def test_requests_out_of_range_are_rejected_at_construction(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        RealtimeRequest(**bad)


def test_describe_says_policy_priority_cpus_lock_and_wake_latency() -> None:
    assert Scheduling("SCHED_FIFO", 50, (1,), True).describe() == "SCHED_FIFO/50 cpus=1 mlock"
    held = Scheduling("SCHED_FIFO", 50, (0, 1), False, wake_latency_us=0)
    assert held.describe() == "SCHED_FIFO/50 cpus=0,1 wake<=0us"
    assert Scheduling("SCHED_OTHER", 0, (0, 1)).describe() == "SCHED_OTHER cpus=0,1"
    assert Scheduling("SCHED_FIFO", 50, ()).realtime
    assert not Scheduling("SCHED_OTHER", 0, ()).realtime


def test_no_request_leaves_the_thread_as_it_is() -> None:
    before = current_scheduling()
    with realtime_section(None) as got:
        assert got == before
        assert current_scheduling() == before


@needs_fifo
def test_granted_fifo_applies_to_the_calling_thread_only_and_is_undone() -> None:
    main_before = current_scheduling()
    seen: dict[str, Scheduling] = {}
    inside = threading.Event()
    release = threading.Event()

    def loop_thread() -> None:
        before = current_scheduling()
        with realtime_section(RealtimeRequest(priority=10, lock_memory=False)) as got:
            seen["got"] = got
            seen["inside"] = current_scheduling()
            inside.set()
            release.wait(5.0)
        seen["after"] = current_scheduling()
        seen["before"] = before

    worker = threading.Thread(target=loop_thread)
    worker.start()
    assert inside.wait(5.0)
    seen["main_meanwhile"] = current_scheduling()
    release.set()
    worker.join()
    assert seen["got"].realtime and seen["got"].priority == 10 and not seen["got"].problems
    assert (seen["inside"].policy, seen["inside"].priority) == ("SCHED_FIFO", 10)
    assert seen["main_meanwhile"] == main_before  # pid 0 is the thread, not the process
    assert seen["after"] == seen["before"]


@needs_fifo
def test_pinning_restricts_the_thread_to_one_cpu_until_the_section_ends() -> None:
    before = current_scheduling()
    cpu = max(before.cpus)
    with realtime_section(RealtimeRequest(cpu=cpu, lock_memory=False)) as got:
        assert got.cpus == (cpu,)
        assert os.sched_getaffinity(0) == {cpu}
    assert current_scheduling() == before


def wake_latency_now() -> int:
    """The CPUs' wake-up latency the kernel keeps now (us; 2e9 when nobody asked)."""
    with open(realtime.CPU_DMA_LATENCY, "rb") as qos:
        return struct.unpack("=i", qos.read(4))[0]


def wake_latency_writable() -> bool:
    return os.access(realtime.CPU_DMA_LATENCY, os.R_OK | os.W_OK)


@pytest.mark.skipif(not wake_latency_writable(), reason="cpu_dma_latency not writable here")
def test_the_wake_latency_holds_while_the_section_runs_and_is_dropped_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refuse_fifo(monkeypatch)  # what is tested here needs no real-time thread
    before = wake_latency_now()
    assert before > 0  # nothing else on this machine holds the CPUs awake
    with realtime_section(RealtimeRequest(lock_memory=False, wake_latency_us=0)) as got:
        assert got.wake_latency_us == 0 and not any("wake" in p for p in got.problems)
        assert wake_latency_now() == 0
    assert wake_latency_now() == before
    with realtime_section(RealtimeRequest(lock_memory=False, wake_latency_us=None)) as got:
        assert got.wake_latency_us is None and wake_latency_now() == before


def write_launch(tmp_path: Path, cerebellum: str) -> Path:
    path = tmp_path / "launch.toml"
    path.write_text(f"[cerebellum]\n{cerebellum}\n")
    return path


def test_the_launch_file_turns_realtime_off_or_pins_it(tmp_path: Path) -> None:
    assert loop_realtime(load_launch(write_launch(tmp_path, "realtime = false"))) is None
    pinned = loop_realtime(load_launch(write_launch(tmp_path, "priority = 60\ncpu = 1")))
    assert pinned == RealtimeRequest(priority=60, cpu=1)
    assert loop_realtime(load_launch(write_launch(tmp_path, ""))) == RealtimeRequest()
    idle = loop_realtime(load_launch(write_launch(tmp_path, "wake_latency_us = -1")))
    assert idle == RealtimeRequest(wake_latency_us=None)
    relaxed = loop_realtime(load_launch(write_launch(tmp_path, "wake_latency_us = 20")))
    assert relaxed == RealtimeRequest(wake_latency_us=20)


def test_a_priority_out_of_range_in_the_launch_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cerebellum\.priority"):
        load_launch(write_launch(tmp_path, "priority = 100"))


def test_a_wake_latency_below_minus_one_in_the_launch_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cerebellum\.wake_latency_us"):
        load_launch(write_launch(tmp_path, "wake_latency_us = -2"))


@pytest.mark.parametrize(
    ("runtime", "period", "gap_s"),
    [("950000", "1000000", 0.05), ("-1", "1000000", 0.0), ("", "1000000", 0.0)],
)
def test_the_throttle_gap_is_what_real_time_work_may_lose_each_period(
    tmp_path: Path, runtime: str, period: str, gap_s: float
) -> None:
    (tmp_path / "runtime").write_text(runtime)
    (tmp_path / "period").write_text(period)
    assert realtime.throttle_gap_s(tmp_path / "runtime", tmp_path / "period") == pytest.approx(
        gap_s
    )
    assert realtime.throttle_gap_s(tmp_path / "none", tmp_path / "period") == 0.0


def test_a_throttled_real_time_loop_is_not_taken_for_a_hung_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from robot.cerebellum import motion_process

    monkeypatch.setattr(motion_process, "throttle_gap_s", lambda: 0.05)
    assert motion_process.stall_limit_s(True) == pytest.approx(motion_process.LOOP_STALL_S + 0.05)
    monkeypatch.setattr(motion_process, "throttle_gap_s", lambda: 0.0)
    assert motion_process.stall_limit_s(True) == motion_process.LOOP_STALL_S
    assert motion_process.stall_limit_s(False) == motion_process.LOOP_STALL_NORMAL_S
    # A limb whose replies may all time out in one tick (the twin's bus: 2 x 51 ms).
    slow = motion_process.stall_limit_s(True, worst_cycle_s=0.103)
    assert slow == pytest.approx(motion_process.LOOP_STALL_S + 0.103)
