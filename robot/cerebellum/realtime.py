"""Real-time scheduling for the calling thread: SCHED_FIFO, one CPU, locked memory,
CPUs kept out of deep idle states.

`realtime_section(request)` asks the kernel for what `RealtimeRequest` names, yields
a `Scheduling` saying what was actually obtained, and puts the thread back as it
was on exit. It never raises for a missing permission: each refused part is noted
in `Scheduling.problems` and logged once as one warning, and the loop runs on under
the normal time-sharing policy.

Scope, on Linux:

- `os.sched_setscheduler(0, ...)` and `os.sched_setaffinity(0, ...)` act on the
  calling *thread* (pid 0 means the caller's thread id), so in thread mode only the
  loop's thread becomes real-time, not the brain beside it.
- `mlockall` acts on the whole *process*: in thread mode it locks the brain's
  memory too (every page resident, new ones faulted in at allocation).
- The policy carries SCHED_RESET_ON_FORK: threads and processes the loop's thread
  might create start as normal time-sharing ones, not real-time.
- The wake-up latency request (PM QoS through `/dev/cpu_dma_latency`, as cyclictest
  makes it) acts on *every* CPU and holds while the file stays open: an idle CPU
  polls instead of entering an idle state it would take longer than the limit to
  leave. The loop sleeps ~0.8 ms of every millisecond; a CPU that halted in that
  sleep (a virtual CPU exits to the hypervisor, a physical one enters a C-state
  that takes 50-200 us to leave) wakes late and with cold caches. Measured on the
  development VM, medians of three alternating pairs of the benchmark's default
  runs: overruns under load 5.8 -> 0.0 per 10k, jitter p99.9 306 -> 36 us
  (docs/realtime.md). The price is power: idle CPUs spin while the loop runs. The
  request ends when the section ends or the process dies.

Permission: root, CAP_SYS_NICE, or an rtprio limit (`@robot - rtprio 95` in
/etc/security/limits.conf) for SCHED_FIFO; root, CAP_IPC_LOCK or an unlimited
memlock limit (`@robot - memlock unlimited`) for mlockall, which is skipped under a
finite limit: with MCL_FUTURE, allocations past it would fail; root or write access
to `/dev/cpu_dma_latency` (a udev rule: `KERNEL=="cpu_dma_latency", GROUP="robot",
MODE="0660"`) for the wake-up latency.

A spinning SCHED_FIFO thread can starve its own core only; the kernel's RT
throttling (sched_rt_runtime_us, 950 ms of every second by default) is the
backstop, and the loop sleeps most of each period.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_PRIORITY = 50
"""SCHED_FIFO priority of the loop: ros2_control's default for its real-time thread,
level with PREEMPT_RT's interrupt threads (50), so a limb's USB interrupt is not
starved by the loop that waits for it."""
MIN_PRIORITY = 1
MAX_PRIORITY = 99
"""Linux's range for SCHED_FIFO (`sched_get_priority_min/max`)."""
MCL_CURRENT = 1
MCL_FUTURE = 2
"""mlockall flags on x86 and ARM Linux (<sys/mman.h>)."""
CAP_IPC_LOCK = 14
"""The capability bit that lifts RLIMIT_MEMLOCK (<linux/capability.h>)."""
RT_RUNTIME = Path("/proc/sys/kernel/sched_rt_runtime_us")
RT_PERIOD = Path("/proc/sys/kernel/sched_rt_period_us")
"""Linux's real-time throttling: real-time work gets runtime of every period (us);
-1 turns throttling off (Documentation/scheduler/sched-rt-group)."""
CPU_DMA_LATENCY = "/dev/cpu_dma_latency"
"""Linux's PM QoS file for the CPUs' wake-up latency: a request (a native int32, us)
written to it holds while the file stays open (Documentation/power/pm_qos_interface)."""

POLICY_NAMES = {
    getattr(os, name): name
    for name in ("SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_IDLE")
    if hasattr(os, name)
}
HOW_TO_GRANT = (
    "grant it with root, CAP_SYS_NICE/CAP_IPC_LOCK, or rtprio and memlock limits "
    f"(/etc/security/limits.conf) and write access to {CPU_DMA_LATENCY} (a udev rule)"
)


