"""Serial port discovery: the USB bus-servo adapters people actually plug in.

Lists `/dev/ttyUSB*` and `/dev/ttyACM*` alike (adapters with a native USB chip, such as
Waveshare's ESP32 board or ROBOTIS U2D2's clones, enumerate as ACM), names the chip
from its USB vendor/product ID, and reads the FTDI latency timer that caps reads
near 60 Hz until it is set to 1 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from serial.tools import list_ports

# USB (vendor, product) -> what people call the adapter.
KNOWN_ADAPTERS: dict[tuple[int, int], str] = {
    (0x0403, 0x6001): "FTDI FT232R (U2D2 clones, USB2Dynamixel)",
    (0x0403, 0x6014): "FTDI FT232H (ROBOTIS U2D2)",
    (0x0403, 0x6010): "FTDI FT2232",
    (0x0403, 0x6015): "FTDI FT231X",
    (0x1A86, 0x7523): "CH340 (Feetech FE-URT-1, generic bus-servo adapters)",
    (0x1A86, 0x55D3): "CH343 (Waveshare bus servo adapter)",
    (0x1A86, 0x55D4): "CH9102 (Waveshare / Feetech bus servo adapter)",
    (0x10C4, 0xEA60): "CP210x (Silicon Labs)",
    (0x16D0, 0x06A7): "ROBOTIS OpenRB-150 / OpenCR",
    (0x303A, 0x1001): "ESP32-S3 native USB (Waveshare servo driver)",
}
_VENDORS = {0x0403: "FTDI", 0x1A86: "WCH (CH34x/CH910x)", 0x10C4: "Silicon Labs CP210x"}
LATENCY_TIMER_OK_MS = 1
"""FTDI latency timer we recommend; the chip's default is 16 ms."""


@dataclass(frozen=True)
class PortInfo:
    """One serial port. latency_timer_ms: FTDI latency timer, None when not an FTDI port;
    vid, pid: its USB vendor and product IDs (None when not USB)."""

    device: str
    adapter: str
    description: str
    serial_number: str
    latency_timer_ms: int | None
    vid: int | None = None
    pid: int | None = None

    @property
    def latency_advice(self) -> str:
        """How to fix a high FTDI latency timer, "" when it is fine or unknown."""
        if self.latency_timer_ms is None or self.latency_timer_ms <= LATENCY_TIMER_OK_MS:
            return ""
        return latency_advice(self.device, self.latency_timer_ms)


def latency_timer_path(device: str) -> Path:
    """sysfs file of the FTDI latency timer for a device such as /dev/ttyUSB0."""
    name = Path(device).resolve().name
    return Path("/sys/bus/usb-serial/devices") / name / "latency_timer"


def latency_timer_ms(device: str) -> int | None:
    """The FTDI latency timer of `device` in ms, or None when it has none (not FTDI, a pty)."""
    try:
        return int(latency_timer_path(device).read_text().strip())
    except (OSError, ValueError):
        return None


def latency_advice(device: str, value_ms: int) -> str:
    path = latency_timer_path(device)
    return (
        f"{device}: FTDI latency timer is {value_ms} ms, which caps a servo read near "
        f"{1000 // (2 * value_ms)} Hz; set it to 1 ms: "
        f"`echo 1 | sudo tee {path}` (until unplugged), or for good with the udev rule "
        f"`robot servo udev --port {device} --name ARM` writes"
    )


FTDI_VENDOR = 0x0403
UDEV_NAME_PREFIX = "robot-"


def udev_rule(port: PortInfo, name: str) -> str:
    """A udev rule file for `port`'s adapter: the stable name /dev/robot-NAME, the
    dialout group (read and write for its members), and on an FTDI chip a 1 ms latency
    timer. Matched on the USB vendor, product and serial number; an adapter without a
    serial number (most CH340s) is matched on vendor and product alone, so two of them
    on one host cannot be told apart (the file says so)."""
    if port.vid is None or port.pid is None:
        raise ValueError(f"{port.device} is not a USB adapter: a udev rule cannot name it")
    if not name.replace("-", "").replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"name {name!r}: use letters, digits, - and _ (e.g. so101)")
    match = f'ATTRS{{idVendor}}=="{port.vid:04x}", ATTRS{{idProduct}}=="{port.pid:04x}"'
    lines = [
        f"# Written by `robot servo udev` for {port.adapter} ({port.device} when written).",
        f"# Install: sudo cp THIS_FILE /etc/udev/rules.d/99-{UDEV_NAME_PREFIX}{name}.rules",
        "#          sudo udevadm control --reload && sudo udevadm trigger; then replug.",
    ]
    if port.serial_number:
        match += f', ATTRS{{serial}}=="{port.serial_number}"'
    else:
        lines.append(
            "# This adapter reports no serial number: the rule matches every adapter of its kind."
        )
    lines.append(
        f'SUBSYSTEM=="tty", {match}, SYMLINK+="{UDEV_NAME_PREFIX}{name}", '
        'GROUP="dialout", MODE="0660"'
    )
    if port.vid == FTDI_VENDOR:
        lines.append(
            "# FTDI holds replies up to 16 ms by default; 1 ms lets the loop read at 1 kHz."
        )
        lines.append(
            f'ACTION=="add", SUBSYSTEM=="usb-serial", DRIVER=="ftdi_sio", {match}, '
            f'ATTR{{latency_timer}}="{LATENCY_TIMER_OK_MS}"'
        )
    return "\n".join(lines) + "\n"


def _adapter_name(vid: int | None, pid: int | None) -> str:
    if vid is None or pid is None:
        return "unknown adapter"
    known = KNOWN_ADAPTERS.get((vid, pid))
    if known:
        return known
    return f"{_VENDORS.get(vid, 'USB serial')} ({vid:04x}:{pid:04x})"


def list_servo_ports() -> list[PortInfo]:
    """USB serial ports, ttyUSB and ttyACM alike, adapters people use first."""
    ports = []
    for p in list_ports.comports():
        if p.vid is None and not ("USB" in p.device or "ACM" in p.device):
            continue  # built-in UARTs (ttyS*) are never a servo bus adapter
        ports.append(
            PortInfo(
                device=p.device,
                adapter=_adapter_name(p.vid, p.pid),
                description=p.description or "",
                serial_number=p.serial_number or "",
                latency_timer_ms=latency_timer_ms(p.device),
                vid=p.vid,
                pid=p.pid,
            )
        )
    return sorted(ports, key=lambda p: (p.adapter.startswith(("USB serial", "unknown")), p.device))
