"""Shared test set-up: no test may leave a thread behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture
def no_thread_left() -> Iterator[None]:
    """Fail the test if it ends with more threads than it started with."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left behind: {[t.name for t in left]}"
