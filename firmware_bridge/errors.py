"""Typed errors of the serial layer. Each names the port, baud and servo ID it concerns and,
where a person can act on it, says what to do.

They are a hierarchy of their own, not `core.errors.RobotError`s: a byte-level error is
caught beside `RobotError` where both can arise (the `robot` command, the motion
process's failure report), and code that catches only `RobotError` lets it through.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Base of every error of the serial layer."""


class PortError(BridgeError):
    """A serial port could not be opened, configured or written."""


class ProtocolError(BridgeError):
    """Bytes that are not a well-formed packet of the protocol (framing, length, content)."""


class ChecksumError(ProtocolError):
    """A packet arrived whole but its checksum (Feetech) or CRC-16 (Dynamixel) is wrong."""


class BusTimeout(BridgeError, TimeoutError):
    """A servo did not answer in time. Carries the port, baud and the silent servo IDs."""

    def __init__(
        self,
        servo_ids: tuple[int, ...],
        port: str = "",
        baud: int = 0,
        detail: str = "",
    ) -> None:
        self.servo_ids = servo_ids
        self.port = port
        self.baud = baud
        who = (
            f"servo {servo_ids[0]} did not"
            if len(servo_ids) == 1
            else f"servos {', '.join(map(str, servo_ids))} did not"
        )
        where = f" on {port or 'the bus'}" + (f" at {baud} baud" if baud else "")
        extra = f" ({detail})" if detail else ""
        super().__init__(f"{who} answer{where}{extra}: check power, cabling and ID")


class SetupError(BridgeError):
    """A bring-up step (set-id, set-baud, flash, calibrate) cannot be done safely as asked."""


class ServoError(BridgeError):
    """A servo answered with its error byte set. Subclasses say which condition.

    servo_id: the servo that reported it; port: where; joint: the joint's name when the
    caller knows it (the limb fills it in); flags: names of every bit that was set.
    """

    advice = "read the servo's manual for this error"
    params: bytes | None = None
    """The data its status packet carried, when whole (a servo with an alarm latched
    still reports its position)."""

    def __init__(
        self,
        servo_id: int,
        flags: tuple[str, ...] = (),
        port: str = "",
        joint: str = "",
    ) -> None:
        self.servo_id = servo_id
        self.flags = flags
        self.port = port
        self.joint = joint
        super().__init__(self._text())

    def _text(self) -> str:
        who = f"servo {self.servo_id}" + (f" (joint {self.joint})" if self.joint else "")
        where = f" on {self.port}" if self.port else ""
        what = ", ".join(self.flags) if self.flags else type(self).__name__
        return f"{who}{where} reports {what}: {self.advice}"

    def with_context(self, port: str = "", joint: str = "") -> ServoError:
        """Return the same error naming the port and joint (for re-raising higher up)."""
        return type(self)(
            self.servo_id, self.flags, port=port or self.port, joint=joint or self.joint
        )


class ServoAlarm(ServoError):
    """A hardware condition the servo latched (it usually drops torque until rebooted)."""

    advice = "fix the cause, then reboot the servo or power-cycle the bus"


class InputVoltageError(ServoAlarm):
    advice = "the supply voltage is outside the servo's limits: check the power supply"


class OverheatingError(ServoAlarm):
    advice = "let the servo cool down and reduce its load or duty cycle"


class EncoderError(ServoAlarm):
    advice = "the position sensor failed: check the servo horn and magnet, replace the servo"


class ElectricalShockError(ServoAlarm):
    advice = "over-current or electrical shock: check wiring for shorts, then power-cycle"


class OverloadError(ServoAlarm):
    advice = (
        "the joint is blocked or the load too heavy: free it, then reboot the servo "
        "or power-cycle the bus (the error latches)"
    )


class InstructionRejected(ServoError):
    """The servo refused the instruction (Dynamixel status error numbers 1..7)."""

    advice = "the instruction was refused"


class ResultFail(InstructionRejected):
    advice = "the servo failed to process the instruction: retry"


class InstructionNotSupported(InstructionRejected):
    advice = "undefined instruction, or ACTION without REG_WRITE"


class ServoCrcError(InstructionRejected):
    advice = "the servo saw a bad CRC: check cabling and termination, lower the baud rate"


class DataRangeError(InstructionRejected):
    advice = "the address or length is outside the control table"


class DataLengthError(InstructionRejected):
    advice = "the data is shorter than the register"


class DataLimitError(InstructionRejected):
    advice = "the value is outside the register's limits"


class AccessError(InstructionRejected):
    advice = (
        "the register cannot be written now: read-only, or EEPROM while torque is on "
        "(disable torque first)"
    )
