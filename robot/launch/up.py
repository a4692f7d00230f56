"""Start this host's share of a split cell: its bus router and one process per layer.

    robot up launch/tea_split.toml --host arm-pi

The host's Zenoh router faces the network on the endpoints [hosts.NAME] gives (listen,
connect); each layer (`robot node LAYER`) joins it as a client over a Unix socket in a
directory only this user can open (with [bus] credentials, over TLS on loopback with the
host's certificate), so the layers of one host need one port between
them, and what comes from the network passes the router first. Runs until Ctrl-C or
SIGTERM, or until a layer process ends: then the others are stopped too (Ctrl-C to
each, so the arm ends held), and the exit code is not 0 when a layer ended first.
Killed outright (SIGKILL, the OOM killer), it leaves no layer behind: each gets its
Ctrl-C from the kernel.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

from core.errors import ConfigError
from core.processes import end_with_parent
from robot.bus import Bus
from robot.bus_zenoh import ZenohBackend, free_port
from robot.launch.cli import cell_security, host_layers
from robot.launch.config import load_launch

POLL_S = 0.05
STOP_WAIT_S = 5.0
"""How long a layer has to stop after its Ctrl-C before it is killed (s): the arm's
controlled stop may settle a poured vessel first."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("launch", help="a launch file with [hosts]")
    parser.add_argument("--host", required=True, help="which of [hosts] this computer is")
    parser.add_argument("--seed", type=int, help="scene randomisation seed (arm of a twin)")


def layer_command(launch: str, layer: str, host: str, via: str, seed: int | None) -> list[str]:
    command = [sys.executable, "-m", "robot.cli", "node", layer, launch, "--host", host]
    command += ["--via", via]
    return command if seed is None else [*command, "--seed", str(seed)]


def stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """Ctrl-C every layer still running, wait for them, kill the ones that hang."""
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_WAIT_S
    for child in children.values():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run(args: argparse.Namespace) -> int:
    launch = load_launch(args.launch)
    layers = host_layers(launch, args.host)
    if not layers:
        raise ConfigError(f"{args.launch}: host {args.host!r} runs no layer")
    where = launch.hosts[args.host]
    with tempfile.TemporaryDirectory(prefix="robot-up-") as private:
        os.chmod(private, 0o700)  # only this user's processes may join the local bus
        secure = cell_security(launch, args.host)
        # A cell with certificates has only TLS links: the layers present the host's.
        via = (
            f"tls/localhost:{free_port()}"
            if secure
            else f"unixsock-stream/{Path(private) / 'bus.sock'}"
        )
        router = Bus(
            ZenohBackend(
                listen=[*where.listen, via], connect=where.connect, mode="router", **secure
            )
        )
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        ended: tuple[str, int] | None = None
        try:
            for layer in layers:
                command = layer_command(args.launch, layer, args.host, via, args.seed)
                # Own session: a terminal's Ctrl-C reaches only us, and we pass it on to
                # every layer, then wait for them, the router closing last. Killed
                # ourselves, the layers get their Ctrl-C from the kernel instead.
                children[layer] = subprocess.Popen(
                    command,
                    start_new_session=True,
                    preexec_fn=partial(end_with_parent, os.getpid()),
                )
            print(f"robot up: {args.host} runs {', '.join(layers)} (Ctrl-C to stop)", flush=True)
            while not stop.is_set() and ended is None:
                ended = next(
                    ((n, c.returncode) for n, c in children.items() if c.poll() is not None), None
                )
                stop.wait(POLL_S)
        finally:
            stop_all(children)
            router.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if ended is not None:
        print(f"robot up: the {ended[0]} layer ended (exit {ended[1]}); stopped the others",
              file=sys.stderr)  # fmt: skip
        return ended[1] or 1
    return 0
