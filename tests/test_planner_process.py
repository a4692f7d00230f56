"""PlannerProcess: the planner in a spawned child, answering as the in-process Planner does."""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from core.msgs import Plan
from core.scenes import scene_spec
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner
from robot.brain.planner_process import (
    BEAT_PERIOD_S,
    BEAT_TIMEOUT_S,
    PlannerProcess,
    PlannerProcessError,
)
from robot.brain.world import WorldModel

REQUESTS = (
    ("tea", "Please set the navy mug down on the tray."),
    ("care", "Hand the hand towel to the patient."),
    ("tea", "Throw the teapot at the guest."),
)


def unstamped(plan: Plan) -> Plan:
    """`plan` without its creation time (two planners stamp the same plan differently)."""
    return msgspec.structs.replace(plan, stamp_ns=0)


def reaped(pid: int) -> bool:
    """True when `pid` is no longer our child (exited and waited for: no zombie)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0) and not Path(f"/proc/{pid}").exists()
    except ChildProcessError:
        return True


@pytest.fixture(scope="module")
def remote() -> Iterator[PlannerProcess]:
    planner = PlannerProcess(DEFAULT_MODEL_DIR)
    yield planner
    planner.close()


@pytest.fixture(scope="module")
def local() -> Planner:
    return Planner(DEFAULT_MODEL_DIR)


def test_arguments_and_results_cross_the_pipe_unchanged(local: Planner) -> None:
    spec = scene_spec("tea")
    world = WorldModel.initial(spec).with_holding("cup_red")
    result = local.plan(spec, "Put the red cup on the tray.", world)
    for value in (spec, world, result.plan, result.decoded):
        assert pickle.loads(pickle.dumps(value)) == value


@pytest.mark.parametrize(("scene", "text"), REQUESTS)
def test_the_child_plans_as_the_planner_does(
    remote: PlannerProcess, local: Planner, scene: str, text: str
) -> None:
    spec = scene_spec(scene)
    expected = local.plan(spec, text)
    got = remote.plan(spec, text)
    assert unstamped(got.plan) == unstamped(expected.plan)
    assert got.code == expected.code
    assert got.source == expected.source


def test_world_attempt_and_language_reach_the_child(remote: PlannerProcess, local: Planner) -> None:
    spec = scene_spec("tea")
    world = WorldModel.initial(spec).with_holding("cup_blue")
    args = (spec, "Put the cup on the tray.", world, 2, "de")
    got = remote.plan(*args)
    assert unstamped(got.plan) == unstamped(local.plan(*args).plan)
    assert got.plan.attempt == 2 and got.plan.language == "de"
    assert remote.load_ms > 0.0


def test_an_error_in_the_child_names_what_failed_and_the_child_goes_on(
    remote: PlannerProcess,
) -> None:
    with pytest.raises(PlannerProcessError, match=r"no_such_scene.*AttributeError") as info:
        remote.plan("no_such_scene", "Bring the tea.")  # type: ignore[arg-type]
    assert info.value.remote_type == "AttributeError"
    assert remote.alive
    assert not remote.plan(scene_spec("tea"), "Bring the guest a cup of tea.").plan.refused


def test_a_model_that_does_not_load_is_a_clear_error_and_leaves_no_child(tmp_path: Path) -> None:
    children_before = {p.pid for p in multiprocessing.active_children()}
    with pytest.raises(PlannerProcessError, match=r"could not load .*config\.json") as info:
        PlannerProcess(tmp_path)
    assert info.value.remote_type == "ModelError"
    children_after = {p.pid for p in multiprocessing.active_children()}
    assert children_after <= children_before


def test_a_dead_child_is_replaced_at_the_next_plan_and_close_reaps_both(
    caplog: pytest.LogCaptureFixture,
) -> None:
    planner = PlannerProcess(DEFAULT_MODEL_DIR)
    pid = planner.pid
    os.kill(pid, signal.SIGKILL)
    with caplog.at_level(logging.WARNING):
        result = planner.plan(scene_spec("tea"), "Bring the guest a cup of tea.")
    assert not result.plan.refused and planner.restarts == 1 and planner.pid != pid
    assert f"pid {pid}" in caplog.text and "died" in caplog.text
    assert reaped(pid)
    second = planner.pid
    planner.close()
    planner.close()  # twice is fine
    assert reaped(second)


def test_a_hung_child_refuses_the_plan_within_its_budget_and_is_replaced() -> None:
    with PlannerProcess(DEFAULT_MODEL_DIR, plan_budget_s=0.5) as planner:
        pid = planner.pid
        os.kill(pid, signal.SIGSTOP)  # alive, but never answers
        started = time.monotonic()
        result = planner.plan(scene_spec("tea"), "Bring the guest a cup of tea.", language="de")
        took_s = time.monotonic() - started
        assert result.plan.refused and "rechtzeitig" in result.plan.reason
        assert took_s < 3.0  # the budget, and the kill; generous on a shared machine
        assert reaped(pid)
        again = planner.plan(scene_spec("tea"), "Bring the guest a cup of tea.")
        assert not again.plan.refused and planner.restarts == 1


def test_a_child_that_hangs_between_plans_is_found_by_its_beat() -> None:
    with PlannerProcess(DEFAULT_MODEL_DIR) as planner:
        assert planner.check() is None  # beating
        pid = planner.pid
        os.kill(pid, signal.SIGSTOP)
        time.sleep(BEAT_TIMEOUT_S + 0.3)
        assert "stopped beating" in (planner.check() or "")
        assert reaped(pid) and planner.alive and planner.restarts == 1
        assert not planner.plan(scene_spec("tea"), "Put the red cup on the tray.").plan.refused


def _parent_of_a_planner(pids: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    planner = PlannerProcess(DEFAULT_MODEL_DIR)
    pids.put(planner.pid)
    time.sleep(60)


def test_the_child_exits_when_its_parent_is_killed() -> None:
    ctx = multiprocessing.get_context("spawn")
    pids: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    parent = ctx.Process(target=_parent_of_a_planner, args=(pids,))
    parent.start()
    child = pids.get(timeout=120)
    parent.kill()
    parent.join(10)
    deadline = time.monotonic() + 10 * BEAT_PERIOD_S + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        status = (
            Path(f"/proc/{child}/status").read_text() if Path(f"/proc/{child}").exists() else ""
        )
        if "State:\tZ" in status:
            break  # exited; a zombie of the container's init
        time.sleep(0.05)
    else:
        if Path(f"/proc/{child}").exists():
            os.kill(child, signal.SIGKILL)
            raise AssertionError(f"the planner process {child} outlived its parent")


def test_close_ends_the_child_without_a_zombie_and_later_plans_fail() -> None:
    with PlannerProcess(DEFAULT_MODEL_DIR) as planner:
        pid = planner.pid
        assert planner.alive
    assert reaped(pid)
    with pytest.raises(PlannerProcessError, match="closed"):
        planner.plan(scene_spec("tea"), "Bring the guest a cup of tea.")


def test_closing_a_hung_child_takes_well_under_a_second() -> None:
    planner = PlannerProcess(DEFAULT_MODEL_DIR)
    pid = planner.pid
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    planner.close()  # Ctrl-C: the planner keeps nothing worth waiting for
    assert time.monotonic() - started < 1.0
    assert reaped(pid)
