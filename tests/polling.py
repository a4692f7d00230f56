"""Waiting for something that happens in wall time (a servo moving, a link coming up)."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(
    condition: Callable[[], object], timeout: float = 2.0, period_s: float = 0.01
) -> bool:
    """Poll `condition` until it is true or `timeout` s pass; its last answer. No timing
    is asserted: only that it happens."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(period_s)
    return bool(condition())
