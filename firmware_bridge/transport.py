"""Bytes to and from a serial port, with timeouts derived from the baud rate.

A reply is awaited for as long as the bytes take on the wire (10 bits per byte at the
baud rate, request and reply), plus each answering servo's return delay time, plus two
USB latency-timer periods (FTDI adapters hold bytes back that long), plus a host
scheduling margin. Nothing here retries: retrying is the servo bus's decision.
"""

from __future__ import annotations

import logging
import os
import select
import termios
import time

import serial

from firmware_bridge.errors import PortError
from firmware_bridge.ports import LATENCY_TIMER_OK_MS, latency_advice, latency_timer_ms

log = logging.getLogger(__name__)

BITS_PER_BYTE = 10
"""Start bit, 8 data bits, stop bit."""
DEFAULT_HOST_MARGIN_S = 0.005
"""Allowance for the OS waking us up and for USB frames on adapters without a latency
timer (1 ms frames on full-speed USB). Raise it on a heavily loaded machine."""


class Transport:
    """One open serial port. Not thread-safe: one owner."""

    def __init__(
        self,
        port: str,
        baud: int,
        *,
        host_margin_s: float = DEFAULT_HOST_MARGIN_S,
        serial_port: serial.Serial | None = None,
    ) -> None:
        self.port = port
        self.host_margin_s = host_margin_s
        try:
            self._serial = serial_port or serial.Serial(port, baud, timeout=0, write_timeout=1.0)
        except (serial.SerialException, OSError) as err:
            raise PortError(_open_advice(port, err)) from err
        self._fd = self._serial.fileno()
        self.baud = baud
        self.byte_time_s = BITS_PER_BYTE / baud
        self._rx = bytearray()
        latency = latency_timer_ms(port)
        self.latency_s = (latency or 0) / 1000.0
        if latency is not None and latency > LATENCY_TIMER_OK_MS:
            log.warning(latency_advice(port, latency))

    # -- configuration ---------------------------------------------------------------
    def set_baud(self, baud: int) -> None:
        try:
            self._serial.baudrate = baud
        except (serial.SerialException, OSError, ValueError) as err:
            raise PortError(f"cannot set {self.port} to {baud} baud: {err}") from err
        self.baud = baud
        self.byte_time_s = BITS_PER_BYTE / baud

    def reply_timeout(self, tx_bytes: int, rx_bytes: int, return_delay_s: float = 0.0) -> float:
        """Seconds to wait for `rx_bytes` of replies after sending `tx_bytes`.

        return_delay_s: the sum of the answering servos' return delay times.
        """
        wire = (tx_bytes + rx_bytes) * self.byte_time_s
        return wire + return_delay_s + 2 * self.latency_s + self.host_margin_s

    # -- I/O -----------------------------------------------------------------------
    def send(self, packet: bytes) -> None:
        """Drop anything unread (stale replies) and write one packet."""
        self._rx.clear()
        try:
            self._serial.reset_input_buffer()
            view = memoryview(packet)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except (serial.SerialException, OSError, termios.error) as err:
            # termios.error: flushing the input of a port whose adapter is gone (EIO).
            raise PortError(
                f"cannot write to {self.port}: {err}; is the adapter still plugged in?"
            ) from err

    @property
    def buffer(self) -> bytearray:
        """Bytes received and not yet consumed; the servo bus parses and trims it."""
        return self._rx

    def fill(self, size: int, deadline: float) -> bool:
        """Read until the buffer holds `size` bytes or `time.monotonic()` passes `deadline`.

        Returns True when the buffer holds at least `size` bytes.
        """
        rx, fd = self._rx, self._fd
        while len(rx) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select((fd,), (), (), remaining)
            if not ready:
                return False
            try:
                chunk = os.read(fd, 4096)
            except OSError as err:
                raise PortError(
                    f"cannot read from {self.port}: {err}; is the adapter still plugged in?"
                ) from err
            if not chunk:
                raise PortError(f"{self.port} was closed (adapter unplugged?)")
            rx += chunk
        return True

    def close(self) -> None:
        self._serial.close()


def _open_advice(port: str, err: Exception) -> str:
    text = str(err)
    if (isinstance(err, OSError) and err.errno == 13) or "Permission denied" in text:
        return (
            f"cannot open {port}: permission denied; add yourself to the serial group "
            "(`sudo usermod -aG dialout $USER`, then log in again)"
        )
    if "No such file" in text or "could not open" in text:
        return (
            f"cannot open {port}: {text}; is the adapter plugged in? "
            "`robot servo ports` lists the ports it can see"
        )
    return f"cannot open {port}: {text}"
