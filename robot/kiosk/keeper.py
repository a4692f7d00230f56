"""Keeps the kiosk's brain running: a request the planner cannot handle costs that
request, not the kiosk.

A node that raises stops, and `run_nodes` then stops them all (robot/node.py): right for
a run from the command line, wrong for a kiosk where any visitor types anything. So the
kiosk runs its brain through a `BrainKeeper`, which watches it and, when it has failed
(the planner raised on a request, or anything else in its thread), replaces it with a
fresh `BrainNode` on the same planner and the world as the failed one last knew it, and
has the page say the request failed. The plan in hand, if any, is dropped: the next
plan's first skill call pre-empts whatever skill was running.

Only the brain is kept this way. A failure of the cerebellum or the limbs still ends
the kiosk: the arm is then not under control, and a person must look.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from robot.brain.node import BrainNode
from robot.node import Node

log = logging.getLogger(__name__)

CHECK_PERIOD_S = 0.1
"""How often the keeper looks at the brain, seconds."""
FAILED_REQUEST = "Sorry, something went wrong with that request. Please try another one."


class BrainKeeper(Node):
    """Starts `brain`, replaces it when it fails, stops it. `tell(text)` shows the
    visitor that their request failed (the kiosk's `show_error`). `brain` is the one
    running now; `replaced` counts the failed ones."""

    def __init__(self, brain: BrainNode, tell: Callable[[str], None]) -> None:
        super().__init__(brain.bus, f"{brain.name}-keeper", period_s=CHECK_PERIOD_S)
        self.brain = brain
        self.replaced = 0
        self._tell = tell

    def setup(self) -> None:
        self.brain.start()

    def request_stop(self) -> None:
        super().request_stop()
        self.brain.request_stop()  # both wind down at once, not one after the other

    def tick(self) -> None:
        failed = self.brain
        if failed.failure is None:
            return
        if failed.planner is None:
            raise RuntimeError(
                f"the {failed.name} failed before its planner loaded: nothing to restart with"
            ) from failed.failure
        failed.stop()  # closes its subscriptions: its full Instruction queue would refuse all
        log.error("%s failed (%r): replacing it", failed.name, failed.failure)
        brain = BrainNode(
            failed.bus,
            failed.spec.name,
            planner=failed.planner,
            model_dir=failed.model_dir,
            max_replans=failed.max_replans,
            narrate=failed.narrate,
            threads=failed.threads,
            name=failed.name,
        )
        brain.world, brain.world_state = failed.world, failed.world_state
        brain.start()
        self.brain = brain
        self.replaced += 1
        self._tell(FAILED_REQUEST)

    def teardown(self) -> None:
        self.brain.stop()
