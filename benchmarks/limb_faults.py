"""Bus loss to LimbFault: how long after the cable is pulled `SerialLimb.read()` raises.

Six servos on the virtual bus (in this process, on a pty, with wire timing at 1 Mbps)
and a SerialLimb with the default host margin, driven as the cerebellum drives it: read,
then write, at 1 kHz. In each trial a timer thread pulls the cable (`Fault("unplug")`:
no request reaches a servo, nothing comes back) at a random moment 20-80 ms after the
loop started; measured: from the pull to `read()` raising LimbFault. Target: <= 40 ms
(the loop then has 10 ms to stop the arm within the issue's 50 ms).

    .venv/bin/python -m benchmarks.limb_faults [--trials 50] [--protocol feetech] [--json FILE]
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time

from benchmarks.common import parser, percentile, report
from core.calibration import Calibration, JointCalibration
from core.msgs import JointCommand
from core.profile import BusSpec, JointSpec, Profile, RobotInfo
from firmware_bridge.control_tables import get_model
from firmware_bridge.errors import BusTimeout
from firmware_bridge.faults import Fault, FaultSchedule
from firmware_bridge.virtual_bus import VirtualBus, build_servos
from robot.limbs.base import LimbFault
from robot.limbs.serial import SerialLimb

TARGET_MS = 40.0
PERIOD_S = 0.001
BAUD = 1_000_000
MODELS = {"feetech": "sts3215", "dynamixel": "xl330-m288"}
PULL_AFTER_S = (0.02, 0.08)
OPEN_ATTEMPTS = 3
"""Opening the limb with the default margin may time out while this machine is busy."""


def arm(protocol: str) -> tuple[Profile, Calibration]:
    joints = tuple(
        JointSpec(
            name=f"joint{k}",
            lower=-1.5,
            upper=1.5,
            max_velocity=4.0,
            max_acceleration=20.0,
            max_effort=1.0,
            servo_id=k,
            model=MODELS[protocol],
        )
        for k in range(1, 7)
    )
    profile = Profile(
        robot=RobotInfo(name="bench_arm", urdf="bench.urdf"),
        bus=BusSpec(protocol=protocol, baud=BAUD),  # type: ignore[arg-type]
        joints=joints,
    )
    calibration = Calibration(
        joints={
            j.name: JointCalibration(
                servo_id=j.servo_id or 0, zero_ticks=2048, range_min=0, range_max=4095
            )
            for j in joints
        }
    )
    return profile, calibration


def open_limb(profile: Profile, calibration: Calibration, path: str) -> SerialLimb:
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return SerialLimb(profile, calibration, path)
        except BusTimeout:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def trial(virtual: VirtualBus, limb: SerialLimb, rng: random.Random) -> float:
    """Seconds from pulling the cable to LimbFault."""
    pulled: list[float] = []

    def pull() -> None:
        virtual.faults = FaultSchedule([Fault("unplug")])
        pulled.append(time.monotonic())

    timer = threading.Timer(rng.uniform(*PULL_AFTER_S), pull)
    start = time.monotonic()
    deadline = start
    timer.start()
    try:
        while True:
            try:
                limb.read()
            except LimbFault:
                return time.monotonic() - pulled[0]
            t = time.monotonic() - start
            limb.write(JointCommand(position=tuple(0.5 * math.sin(3 * t + k) for k in range(6))))
            deadline += PERIOD_S
            left = deadline - time.monotonic()
            if left > 0:
                time.sleep(left)
    finally:
        timer.cancel()


def main() -> int:
    p = parser(__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=50)
    p.add_argument("--protocol", choices=sorted(MODELS), default="feetech")
    p.add_argument("--seed", type=int, default=0, help="for the moments of the pulls")
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)  # each trial's rejections would be logged

    profile, calibration = arm(args.protocol)
    table = get_model(MODELS[args.protocol])
    servos = build_servos(range(1, 7), table, baud=BAUD)
    for servo in servos:  # return delay 0, as bring-up sets it
        servo.memory[table["return_delay_time"].address] = 0
    rng = random.Random(args.seed)
    times_ms = []
    with VirtualBus(args.protocol, servos, wire_timing=True) as virtual:
        for _ in range(args.trials):
            virtual.faults = None
            limb = open_limb(profile, calibration, virtual.path)
            timeout_ms = limb._reader.reply_timeout() * 1000
            try:
                limb.enable()
                times_ms.append(trial(virtual, limb, rng) * 1000)
            finally:
                virtual.faults = None
                limb.close()
    report(
        f"bus loss to LimbFault: {args.trials} cables pulled, {args.protocol} x6 at "
        f"{BAUD} baud, default host margin, 1 kHz loop",
        [
            ("median_ms", percentile(times_ms, 50), f"target <= {TARGET_MS:.0f}"),
            ("p99_ms", percentile(times_ms, 99), ""),
            ("max_ms", max(times_ms), ""),
            ("min_ms", min(times_ms), ""),
            ("within_target_fraction", sum(t <= TARGET_MS for t in times_ms) / len(times_ms), ""),
            ("reply_timeout_ms", timeout_ms, "one failed read"),
        ],
        args.json,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
