"""Child processes of the stack: how they are started and how they are ended."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)


def spawn_context() -> SpawnContext:
    """The start method for every child of the stack: a fresh interpreter. Forking a
    process that already runs threads copies locks that may be held at that moment."""
    return multiprocessing.get_context("spawn")


def ignore_interrupts() -> None:
    """Call first in a child's main. Ctrl-C in a terminal reaches every process of
    the foreground group; the parent stops its children in order (a loop holding an
    arm must not die mid-motion from a key press), so the children ignore it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def reap(process: BaseProcess, timeout_s: float) -> None:
    """Wait up to `timeout_s` for `process` to exit, then terminate it, then kill it:
    no child and no zombie is left behind."""
    process.join(timeout_s)
    if process.exitcode is None:
        log.warning("%s (pid %s) did not exit on request: terminating", process.name, process.pid)
        process.terminate()
        process.join(timeout_s)
    if process.exitcode is None:
        process.kill()
        process.join()
    process.close()


PR_SET_PDEATHSIG = 1
"""prctl(2)'s option: the signal this process gets when its parent dies."""


def end_with_parent(parent_pid: int, sig: int = signal.SIGINT) -> None:
    """Ask Linux to send `sig` to this process when its parent (`parent_pid`) dies: a
    child in a session of its own (`robot up`'s layers) otherwise outlives a parent
    that was killed. For `subprocess.Popen(preexec_fn=partial(end_with_parent, pid))`;
    elsewhere than Linux, nothing."""
    if not sys.platform.startswith("linux"):
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig))
    if os.getppid() != parent_pid:  # the parent died before the request was made
        os.kill(os.getpid(), sig)
