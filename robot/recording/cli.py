"""Inspect or replay an MCAP recording made by `robot run --record`.

robot replay FILE --info          channels, message counts, duration
robot replay FILE [--speed X]     print every message as a JSON line, paced

A corrupt file shows (or prints) what is readable before the corruption, then fails
with one line saying where it is.
"""

from __future__ import annotations

import argparse
import math
import sys

from core.msgs import encode_json
from robot.recording.reader import read_info, read_messages
from robot.recording.replay import paced


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="an .mcap recording")
    parser.add_argument("--info", action="store_true", help="print channels, counts, duration")
    parser.add_argument(
        "--speed", type=float, default=math.inf, help="pace of printing (1 = recorded pace)"
    )
    parser.add_argument("--topic", action="append", help="only this topic key (repeatable)")


def run(args: argparse.Namespace) -> int:
    if args.info:
        info = read_info(args.file)
        print(f"file:     {info.path}")
        print(f"duration: {info.duration_s:.3f} s")
        if info.corruption:
            print(f"complete: no (corrupt {info.corruption}; read up to there)")
        elif info.complete:
            print("complete: yes")
        else:
            print("complete: no (cut off; read up to the last chunk)")
        print(f"{'channel':<32} {'type':<24} {'messages':>9}")
        for topic, count in sorted(info.counts.items()):
            print(f"{topic:<32} {info.schemas[topic]:<24} {count:>9}")
        print(f"{'total':<32} {'':<24} {info.messages:>9}")
        if info.corruption:
            raise info.error()
        return 0
    topics = set(args.topic) if args.topic else None
    out = sys.stdout.buffer
    for rec in paced(read_messages(args.file, topics), args.speed):
        head = f'{{"topic":"{rec.topic}","message":'.encode()
        out.write(head + encode_json(rec.message) + b"}\n")
    out.flush()
    return 0
