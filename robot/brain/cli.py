"""Plan requests with the brain, offline, without running the robot.

    robot plan --scene tea "Pour tea into the red cup."
    robot plan --scene care --json "Bring the water glass to the resident." "..."

With --json, prints exactly one plan JSON object per request, one per line, and
nothing else on stdout. The model is loaded once per call.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.catalogue import scene_names
from core.scenes import scene_spec
from robot.brain.model import DEFAULT_THREADS
from robot.brain.planner import DEFAULT_MODEL_DIR, Planner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scene",
        required=True,
        metavar="FILE_OR_NAME",
        help=f"scene vocabulary: one of {', '.join(scene_names())}, or a scene file",
    )
    parser.add_argument("--json", action="store_true", help="one plan JSON object per line")
    parser.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL_DIR,
        help="model folder (model.onnx + tokenizer.json); default: the committed planner",
    )
    parser.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="onnxruntime intra-op threads"
    )
    parser.add_argument(
        "--no-screen",
        action="store_true",
        help="skip the rule screen (measure the model and validator alone)",
    )
    parser.add_argument("instruction", nargs="+", help="requests, planned in turn")


def run(args: argparse.Namespace) -> int:
    spec = scene_spec(args.scene)
    planner = Planner(args.model, threads=args.threads, use_screen=not args.no_screen)
    for text in args.instruction:
        plan = planner.plan(spec, text).plan
        if args.json:
            sys.stdout.write(json.dumps(plan.to_json_obj(), ensure_ascii=False) + "\n")
        else:
            print(f"> {text}")
            if plan.refused:
                print(f"  refused: {plan.reason}")
            for i, step in enumerate(plan.steps):
                args_text = ", ".join(f"{k}={v}" for k, v in step.args.items())
                print(f"  {i + 1}. {step.skill}({args_text})")
    sys.stdout.flush()
    return 0
