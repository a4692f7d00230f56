"""The expo kiosk on the serial path (launch/expo_hil.toml): the page shows what the
camera perception looks through sees, and a visitor's request moves the arm through the
virtual servo bus, judged by the world the camera saw."""

from __future__ import annotations

import threading

import cv2
import numpy as np
from test_kiosk import call, events_until, wait_for

from robot.kiosk.cli import build_kiosk
from robot.launch.config import PROJECT_ROOT, load_launch
from robot.node import run_nodes

START_S = 90.0
"""Spawning the twin's world, the loop's, the planner's and the camera's processes."""
REQUEST_S = 150.0
"""A pick and place in real time, with the camera re-seeing the cup first."""


def test_the_hil_kiosk_shows_the_cameras_picture_and_carries_out_a_request() -> None:
    served = build_kiosk(load_launch(PROJECT_ROOT / "launch" / "expo_hil.toml"), port=0)
    done = threading.Event()
    runner = threading.Thread(target=run_nodes, args=(served.nodes, done.is_set), daemon=True)
    runner.start()
    try:
        assert served.kiosk.serving.wait(START_S)
        url = served.kiosk.url
        _, body = wait_for(
            lambda: (answer := call(url + "frame"))[0] == 200 and answer, START_S, "a frame"
        )
        image = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape == (360, 480, 3)  # the side camera's picture, scaled to the page
        assert call(url + "instruction", {"text": "Put the blue cup on the tray."})[0] == 200
        ended = ("succeeded", "failed", "refused")
        events = events_until(
            served.kiosk,
            lambda seen: any(e["type"] == "plan_status" and e["state"] in ended for e in seen),
            REQUEST_S,
        )
        plans = [e for e in events if e["type"] == "plan_status" and e["state"] in ended]
        assert plans[0]["state"] == "succeeded", "\n".join(map(str, events))
        assert runner.is_alive()
    finally:
        done.set()
        runner.join(20)
        served.close()
