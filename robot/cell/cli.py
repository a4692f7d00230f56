"""`robot cell`: a real cell's layout and world file, and its bus certificates.

`robot cell init`: make the cell's certificate authority and, per host, the key and
certificate its Zenoh bus opens with (mutual TLS; docs/network.md). Run it again with a
new host to add that host: the existing authority signs it.

`robot cell layout`: lay a real cell out as a scene of the twin, and write the world
file a serial launch reads.

Until the arm can see its table, a real cell's `WorldState` comes from a fixture file
(`[world] file`). This command builds the scene in the twin (seed as given), prints
where each object, surface and person's handover point lies from the arm's base (ahead,
left, up, in cm; yaw in degrees), and writes the twin's `WorldState` as that file, with
the arm's base pose for the launch's `[robot] base_*` keys. Put the real things where
the table says, and the stack's world matches the cell; move one, and the file no
longer does (a camera is what fixes that).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from core.errors import ConfigError
from core.msgs import WorldState, encode_json
from core.pose import yaw_of
from robot.cell.certificates import DEFAULT_DAYS, make_cell
from robot.cerebellum.arm_model import BasePose

CM_PER_M = 100.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="cell_command", metavar="STEP", required=True)
    p = sub.add_parser("layout", help="where to put each thing; write the cell's world file")
    p.add_argument("--scene", default="tea", help="a catalogue scene or a scene file")
    p.add_argument("--seed", type=int, default=0, help="the scene's seed (its layout)")
    p.add_argument("--robot", default="so101", help="robot profile")
    p.add_argument("--out", type=Path, required=True, help="world file to write (JSON)")
    p = sub.add_parser("init", help="make the cell's bus certificates (CA, one per host)")
    p.add_argument("--cell", required=True, help="the cell's name (in its CA's name)")
    p.add_argument(
        "--host",
        action="append",
        required=True,
        metavar="NAME[=ADDR,...]",
        help="a host of the cell (repeat); after '=', the addresses and DNS names other "
        "hosts connect to it by, e.g. arm=192.168.1.20",
    )
    p.add_argument("--out", type=Path, required=True, help="directory of the certificates")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, help="validity (days)")
    p.add_argument(
        "--new-ca",
        action="store_true",
        help="replace an existing CA (every certificate it signed stops working)",
    )


def run(args: argparse.Namespace) -> int:
    if args.cell_command == "init":
        return run_init(args)
    return run_layout(args)


def run_init(args: argparse.Namespace) -> int:
    cell = make_cell(args.out, args.cell, args.host, days=args.days, new_ca=args.new_ca)
    verb = "wrote" if cell.new_ca else "kept (it signed the hosts below)"
    print(f"{verb} {cell.ca_cert} and {cell.ca_key} (the CA's key: keep it off the cell's hosts)")
    for host, credentials in cell.hosts.items():
        print(f"wrote {credentials.cert} and {credentials.key} for host {host}")
    print(
        f"Copy {cell.ca_cert.name} and a host's .pem and .key to that host only; "
        "its launch file names them (docs/network.md)."
    )
    return 0


def run_layout(args: argparse.Namespace) -> int:
    from sim.servo_twin import start_twin_bus  # the simulator only when asked for

    with start_twin_bus(args.scene, seed=args.seed, profile=args.robot) as hil:
        state = hil.state()
        base, yaw = hil.base
    try:
        args.out.write_bytes(encode_json(state))
    except OSError as err:
        raise ConfigError(f"cannot write {args.out}: {err.strerror}") from err
    print(layout_table(state, BasePose(*base, yaw)))
    print(
        f'\nwrote {args.out}. In the launch file: [world] file = "{args.out}"; '
        f"[robot] base_x_m = {base[0]:.4f}, base_y_m = {base[1]:.4f}, "
        f"base_z_m = {base[2]:.4f}, base_yaw_rad = {yaw:.4f}"
    )
    return 0


def layout_table(state: WorldState, base: BasePose) -> str:
    """One line per thing: where it lies from the arm's base (cm), and its yaw (deg)."""
    rows = [("thing", "ahead cm", "left cm", "up cm", "yaw deg")]
    things = [
        (name, o.position, math.degrees(yaw_of(o.orientation) - base.yaw))
        for name, o in state.objects.items()
    ]
    things += [(name, s.position, None) for name, s in state.surfaces.items()]
    things += [(f"{name} (hand-over point)", p.position, None) for name, p in state.persons.items()]
    for name, position, turn in things:
        x, y, z = base.to_base(position) * CM_PER_M
        angle = "" if turn is None else f"{(turn + 180) % 360 - 180:.0f}"
        rows.append((name, f"{x:.1f}", f"{y:.1f}", f"{z:.1f}", angle))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )
