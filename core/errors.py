"""Typed errors of the stack. Each carries what a person needs to act on it.

Errors of the byte level (servo timeouts, checksums, servo alarms) live in
`firmware_bridge.errors`; they are raised through the limbs unchanged.
"""


class RobotError(Exception):
    """Base of the stack's own errors."""


class MessageError(RobotError, ValueError):
    """A payload is not a valid message of the expected type."""


class BusError(RobotError):
    """Misuse of the message bus (wrong topic type, closed subscription...)."""


class QueueFull(BusError):
    """A fifo subscriber is full: the publisher sees it, nothing is dropped silently."""


class ReceiveTimeout(BusError, TimeoutError):
    """No message arrived within the timeout given to `Subscription.get`."""


class ConfigError(RobotError, ValueError):
    """A launch file, profile or calibration file is malformed; names the file and key."""


class ModelError(RobotError):
    """A model folder is missing, or a file in it is missing, corrupt or out of range;
    names the file and what to do."""


class PlanRejected(RobotError):
    """A plan failed validation; `reason` says which step and why."""

    def __init__(self, reason: str, step: int | None = None) -> None:
        super().__init__(reason if step is None else f"step {step}: {reason}")
        self.reason = reason
        self.step = step
