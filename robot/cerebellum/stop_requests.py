"""Stop requests from the bus: engagements on `EStop`, releases on `EStop/release`.

Engaging the protective stop is open to any peer of the cell; releasing it travels on
its own topic so that a network's access control can keep it to the operator's hosts
(docs/network.md). A release that arrives on the engaging topic is ignored and said
once: honouring it would let any peer that may stop the arm also start it again.

When a release and an engagement wait together, the release is handed out first, so
the stop ends engaged: of two requests that arrived within one poll, the safe one wins.
"""

from __future__ import annotations

import logging
import threading
import time

from core.errors import ReceiveTimeout
from core.msgs import ESTOP_RELEASE, EStop
from robot.bus import Bus, fifo

log = logging.getLogger(__name__)


class StopRequests:
    """Both stop topics as one queue of `depth` each; `poll()` never blocks."""

    def __init__(self, bus: Bus, depth: int) -> None:
        self._wake = threading.Event()
        self._engage = bus.subscribe(EStop, policy=fifo(depth), wake=self._wake)
        self._release = bus.subscribe(EStop, ESTOP_RELEASE, policy=fifo(depth), wake=self._wake)
        self.ignored = 0
        """Releases that came on the engaging topic."""

    def poll(self) -> EStop | None:
        """The next request, releases before engagements, or None."""
        msg = self._release.poll()
        if msg is not None:
            return msg  # an "engagement" sent on the release topic still stops: safe
        while (msg := self._engage.poll()) is not None:
            if msg.engaged:
                return msg
            self.ignored += 1
            if self.ignored == 1:
                log.warning(
                    "ignored a stop release from %r sent on the EStop topic: releases "
                    "travel on EStop/%s",
                    msg.source,
                    ESTOP_RELEASE,
                )
        return None

    def get(self, timeout: float) -> EStop:
        """The next request, waiting up to `timeout` s; raises `ReceiveTimeout`."""
        deadline = time.monotonic() + timeout
        while (msg := self.poll()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReceiveTimeout(f"no stop request within {timeout} s")
            self._wake.wait(remaining)
            self._wake.clear()
        return msg

    def close(self) -> None:
        self._engage.close()
        self._release.close()