@dataclass(frozen=True)
class RealtimeRequest:
    """What the loop's thread asks for.

    priority: SCHED_FIFO priority, 1..99 (higher runs first).
    cpu: pin the thread to this CPU index (None: leave its affinity alone).
    lock_memory: mlockall(MCL_CURRENT | MCL_FUTURE) for the process, so a tick
    never waits for a page fault.
    wake_latency_us: hold every CPU's wake-up latency at or under this (us) while
    the loop runs; 0: idle CPUs poll. None leaves the idle states alone.
    """

    priority: int = DEFAULT_PRIORITY
    cpu: int | None = None
    lock_memory: bool = True
    wake_latency_us: int | None = 0

    def __post_init__(self) -> None:
        if not MIN_PRIORITY <= self.priority <= MAX_PRIORITY:
            raise ValueError(
                f"real-time priority must be in {MIN_PRIORITY}..{MAX_PRIORITY}, got {self.priority}"
            )
        if self.cpu is not None and self.cpu < 0:
            raise ValueError(f"cpu must be a CPU index >= 0 or None, got {self.cpu}")
        if self.wake_latency_us is not None and self.wake_latency_us < 0:
            raise ValueError(f"wake_latency_us must be >= 0 or None, got {self.wake_latency_us}")


@dataclass(frozen=True)
class Scheduling:
    """What the calling thread actually runs with.

    policy: "SCHED_FIFO", "SCHED_OTHER", ... ("unknown" where the OS cannot tell).
    priority: the static real-time priority (0 for time-sharing policies).
    cpus: the CPUs the thread may run on (empty where the OS cannot tell).
    memory_locked: this section locked the process's memory (mlockall succeeded).
    wake_latency_us: the CPUs' wake-up latency this section holds (us; None: not held).
    problems: what was asked for and not obtained, and why.
    """

    policy: str
    priority: int
    cpus: tuple[int, ...]
    memory_locked: bool = False
    wake_latency_us: int | None = None
    problems: tuple[str, ...] = ()
    wake_latency_fd: int | None = field(default=None, repr=False, compare=False)
    """The open `CPU_DMA_LATENCY` that holds the request; closing it ends it."""

    @property
    def realtime(self) -> bool:
        return self.policy in ("SCHED_FIFO", "SCHED_RR")

    def describe(self) -> str:
        """One line for logs and benchmark tables, e.g. `SCHED_FIFO/50 cpus=1 mlock`."""
        text = f"{self.policy}/{self.priority}" if self.realtime else self.policy
        if self.cpus:
            text += " cpus=" + ",".join(str(c) for c in self.cpus)
        if self.memory_locked:
            text += " mlock"
        if self.wake_latency_us is not None:
            text += f" wake<={self.wake_latency_us}us"
        return text


def supported() -> bool:
    """Whether this platform has per-thread scheduling policies (Linux does)."""
    return hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_FIFO")


def throttle_gap_s(runtime: Path = RT_RUNTIME, period: Path = RT_PERIOD) -> float:
    """How long (s) the kernel may hold a real-time thread back in each throttling period:
    the period less the runtime (50 ms of every second by default), 0 with throttling
    off or where the OS does not say. A real-time loop that waits this long has been
    throttled, not hung (docs/realtime.md)."""
    try:
        runtime_us, period_us = int(runtime.read_text()), int(period.read_text())
    except (OSError, ValueError):
        return 0.0
    return 0.0 if runtime_us < 0 else max(0, period_us - runtime_us) / 1e6


def current_scheduling() -> Scheduling:
    """The calling thread's policy, priority and CPUs (memory_locked is not probed)."""
    if not supported():
        return Scheduling("unknown", 0, ())
    policy = os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
    return Scheduling(
        policy=POLICY_NAMES.get(policy, str(policy)),
        priority=os.sched_getparam(0).sched_priority,
        cpus=tuple(sorted(os.sched_getaffinity(0))),
    )


class _Libc:
    """mlockall / munlockall through ctypes (the os module has neither)."""

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def mlockall(self, flags: int) -> int:
        """0 on success, else the errno."""
        return 0 if self._lib.mlockall(flags) == 0 else ctypes.get_errno()

    def munlockall(self) -> int:
        return 0 if self._lib.munlockall() == 0 else ctypes.get_errno()


def _memlock_unbounded() -> bool:
    """Whether locked memory may grow without limit: CAP_IPC_LOCK or an unlimited
    RLIMIT_MEMLOCK."""
    import resource

    if resource.getrlimit(resource.RLIMIT_MEMLOCK)[0] == resource.RLIM_INFINITY:
        return True
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> CAP_IPC_LOCK & 1)
    except OSError:
        pass
    return False


