"""`robot servo udev`: a rule that names the adapter, opens it to dialout and sets the
FTDI latency timer; clear errors for a port that is not a USB adapter."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import firmware_bridge.ports as ports
from robot.cli import main

U2D2 = SimpleNamespace(
    device="/dev/ttyUSB0", vid=0x0403, pid=0x6014, description="FT232H", serial_number="FT4TF"
)
CH340 = SimpleNamespace(
    device="/dev/ttyUSB1", vid=0x1A86, pid=0x7523, description="USB Serial", serial_number=None
)


@pytest.fixture(autouse=True)
def adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports.list_ports, "comports", lambda: [U2D2, CH340])
    monkeypatch.setattr(ports, "latency_timer_ms", lambda device: None)


def rule_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_an_ftdi_adapter_gets_its_name_group_and_latency_timer(tmp_path: Path) -> None:
    out = tmp_path / "99-robot-koch.rules"
    assert (
        main(["servo", "udev", "--port", "/dev/ttyUSB0", "--name", "koch", "--out", str(out)]) == 0
    )
    tty, latency = rule_lines(out.read_text())
    match = 'ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6014", ATTRS{serial}=="FT4TF"'
    assert tty.startswith('SUBSYSTEM=="tty", ' + match)
    assert 'SYMLINK+="robot-koch"' in tty and 'GROUP="dialout"' in tty and 'MODE="0660"' in tty
    assert 'DRIVER=="ftdi_sio"' in latency and match in latency
    assert latency.endswith('ATTR{latency_timer}="1"')


def test_an_adapter_without_a_serial_number_says_what_that_means(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["servo", "udev", "--port", "/dev/ttyUSB1", "--name", "so101"]) == 0
    text = capsys.readouterr().out
    (tty,) = rule_lines(text)  # no latency timer on a CH340
    assert "ATTRS{serial}" not in tty and 'ATTRS{idProduct}=="7523"' in tty
    assert "matches every adapter of its kind" in text


@pytest.mark.parametrize(
    ("port", "name", "said"),
    [
        ("/dev/pts/3", "so101", "/dev/pts/3: no USB serial adapter there"),
        ("/dev/ttyUSB0", "my arm", "name 'my arm'"),
        ("/dev/ttyUSB0", 'a"b', "use letters, digits"),
    ],
)
def test_what_cannot_be_named_is_refused_clearly(
    port: str, name: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["servo", "udev", "--port", port, "--name", name]) == 1
    captured = capsys.readouterr()
    assert said in captured.err and not captured.out
