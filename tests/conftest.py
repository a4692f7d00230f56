"""Shared test set-up: no test may leave a thread behind; the scenes episodes build;
the `robot` command's debug log goes to a temporary folder, not the user's."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

import pytest

# Set before any test runs a `robot` command (children inherit it).
os.environ.setdefault("ROBOT_LOG_DIR", tempfile.mkdtemp(prefix="robot-test-log-"))


@pytest.fixture
def no_thread_left() -> Iterator[None]:
    """Fail the test if it ends with more threads than it started with."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left behind: {[t.name for t in left]}"


@pytest.fixture
def episode_scenes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every scene `robot.launch.episode.run_episode` builds during the test, in order:
    an episode builds its own, and a test that watches its physics needs it."""
    import robot.launch.episode as episode

    built: list[Any] = []
    original = episode.build_scene

    def build_and_keep(*args: Any, **kwargs: Any) -> Any:
        built.append(original(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(episode, "build_scene", build_and_keep)
    return built