def _lock_memory() -> str | None:
    """mlockall the process; None on success, else why not.

    Only where locked memory is unbounded: with MCL_FUTURE under a finite memlock
    limit, any later allocation past the limit would fail (a MemoryError in the
    brain beside a thread-mode loop), which is worse than a page fault.
    """
    if not sys.platform.startswith("linux"):
        return f"mlockall: not attempted on {sys.platform}"
    if not _memlock_unbounded():
        return "mlockall: skipped, RLIMIT_MEMLOCK is finite and CAP_IPC_LOCK not held"
    err = _Libc().mlockall(MCL_CURRENT | MCL_FUTURE)
    return None if err == 0 else f"mlockall: {os.strerror(err)}"


def _unlock_memory() -> None:
    err = _Libc().munlockall()
    if err:
        log.warning("munlockall failed: %s", os.strerror(err))


def _set_fifo(priority: int) -> str | None:
    """Put the calling thread on SCHED_FIFO; None on success, else why not."""
    policy = os.SCHED_FIFO | getattr(os, "SCHED_RESET_ON_FORK", 0)
    try:
        os.sched_setscheduler(0, policy, os.sched_param(priority))
    except OSError as err:
        return f"SCHED_FIFO priority {priority}: {err.strerror or err}"
    return None


def _hold_wake_latency(latency_us: int) -> tuple[int | None, str | None]:
    """Ask that no CPU take longer than `latency_us` to wake: (the file that holds the
    request, None) on success, else (None, why not)."""
    what = f"wake-up latency {latency_us} us: {CPU_DMA_LATENCY}"
    try:
        fd = os.open(CPU_DMA_LATENCY, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as err:
        return None, f"{what}: {err.strerror or err}"
    try:
        os.write(fd, struct.pack("=i", latency_us))
    except OSError as err:
        os.close(fd)
        return None, f"{what}: {err.strerror or err}"
    return fd, None


def _pin(cpu: int) -> str | None:
    """Pin the calling thread to `cpu`; None on success, else why not."""
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as err:
        return f"pin to cpu {cpu}: {err.strerror or err}"
    return None


def enter_realtime(request: RealtimeRequest) -> Scheduling:
    """Apply `request` to the calling thread as far as permitted; returns what it got.

    Never raises for a refusal: the problems are in the result and logged as one
    warning. Does not undo anything: `realtime_section` does.
    """
    if not supported():
        problems = (f"real-time scheduling is not available on {sys.platform}",)
        log.warning("cerebellum loop: %s; running with the normal scheduler", problems[0])
        return Scheduling("unknown", 0, (), problems=problems)
    found = [_set_fifo(request.priority)]
    if request.cpu is not None:
        found.append(_pin(request.cpu))
    locked = False
    if request.lock_memory:
        refused = _lock_memory()
        locked = refused is None
        found.append(refused)
    latency_fd = None
    if request.wake_latency_us is not None:
        latency_fd, refused = _hold_wake_latency(request.wake_latency_us)
        found.append(refused)
    problems = tuple(p for p in found if p is not None)
    obtained = current_scheduling()
    result = Scheduling(
        obtained.policy,
        obtained.priority,
        obtained.cpus,
        memory_locked=locked,
        wake_latency_us=request.wake_latency_us if latency_fd is not None else None,
        problems=problems,
        wake_latency_fd=latency_fd,
    )
    if problems:
        log.warning(
            "cerebellum loop: real-time request only partly granted (%s); running %s; %s",
            "; ".join(problems),
            result.describe(),
            HOW_TO_GRANT,
        )
    else:
        log.info("cerebellum loop: running %s", result.describe())
    return result


def _restore(before: Scheduling, got: Scheduling) -> None:
    """Put the calling thread back to `before` (best effort, logged on failure)."""
    try:
        if got.policy != before.policy or got.priority != before.priority:
            policy = getattr(os, before.policy, os.SCHED_OTHER)
            os.sched_setscheduler(0, policy, os.sched_param(before.priority))
        if before.cpus and got.cpus != before.cpus:
            os.sched_setaffinity(0, set(before.cpus))
    except OSError as err:
        log.warning("could not restore the loop thread's scheduling (%s): %s", before, err)
    if got.memory_locked:
        _unlock_memory()
    if got.wake_latency_fd is not None:
        os.close(got.wake_latency_fd)


@contextmanager
def realtime_section(request: RealtimeRequest | None) -> Iterator[Scheduling]:
    """Run the body with the calling thread made real-time as far as permitted.

    request None: leave the thread as it is (the yielded value says what it is).
    On exit the thread's previous policy and CPUs are restored, memory unlocked if
    this section locked it and the wake-up latency request dropped, so a thread (or
    a test) reusing it is not left real-time.
    """
    before = current_scheduling()
    if request is None:
        yield before
        return
    got = enter_realtime(request)
    try:
        yield got
    finally:
        if supported():
            _restore(before, got)
