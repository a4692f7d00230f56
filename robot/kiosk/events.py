"""What the kiosk page shows, as a log of small JSON events that browsers follow."""

from __future__ import annotations

import threading
from typing import Any

from core.msgs import EStop, Plan, PlanStatus, SafetyEvent, SkillStatus, Step, Utterance
from robot.brain.speech import narrate

MAX_EVENTS = 1000
"""Events kept for late-joining pages; older ones are forgotten (the page only shows recent)."""


def step_text(step: Step, lang: str, scene: str) -> str:
    """A plan step as the page lists it, in the plan's language, things named as people
    say them (the catalogue's names): "Pouring from the teapot into the red cup."."""
    if step.skill == "say":
        return f"“{step.args['text']}”"
    return narrate(step, lang, scene)


def to_event(msg: Any, scene: str) -> dict[str, Any]:
    """The page's view of a bus message about `scene`."""
    if isinstance(msg, Plan):
        event = {"type": "plan", "seq": msg.seq, **msg.to_json_obj()}
        for step, shown in zip(msg.steps, event["steps"], strict=True):
            shown["text"] = step_text(step, msg.language, scene)
        return event
    if isinstance(msg, PlanStatus):
        return {
            "type": "plan_status",
            "plan_seq": msg.plan_seq,
            "state": msg.state,
            "step": msg.step,
            "step_count": msg.step_count,
            "reason": msg.reason,
        }
    if isinstance(msg, SkillStatus):
        return {
            "type": "skill",
            "plan_seq": msg.plan_seq,
            "index": msg.index,
            "state": msg.state,
            "progress": msg.progress,
            "reason": msg.reason,
        }
    if isinstance(msg, Utterance):
        return {"type": "say", "text": msg.text, "language": msg.language}
    if isinstance(msg, EStop):
        return {"type": "estop", "engaged": msg.engaged, "source": msg.source}
    if isinstance(msg, SafetyEvent):
        return {"type": "safety", "kind": msg.kind, "severity": msg.severity, "detail": msg.detail}
    raise TypeError(f"the kiosk does not show {type(msg).__name__}")


class EventLog:
    """Append-only, numbered events; readers wait for numbers they have not seen."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._first = 0  # number of the oldest event kept
        self._changed = threading.Condition()

    def append(self, event: dict[str, Any]) -> None:
        with self._changed:
            self._events.append(event)
            if len(self._events) > MAX_EVENTS:
                drop = len(self._events) - MAX_EVENTS
                del self._events[:drop]
                self._first += drop
            self._changed.notify_all()

    def since(self, number: int, timeout: float) -> tuple[int, list[dict[str, Any]]]:
        """Events numbered >= `number`, waiting up to `timeout` s for one; returns
        (the next number to ask for, the events)."""
        with self._changed:
            end = self._first + len(self._events)
            if number >= end:
                self._changed.wait(timeout)
                end = self._first + len(self._events)
            start = max(number, self._first)
            return end, self._events[start - self._first :]
