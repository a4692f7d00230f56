"""Run a launch file: brain, cerebellum and limbs as nodes on the bus, one request after
another, and leave a report (and, on request, a recording, a video and a plot).

    robot run launch/tea_sim.toml --instruction "Bring the guest a cup of tea." \\
        --report out/report.json --record out/run.mcap --video out/run.gif

Exits 0 only when every instruction succeeded, judged from the world (or was refused
with nothing moved), and no liquid landed on a person.

When a part of the stack fails (a cut port, a dead loop, a hung planner), the run
ends with one line naming what failed first and what to do, exit code 1, and the
report is still written: the instructions done, the one interrupted and why, those
not started. Ctrl-C stops the arm (held, not limp) and ends the run within a second
(a second Ctrl-C stops waiting for the children).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from core.errors import ConfigError, RobotError
from core.msgs import MESSAGE_TYPES
from robot import debug_log
from robot.bus import Bus
from robot.launch.config import LAYERS, Launch, Layer, LiveSection, load_launch
from robot.launch.operator import InstructionRecord, Operator
from robot.launch.report import build_report
from robot.launch.speak import Speaker
from robot.launch.stack import build_stack
from robot.link import LINK_BEAT_S, LinkWatch
from robot.node import Node, run_nodes
from robot.recording import Recorder

VIDEO_FPS = 8.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("launch", help="a launch file, e.g. launch/tea_sim.toml")
    parser.add_argument(
        "--instruction", "-i", action="append", help="a request (repeatable; default: the file's)"
    )
    parser.add_argument("--report", metavar="FILE", help="write the run report (JSON)")
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="record every topic to MCAP, with the arm, scene and log in Foxglove's schemas",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="serve a live view to Foxglove (the file's [live], else ws://127.0.0.1:8765)",
    )
    parser.add_argument("--video", metavar="FILE", help="write a GIF of the overview camera")
    parser.add_argument(
        "--dataset",
        metavar="DIR",
        help="write the run as a LeRobot dataset, an episode per request (sim; docs/datasets.md)",
    )
    parser.add_argument("--plot", metavar="FILE", help="plot joint motion and limits (PNG)")
    parser.add_argument("--gui", action="store_true", help="show the PyBullet window")
    parser.add_argument("--seed", type=int, help="scene randomisation seed (default: the file's)")
    parser.add_argument(
        "--realtime", action="store_true", help="pace the simulation to the wall clock"
    )
    parser.add_argument(
        "--host",
        help="a split cell's computer (launch [hosts]): run only its layers here; the "
        "others run elsewhere (`robot up`)",
    )
    parser.add_argument(
        "--speak",
        action="store_true",
        help="speak what the robot says through espeak-ng (with --realtime, in time)",
    )


def make_bus(launch: Launch, host: str | None = None, *, via: str | None = None) -> Bus:
    """The bus of `launch`: in-process, or Zenoh on the endpoints of [bus], or of `host`
    (a split cell's computer), or as a client of this host's router at `via` (a layer
    process under `robot up`)."""
    section = launch.bus
    if section.backend != "zenoh":
        return Bus()
    from robot.bus_zenoh import ZenohBackend

    secure = cell_security(launch, host)
    if via is not None:
        return Bus(ZenohBackend(connect=[via], mode="client", **secure))
    if host is not None:
        where = launch.hosts[host]
        return Bus(ZenohBackend(listen=where.listen, connect=where.connect, **secure))
    return Bus(ZenohBackend(listen=section.listen, connect=section.connect, **secure))


def cell_security(launch: Launch, host: str | None) -> dict[str, Any]:
    """`host`'s certificates and the cell's access list, when [bus] credentials names
    them; ZenohBackend's keywords."""
    if not launch.bus.credentials:
        return {}
    from robot.bus_security import Acl
    from robot.cell.certificates import Credentials

    if host is None:
        raise ConfigError(f"{launch.path}: with [bus] credentials, say which host this is")
    brain = launch.host_of("brain")
    return {
        "credentials": Credentials.for_host(launch.resolve(launch.bus.credentials), host),
        "acl": Acl.for_cell(
            brain=[brain] if brain else [], operators=launch.operators(), members=launch.hosts
        ),
    }


def host_layers(launch: Launch, host: str | None) -> tuple[Layer, ...]:
    """The layers `host` runs (every layer without a host); names the hosts there are."""
    if host is None:
        return LAYERS
    if host not in launch.hosts:
        known = ", ".join(launch.hosts) or "none: the file has no [hosts]"
        raise ConfigError(f"{launch.path}: no host {host!r} in [hosts] (hosts: {known})")
    return tuple(launch.hosts[host].layers)


@dataclass
class _Shown:
    plans: int = 0
    statuses: dict[int, str] = field(default_factory=dict)
    judged: bool = False


class Progress:
    """Prints each instruction, its plans, and its steps as they start and end."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self._shown: dict[int, _Shown] = {}

    def __call__(self, record: InstructionRecord) -> None:
        shown = self._shown.get(id(record))
        if shown is None:
            shown = self._shown[id(record)] = _Shown()
            self._print(f'\n> "{record.instruction}"')
        plans = [record.plan, *record.replans] if record.plan is not None else []
        for attempt, plan in enumerate(plans[shown.plans :], start=shown.plans):
            label = f"replan {attempt}" if attempt else "plan"
            if plan.refused:
                self._print(f"  {label}: refused: {plan.reason}")
            else:
                self._print(f"  {label}: " + " -> ".join(_describe(s) for s in plan.steps))
        shown.plans = len(plans)
        for i, step in enumerate(record.steps):
            if step.status == "pending" or shown.statuses.get(i) == step.status:
                continue
            shown.statuses[i] = step.status
            took = ""
            if step.t_start is not None and step.t_end is not None:
                took = f" ({step.t_end - step.t_start:.1f} s)"
            why = f": {step.reason}" if step.reason else ""
            where = f"[{i + 1}/{len(record.steps)}]"
            self._print(f"  {where} {_describe(step)} {step.status}{took}{why}")
        if record.after is not None and not shown.judged:
            shown.judged = True
            verdict = "SUCCESS" if record.success else f"FAILED ({record.reason})"
            self._print(f"  => {verdict}, judged by the {record.judged_by}")

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _describe(step: object) -> str:
    args = getattr(step, "args", {})
    return f"{step.skill}({', '.join(args.values())})"  # type: ignore[attr-defined]


BRAIN_WAIT_S = 60.0
"""How long `robot run --host` waits for a brain on another host to beat (s)."""


GONE_GRACE_S = 2.0
"""How long the run goes on after the brain is lost (s): long enough for the arm's own
watch to stop the skill and say why, which ending the run at once would pre-empt. The
watch is checked between skill updates, and one that searches its IK may take a second
(the arm holds still meanwhile: a new motion segment starts only once it is planned)."""


def _gone(brain: LinkWatch | None) -> bool:
    return brain is not None and brain.lost() and brain.silent_for_s() >= GONE_GRACE_S


def wait_for_brain(watch: LinkWatch, launch: Launch) -> None:
    """Wait until `watch` (the arm's on the brain) hears the brain: a request sent before
    it listens is lost."""
    where = launch.host_of("brain")
    print(f"waiting for the brain (host {where!r}) ...", flush=True)
    deadline = time.monotonic() + BRAIN_WAIT_S
    while not watch.heard:
        if time.monotonic() > deadline:
            raise RobotError(
                f"no brain heard within {BRAIN_WAIT_S:.0f} s: is `robot up "
                f"{launch.path} --host {where}` running, and its bus connected to this one?"
            )
        time.sleep(LINK_BEAT_S)


def run(args: argparse.Namespace) -> int:
    launch: Launch = load_launch(args.launch)
    instructions = args.instruction or launch.instructions
    if not instructions:
        raise ConfigError(f"{args.launch}: no instructions: give --instruction or `instructions`")
    layers = host_layers(launch, args.host)
    if "arm" not in layers:
        raise ConfigError(
            f"{args.launch}: host {args.host!r} runs no 'arm': run requests where the arm is, "
            "whose world judges them"
        )
    bus = make_bus(launch, args.host)
    try:
        live = launch.live or (LiveSection() if args.live else None)
        stack = build_stack(
            launch,
            bus,
            seed=args.seed,
            gui=args.gui,
            realtime=args.realtime,
            layers=layers,
        )
    except BaseException:
        bus.close()
        raise
    video = None
    dataset = None
    try:
        if args.video:
            if stack.scene is None or stack.add_step_hook is None:
                raise ConfigError(f"--video needs a simulated world; {args.launch} has none")
            from sim.video import Recorder as VideoRecorder

            video = VideoRecorder(stack.scene, fps=VIDEO_FPS)
            stack.add_step_hook(video.on_step)
        if args.dataset:
            if stack.scene is None or stack.add_step_hook is None:
                raise ConfigError(f"--dataset needs a simulated world; {args.launch} has none")
            from robot.dataset.run_tap import RunTap

            dataset = RunTap(bus, stack.scene, Path(args.dataset + ".parts"))
            stack.add_step_hook(dataset.on_step)
        nodes: list[Node] = []
        if args.record:
            from robot.live.setup import converter_for

            foxglove = converter_for(launch, stack.base)
            nodes.append(Recorder(bus, args.record, MESSAGE_TYPES, foxglove=foxglove))
        if live is not None:
            from robot.live.setup import live_view

            view = live_view(launch, bus, stack, live)
            nodes.append(view)
            print(f"live view: {view.url} (Foxglove: open connection, Foxglove WebSocket)")
        if args.speak and (speaker := Speaker.find(bus)) is not None:
            nodes.append(speaker)
        operator = Operator(
            bus,
            launch.scene.name,
            instructions,
            stack.sim_time_s,
            max_replans=launch.brain.max_replans,
            has_world=stack.world_state is not None,
            on_change=Progress(),
        )
        brain = stack.brain_link
        if brain is not None:
            wait_for_brain(brain, launch)
        wall_start = time.monotonic()
        failure: RobotError | None = None
        try:
            run_nodes([*nodes, *stack.nodes], until=lambda: operator.poll() or _gone(brain))
        except RobotError as err:  # a node failed, or did not start: report what was done
            failure = err
        if failure is None and _gone(brain):
            failure = RobotError(f"the brain (host {launch.host_of('brain')!r}) went silent")
        wall_time_s = time.monotonic() - wall_start
        if not operator.done:
            why = str(failure) if failure is not None else "the run was stopped (Ctrl-C)"
            operator.interrupt(why)
        report = build_report(
            operator.records,
            stack.world_state() if stack.world_state is not None else None,
            sim_time_s=stack.sim_time_s(),
            wall_time_s=wall_time_s,
            spilled=stack.spilled(),
            on_person=stack.on_person(),
        )
        if failure is not None or not operator.done:
            report["success"] = False
    finally:
        stack.close()
        bus.close()
    _write_outputs(args, report, video, launch)
    if dataset is not None:
        from core.profile import load_profile

        profile = load_profile(launch.robot.profile)
        count = dataset.write(args.dataset, [j.name for j in profile.joints], profile.robot.name)
        print(f"dataset:   {args.dataset} ({count} episodes)")
    print(
        f"\n{'SUCCESS' if report['success'] else 'FAILED'}: "
        f"{sum(r['success'] for r in report['instructions'])}/{len(report['instructions'])} "
        f"instructions, {report['sim_time_s']:.1f} s simulated in {wall_time_s:.1f} s, "
        f"{report['spilled']} particles spilled"
    )
    if brain is not None:
        print(
            f"the brain's link: longest silence {brain.longest_silence_s * 1e3:.0f} ms while "
            f"linked (the arm stops at {brain.lost_after_s * 1e3:.0f} ms)"
        )
    if failure is not None:
        print(f"robot run: {failure} ({debug_log.where()})", file=sys.stderr)
    return 0 if report["success"] else 1


def _write_outputs(args: argparse.Namespace, report: dict, video: object, launch: Launch) -> None:
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"report:    {args.report}")
    if args.record:
        print(f"recording: {args.record}")
    if video is not None and video.frames:  # type: ignore[attr-defined]
        video.save(args.video)  # type: ignore[attr-defined]
        print(f"video:     {args.video}")
    if args.plot:
        if not args.record:
            raise ConfigError("--plot draws from the recording: give --record too")
        from core.profile import load_profile
        from robot.launch.plot import plot_joints

        plot_joints(args.record, load_profile(launch.robot.profile), args.plot)
        print(f"plot:      {args.plot}")
