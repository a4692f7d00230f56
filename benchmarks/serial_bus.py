"""One control cycle on a serial servo bus, against the virtual bus.

A cycle: one sync read of present position + velocity of 6 servos, one sync write of 6
goal positions (Dynamixel 2.0, XL330 control table). The virtual bus runs as its own
process (`robot servo emulate`), as integrators use it.

Without wire timing: cycles/s of our bus and of dynamixel-sdk doing the same work in
the same run, in alternating blocks; `host_overhead_ratio_vs_sdk` = our seconds per
cycle / the SDK's (median over pairs of adjacent blocks; lower is better), and
`host_cpu_ratio_vs_sdk` = our CPU time per cycle / the SDK's, the same way (target
<= 0.5): the CPU this process spent (`time.process_time`), the emulator's own time
counted apart (from /proc, `*_emulator_cpu_us_per_cycle`).
With --wire-timing (1 Mbps): our cycles/s as a fraction of the wire limit
(bytes per cycle x 10 bits / baud), `wire_limit_fraction` (target >= 0.8).

    .venv/bin/python benchmarks/serial_bus.py [--wire-timing] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from firmware_bridge import dynamixel
from firmware_bridge.control_tables import get_model
from firmware_bridge.servo_bus import DynamixelBus

BAUD = 1_000_000
IDS = (1, 2, 3, 4, 5, 6)
TABLE = get_model("xl330-m288")
READ_ADDRESS = TABLE["present_velocity"].address  # velocity (4) then position (4)
READ_LENGTH = 8
GOAL = TABLE["goal_position"]
HOST_MARGIN_S = 0.05


def start_emulator(wire_timing: bool) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "robot.cli", "servo", "emulate", "--protocol", "dynamixel"]
    cmd += ["--ids", "1-6", "--baud", str(BAUD)]
    if wire_timing:
        cmd.append("--wire-timing")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().split()[-1]


def prepare(path: str) -> None:
    """Bring-up as docs/serial.md says: return delay 0, torque on."""
    with DynamixelBus.open(path, BAUD, host_margin_s=HOST_MARGIN_S) as bus:
        for sid in IDS:
            bus.write(sid, TABLE["torque_enable"], 0)
            bus.write(sid, TABLE["return_delay_time"], 0)
            bus.write(sid, TABLE["torque_enable"], 1)


def our_cycle(path: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    # A generous host margin: on a shared machine the emulator process can stall for tens
    # of ms; a timeout would only add retries, never speed, to what is measured here.
    bus = DynamixelBus.open(path, BAUD, host_margin_s=HOST_MARGIN_S)
    bus.return_delay_s = 0.0
    reader = bus.sync_reader(IDS, READ_ADDRESS, READ_LENGTH)
    writer = bus.sync_writer(IDS, GOAL.address, GOAL.size)

    def cycle(k: int) -> None:
        chunks = reader.read()
        positions = [int.from_bytes(c[4:8], "little", signed=True) for c in chunks]
        velocities = [int.from_bytes(c[0:4], "little", signed=True) for c in chunks]
        del velocities
        writer.write([(2048 + (k & 63) + p - p).to_bytes(4, "little") for p in positions])

    return cycle, bus.close


def sdk_cycle(path: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    import dynamixel_sdk as sdk

    port = sdk.PortHandler(path)
    if not (port.openPort() and port.setBaudRate(BAUD)):
        raise RuntimeError(f"dynamixel-sdk cannot open {path}")
    ph = sdk.PacketHandler(2.0)
    reader = sdk.GroupSyncRead(port, ph, READ_ADDRESS, READ_LENGTH)
    writer = sdk.GroupSyncWrite(port, ph, GOAL.address, GOAL.size)
    for sid in IDS:
        reader.addParam(sid)
        writer.addParam(sid, [0, 8, 0, 0])

    def cycle(k: int) -> None:
        if reader.txRxPacket() != sdk.COMM_SUCCESS:
            raise RuntimeError("dynamixel-sdk sync read failed")
        positions = [reader.getData(sid, 132, 4) for sid in IDS]
        velocities = [reader.getData(sid, 128, 4) for sid in IDS]
        del velocities
        for sid, p in zip(IDS, positions, strict=True):
            writer.changeParam(sid, list((2048 + (k & 63) + p - p).to_bytes(4, "little")))
        if writer.txPacket() != sdk.COMM_SUCCESS:
            raise RuntimeError("dynamixel-sdk sync write failed")

    return cycle, port.closePort


def seconds_per_cycle(cycle: Callable[[int], None], cycles: int) -> float:
    start = time.perf_counter()
    for k in range(cycles):
        cycle(k)
    return (time.perf_counter() - start) / cycles


class Block(NamedTuple):
    """One block of cycles, per cycle: wall time, our CPU time, the emulator's (s)."""

    wall_s: float
    cpu_s: float
    emulator_cpu_s: float


