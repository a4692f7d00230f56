"""`robot run --speak`: each utterance spoken in its language's espeak-ng voice, in order;
without espeak-ng, one line says so and the run goes on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from core.msgs import Utterance
from robot.bus import Bus
from robot.launch.speak import MISSING, Speaker

ROOT = Path(__file__).resolve().parents[1]


def fake_espeak(folder: Path) -> Path:
    """An espeak-ng that writes its arguments, one call per line, to spoken.txt."""
    program = folder / "espeak-ng"
    program.write_text(f'#!/bin/sh\necho "$@" >> {folder / "spoken.txt"}\n')
    program.chmod(0o755)
    return program


def test_utterances_are_spoken_in_order_each_in_its_voice(tmp_path) -> None:
    bus = Bus()
    speaker = Speaker(bus, str(fake_espeak(tmp_path)))
    speaker.start()
    try:
        for text, lang in (("Hello!", "en"), ("Hallo!", "de"), ("你好！", "zh")):
            bus.publish(Utterance(text=text, language=lang))
        spoken = tmp_path / "spoken.txt"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (
            not spoken.exists() or len(spoken.read_text().splitlines()) < 3
        ):
            time.sleep(0.05)
    finally:
        speaker.stop()
    assert spoken.read_text().splitlines() == [
        "-v en -- Hello!",
        "-v de -- Hallo!",
        "-v cmn -- 你好！",
    ]


def test_without_espeak_ng_the_run_says_so_and_goes_on(tmp_path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # python, no espeak-ng
    command = [sys.executable, "-m", "robot.cli", "run", "launch/tea_sim.toml", "--speak"]
    run = subprocess.run(
        [*command, "-i", "Say hello to the guest."],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert MISSING in run.stdout
    assert "SUCCESS: 1/1" in run.stdout


def test_a_failing_espeak_ng_is_told_once(tmp_path, capsys) -> None:
    program = tmp_path / "espeak-ng"
    program.write_text("#!/bin/sh\necho 'error: No such file or directory' >&2\nexit 1\n")
    program.chmod(0o755)
    bus = Bus()
    speaker = Speaker(bus, str(program))
    speaker.start()
    try:
        for text in ("one", "two", "three"):
            bus.publish(Utterance(text=text, language="en"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not speaker.failed_once:
            time.sleep(0.05)
        time.sleep(0.5)  # the other two fail as well, silently
    finally:
        speaker.stop()
    lines = [line for line in capsys.readouterr().out.splitlines() if "--speak" in line]
    assert lines == [
        "--speak: espeak-ng could not speak (error: No such file or directory): no sound device?"
    ]
