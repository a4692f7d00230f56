"""Run one layer of a split cell in this process, on the cell's Zenoh bus.

    robot node brain launch/tea_split.toml              # on the brain's computer
    robot node arm launch/tea_split.toml --host arm-pi  # on the arm's

The launch file's [hosts] say which computer runs which layer and on which endpoints
its bus listens and connects; the layer's host is found from them unless `--host`
names it. `robot up LAUNCH --host NAME` starts every layer of a host this way, each in
its own process. Runs until Ctrl-C (or SIGTERM), then stops within a second; the arm
ends held.

A layer process beats on its link (robot/link.py): the arm holds when the brain goes
silent during a skill, and the brain ends its request when the arm does.
"""

from __future__ import annotations

import argparse
import logging
import sys

from core.errors import ConfigError
from robot.bus import Bus
from robot.kiosk.cli import make_kiosk, tap_camera
from robot.launch.cli import host_layers, make_bus
from robot.launch.config import LAYERS, Launch, Layer, load_launch
from robot.launch.stack import Stack, build_stack
from robot.node import Node, run_nodes

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("layer", choices=LAYERS, help="the layer to run")
    parser.add_argument("launch", help="a launch file with [hosts]")
    parser.add_argument("--host", help="the computer this is (default: the layer's host)")
    parser.add_argument(
        "--via",
        metavar="ENDPOINT",
        help="join the bus as a client of this host's router (set by `robot up`)",
    )
    parser.add_argument("--seed", type=int, help="scene randomisation seed (arm of a twin)")


def layer_host(launch: Launch, layer: Layer, host: str | None) -> str:
    """The host that runs `layer`, checked against [hosts]."""
    if not launch.hosts:
        raise ConfigError(
            f"{launch.path}: no [hosts]: every layer runs in `robot run` (or `robot kiosk`)"
        )
    owner = launch.host_of(layer)
    host = host or owner
    if host is None:
        raise ConfigError(f"{launch.path}: no host runs the {layer!r} layer")
    if layer not in host_layers(launch, host):
        raise ConfigError(f"{launch.path}: host {host!r} does not run {layer!r} (see [hosts])")
    return host


def kiosk_nodes(launch: Launch, bus: Bus) -> list[Node]:
    """The kiosk alone: its page, fed from the bus (camera frames included)."""
    return [make_kiosk(launch, bus)]


def build_layer(launch: Launch, layer: Layer, bus: Bus, seed: int | None) -> Stack:
    """The nodes of one layer (not started)."""
    if layer == "kiosk":
        return Stack(nodes=kiosk_nodes(launch, bus), sim_time_s=lambda: 0.0)
    # The twin is paced to the wall clock when people watch it from a kiosk.
    realtime = launch.host_of("kiosk") is not None
    stack = build_stack(launch, bus, seed=seed, realtime=realtime, layers=(layer,))
    if realtime:
        tap_camera(stack, bus)
    return stack


def run(args: argparse.Namespace) -> int:
    launch = load_launch(args.launch)
    host = layer_host(launch, args.layer, args.host)
    bus = make_bus(launch, host, via=args.via)
    try:
        stack = build_layer(launch, args.layer, bus, args.seed)
    except BaseException:
        bus.close()
        raise
    said: list[bool] = []

    def say_running() -> bool:
        # From inside run_nodes, whose Ctrl-C handling is in place by then: a parent
        # that reads this line and is killed at once (robot up's layers get its
        # Ctrl-C from the kernel) stops this layer cleanly.
        if not said:
            said.append(True)
            print(f"robot node {args.layer}: on host {host!r}, Ctrl-C to stop", flush=True)
        return False

    try:
        run_nodes(stack.nodes, until=say_running)
    finally:
        stack.close()
        bus.close()
    print(f"robot node {args.layer}: stopped", file=sys.stderr, flush=True)
    return 0
