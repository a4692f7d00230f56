"""The kiosk's systemd unit is one systemd accepts, and it starts what the runbook says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "robot-kiosk.service"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_kiosk_unit_verifies_and_restarts_the_kiosk(tmp_path) -> None:
    text = UNIT.read_text()
    assert "Restart=always" in text and "KillSignal=SIGINT" in text
    # Pointed at this checkout, so systemd can check the command exists too.
    robot = Path(sys.executable).parent / "robot"
    here = text.replace("/opt/robot-stack/.venv/bin/robot", str(robot))
    here = here.replace("/opt/robot-stack", str(ROOT)).replace("User=robot", "User=root")
    unit = tmp_path / UNIT.name
    unit.write_text(here)
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    complaints = [line for line in verified.stderr.splitlines() if UNIT.name in line]
    assert verified.returncode == 0 and not complaints, verified.stderr
    assert (ROOT / "launch" / "expo.toml").exists()  # what ExecStart runs
