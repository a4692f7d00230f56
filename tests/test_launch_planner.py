"""Where each stack's brain decodes: out of the real-time loop's process, or beside it in sim."""

from __future__ import annotations

import os
from pathlib import Path

from robot.brain.node import BrainNode
from robot.brain.planner_process import PlannerProcess
from robot.bus import Bus
from robot.launch.config import PROJECT_ROOT, load_launch
from robot.launch.stack import Stack, build_stack


def brain_of(stack: Stack) -> BrainNode:
    (brain,) = [node for node in stack.nodes if isinstance(node, BrainNode)]
    return brain


def reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0) and not Path(f"/proc/{pid}").exists()
    except ChildProcessError:
        return True


def test_the_hil_stack_plans_in_a_child_process_that_close_reaps() -> None:
    stack = build_stack(load_launch(PROJECT_ROOT / "launch" / "tea_hil.toml"), Bus())
    try:
        planner = brain_of(stack).planner
        assert isinstance(planner, PlannerProcess)
        assert planner.alive and planner.pid != os.getpid()
        pid = planner.pid
    finally:
        stack.close()
    assert not planner.alive
    assert reaped(pid)


def test_the_sim_stack_keeps_the_planner_in_process() -> None:
    stack = build_stack(load_launch(PROJECT_ROOT / "launch" / "tea_sim.toml"), Bus())
    try:
        assert brain_of(stack).planner is None  # loaded by the node itself at start
    finally:
        stack.close()