def process_cpu_s(pid: int) -> float:
    """CPU time (user + system, s) another process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def block(cycle: Callable[[int], None], cycles: int, emulator_pid: int) -> Block:
    cpu, emulator = time.process_time(), process_cpu_s(emulator_pid)
    wall = seconds_per_cycle(cycle, cycles)
    return Block(
        wall,
        (time.process_time() - cpu) / cycles,
        (process_cpu_s(emulator_pid) - emulator) / cycles,
    )


def bytes_per_cycle() -> int:
    request = len(dynamixel.sync_read(IDS, READ_ADDRESS, READ_LENGTH))
    replies = len(IDS) * (dynamixel.STATUS_OVERHEAD + READ_LENGTH)
    write = len(dynamixel.sync_write(GOAL.address, GOAL.size, [(i, bytes(4)) for i in IDS]))
    return request + replies + write


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wire-timing", action="store_true", help="emulate 1 Mbps wire time")
    parser.add_argument("--blocks", type=int, default=21, help="alternating blocks per client")
    parser.add_argument("--cycles", type=int, default=100, help="cycles per block")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    proc, path = start_emulator(args.wire_timing)
    figures: dict[str, float] = {}
    try:
        prepare(path)
        ours, close_ours = our_cycle(path)
        for k in range(50):  # warm-up
            ours(k)
        if args.wire_timing:
            per = statistics.median(
                seconds_per_cycle(ours, args.cycles) for _ in range(args.blocks)
            )
            limit = BAUD / (bytes_per_cycle() * 10)
            figures = {
                "cycles_per_s": 1 / per,
                "wire_limit_cycles_per_s": limit,
                "bytes_per_cycle": bytes_per_cycle(),
                "wire_limit_fraction": (1 / per) / limit,
            }
            close_ours()
        else:
            sdk, close_sdk = sdk_cycle(path)
            for k in range(50):
                sdk(k)
            ours_b, sdk_b = [], []
            for _ in range(args.blocks):
                ours_b.append(block(ours, args.cycles, proc.pid))
                sdk_b.append(block(sdk, args.cycles, proc.pid))
            close_ours()
            close_sdk()
            # Each of our blocks is compared with the SDK block right after it, so load
            # from other processes hits both sides of a pair alike; the median pair wins.
            pairs = list(zip(ours_b, sdk_b, strict=True))
            figures = {
                "ours_cycles_per_s": 1 / statistics.median(b.wall_s for b in ours_b),
                "sdk_cycles_per_s": 1 / statistics.median(b.wall_s for b in sdk_b),
                "ours_us_per_cycle": statistics.median(b.wall_s for b in ours_b) * 1e6,
                "sdk_us_per_cycle": statistics.median(b.wall_s for b in sdk_b) * 1e6,
                "host_overhead_ratio_vs_sdk": statistics.median(
                    o.wall_s / d.wall_s for o, d in pairs
                ),
                "ours_cpu_us_per_cycle": statistics.median(b.cpu_s for b in ours_b) * 1e6,
                "sdk_cpu_us_per_cycle": statistics.median(b.cpu_s for b in sdk_b) * 1e6,
                "host_cpu_ratio_vs_sdk": statistics.median(o.cpu_s / d.cpu_s for o, d in pairs),
                # /proc counts in clock ticks (10 ms): the mean over every block.
                "ours_emulator_cpu_us_per_cycle": statistics.mean(b.emulator_cpu_s for b in ours_b)
                * 1e6,
                "sdk_emulator_cpu_us_per_cycle": statistics.mean(b.emulator_cpu_s for b in sdk_b)
                * 1e6,
            }
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    mode = "wire timing, 1 Mbps" if args.wire_timing else "no wire timing"
    print(f"serial bus cycle: sync read pos+vel x6, sync write x6 (Dynamixel 2.0, {mode})")
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"  {name:<{width}}  {value:12.3f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
