"""`robot run --speak`: what the robot says, spoken aloud through espeak-ng.

One utterance at a time, in its language's voice, in the order said; a queue that
grows past `MOST_WAITING` drops its oldest (a simulation faster than real time says
more than can be spoken). Where espeak-ng is not installed, `Speaker.find` says so in
one line and nothing is spoken: the words still show on the console and the kiosk.
When espeak-ng fails (no sound device), the first failure is told in one line.
"""

from __future__ import annotations

import collections
import shutil
import subprocess

from core.msgs import Utterance
from robot.bus import Bus, fifo
from robot.node import Node

VOICES = {"en": "en", "de": "de", "zh": "cmn"}
"""espeak-ng's voice for each language the brain speaks (cmn: Mandarin)."""
MOST_WAITING = 8
POLL_S = 0.05
"""How often the node looks whether the current utterance is done (s)."""
MISSING = (
    "--speak: espeak-ng is not installed, so nothing is spoken "
    "(Debian/Ubuntu: sudo apt install espeak-ng)"
)


class Speaker(Node):
    """Speaks each `Utterance` with `program` (espeak-ng's path)."""

    def __init__(self, bus: Bus, program: str) -> None:
        super().__init__(bus, "speaker", period_s=POLL_S)
        self.program = program
        self._waiting: collections.deque[Utterance] = collections.deque(maxlen=MOST_WAITING)
        self._speaking: subprocess.Popen[bytes] | None = None
        self.failed_once = False
        """espeak-ng failed once (and said so): it is not said again."""
        self.handle(Utterance, self._waiting.append, policy=fifo(64))

    @classmethod
    def find(cls, bus: Bus) -> Speaker | None:
        """A speaker through espeak-ng, or None (and the one line why) where it is missing."""
        program = shutil.which("espeak-ng")
        if program is None:
            print(MISSING, flush=True)
            return None
        return cls(bus, program)

    def command(self, msg: Utterance) -> list[str]:
        voice = VOICES.get(msg.language, VOICES["en"])
        return [self.program, "-v", voice, "--", msg.text]

    def tick(self) -> None:
        speaking = self._speaking
        if speaking is not None:
            if speaking.poll() is None:
                return
            self._speaking = None
            if speaking.returncode != 0 and not self.failed_once:
                self.failed_once = True
                why = (speaking.communicate()[1] or b"").decode(errors="replace").strip()
                last = why.splitlines()[-1] if why else f"exit status {speaking.returncode}"
                print(f"--speak: espeak-ng could not speak ({last}): no sound device?", flush=True)
        if self._waiting:
            msg = self._waiting.popleft()
            self._speaking = subprocess.Popen(
                self.command(msg), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )

    def teardown(self) -> None:
        if self._speaking is not None and self._speaking.poll() is None:
            self._speaking.terminate()
            self._speaking.wait()
