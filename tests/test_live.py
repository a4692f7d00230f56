"""The live view in Foxglove (robot/live) and the Foxglove channels of recordings."""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import websocket
from foxglove_decode import decoder
from mcap.reader import make_reader

from benchmarks.live_client import collect, connect
from core.catalogue import load_scene
from core.errors import ConfigError
from core.msgs import (
    JointCommand,
    JointState,
    LoopStats,
    Plan,
    PlanStatus,
    SafetyEvent,
    SkillCall,
    Step,
    Utterance,
)
from core.profile import load_profile
from robot.bus import Bus, fifo
from robot.cerebellum.arm_model import ArmModel, BasePose
from robot.cli import main as robot_main
from robot.launch.config import PROJECT_ROOT, load_launch
from robot.live.foxglove_messages import COMMANDED_PREFIX, FoxgloveConverter, thing_shapes
from robot.live.server import LiveView
from robot.live.urdf_frames import UrdfFrames, quat_multiply, rotate
from robot.recording import Recorder
from robot.recording.reader import read_messages
from robot.web_access import WebAccess

PROFILE = load_profile("so101")
BASE = BasePose(0.1, -0.2, 0.75, 0.4)
WAIT_S = 60.0
RATE_WINDOW_S = 2.0
"""The live test collects at least this long (s), to measure the frame trees' rate."""


def converter() -> FoxgloveConverter:
    frames = UrdfFrames.from_file(PROFILE.urdf_path, PROFILE.joint_names)
    return FoxgloveConverter(frames, BASE, {}, time.time_ns() - time.monotonic_ns())


def compose(transforms, to: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The pose of frame `to` in `world`, chaining parent -> child transforms."""
    by_child = {t.child_frame_id: t for t in transforms}
    chain = []
    frame = to
    while frame in by_child:
        chain.append(by_child[frame])
        frame = by_child[frame].parent_frame_id
    assert frame == "world", frame
    position, rotation = (0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0)
    for t in reversed(chain):
        step = (t.translation.x, t.translation.y, t.translation.z)
        position = tuple(p + r for p, r in zip(position, rotate(rotation, step), strict=True))
        q = (t.rotation.x, t.rotation.y, t.rotation.z, t.rotation.w)
        rotation = quat_multiply(rotation, q)
    return position, rotation


# -- the frame tree ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_the_frame_tree_puts_the_tool_where_the_arms_kinematics_do(seed: int) -> None:
    """Chained, the transforms Foxglove gets place the tool frame where the cerebellum's
    forward kinematics (checked against PyBullet) does, base pose included."""
    model = ArmModel.from_profile(PROFILE, BASE)
    rng = np.random.default_rng(seed)
    q = tuple(float(rng.uniform(max(j.lower, -2.0), min(j.upper, 2.0))) for j in PROFILE.joints)
    schema = FrameTransformsSchema()
    msg = schema(converter().transforms(JointState(position=q), "").encode())
    position, _ = compose(msg.transforms, "gripper_frame")
    expected = model.tool_pose(q)[:3, 3]
    assert np.allclose(position, expected, atol=1e-9), (position, expected)


def FrameTransformsSchema():
    from foxglove.messages import FrameTransforms

    schema = FrameTransforms.get_schema()
    return decoder(schema.name, schema.data)


def test_commanded_joints_make_a_second_tree_under_its_prefix() -> None:
    decode = FrameTransformsSchema()
    conv = converter()
    [(topic, msg)] = conv.convert(JointCommand(position=(0.3,) * len(PROFILE.joints)))
    frames = decode(msg.encode()).transforms
    assert topic == "/tf_commanded"
    assert frames[0].parent_frame_id == "world"
    assert all(f.child_frame_id.startswith(COMMANDED_PREFIX) for f in frames)
    children = {f.child_frame_id.removeprefix(COMMANDED_PREFIX) for f in frames}
    assert {"base_link", "gripper_link", "moving_jaw_link", "gripper_frame"} <= children


def test_a_urdf_without_a_profile_joint_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match="no moving joint"):
        UrdfFrames(PROFILE.urdf_path.read_text(), (*PROFILE.joint_names, "elbow_twist"))


def test_round_vessels_are_drawn_as_cylinders_of_their_size() -> None:
    shapes = thing_shapes(load_scene("tea").things)
    assert shapes["cup_red"].cylinder and 0.03 < shapes["cup_red"].width_m < 0.2


# -- access ----------------------------------------------------------------------------


def serve(bus: Bus, **kwargs) -> LiveView:
    view = LiveView(bus, converter(), port=0, **kwargs)
    view.start()
    assert view.serving.wait(10), view.failure
    return view


def test_serves_on_loopback_by_default(no_thread_left: None) -> None:
    from robot.launch.config import LiveSection

    assert LiveSection().host == "127.0.0.1"
    view = serve(Bus())
    try:
        assert view._gate is not None
        assert view._gate._listener.getsockname()[0] == "127.0.0.1"
        assert view.url.startswith("ws://127.0.0.1:")
    finally:
        view.stop()


def handshake_status(url: str, headers: dict[str, str]) -> int:
    try:
        connect(url, headers).close()
    except websocket.WebSocketBadStatusException as err:
        return err.status_code
    return 101


def test_refuses_other_hosts_origins_and_a_missing_token(no_thread_left: None) -> None:
    access = WebAccess.of(
        ["robot.local"], token="s3cret", origins=["https://app.foxglove.dev"], what="live view"
    )
    view = serve(Bus(), access=access)
    url = view.url
    port = view.port
    try:
        with_token = f"{url}?token=s3cret"
        assert handshake_status(url, {}) == 403  # no token
        assert handshake_status(f"{url}?token=wrong", {}) == 403
        assert handshake_status(with_token, {}) == 101
        assert handshake_status(url, {"X-Live-Token": "s3cret"}) == 101
        assert handshake_status(with_token, {"Host": "robot.local"}) == 101
        assert handshake_status(with_token, {"Host": "evil.example"}) == 403  # rebinding
        assert handshake_status(with_token, {"Origin": "http://evil.example"}) == 403
        assert handshake_status(with_token, {"Origin": f"http://127.0.0.1:{port}"}) == 101
        assert handshake_status(with_token, {"Origin": "https://app.foxglove.dev"}) == 101
    finally:
        view.stop()


def test_a_live_view_off_loopback_without_a_token_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "open.toml"
    path.write_text('[live]\nhost = "0.0.0.0"\n')
    with pytest.raises(ConfigError, match=r"live\.token"):
        load_launch(path)
    path.write_text('[live]\norigins = ["app.foxglove.dev"]\n')
    with pytest.raises(ConfigError, match=r"live\.origins"):
        load_launch(path)


# -- a short sim run, watched -----------------------------------------------------------

EXPECTED = {
    "/tf",
    "/tf_commanded",
    "/scene",
    "/camera/overview",
    "/log",
    "/robot_description",
    "JointState",
    "JointCommand",
    "LoopStats",
    "SkillStatus",
    "Plan",
    "PlanStatus",
    "Utterance",
    "SafetyEvent",
}


def test_a_client_receives_every_channel_of_a_sim_run(no_thread_left: None) -> None:
    """The twin paced to the wall clock, its camera fed to the view, a skill running; the
    brain's messages published as the brain would. A client subscribed to everything
    receives each channel, the frame trees at >= 30 Hz."""
    from robot.camera_feed import CameraFeed
    from robot.cerebellum.sim_node import SimCerebellum
    from robot.limbs.twin import TwinLimb
    from sim.scenes import build_scene
    from sim.world import World

    bus = Bus()
    states = bus.subscribe(JointState, policy=fifo(100_000))
    with World() as world:
        scene = build_scene(world, "tea", seed=0)
        base = BasePose(*load_scene("tea").file.arm_base_m)
        model = ArmModel.from_profile(scene.arm.profile, base)
        world.add_step_hook(CameraFeed(bus, scene, fps=5.0).on_step)
        arm = SimCerebellum(
            bus, model, TwinLimb(scene.arm), world.step, world.time_step, scene.state, realtime=True
        )
        view = serve(bus)
        stop = threading.Event()

        def brain() -> None:  # until the client has them: a live view drops the past
            while not stop.wait(0.2):
                plan = bus.publish(Plan(instruction="tea", steps=(Step("go_home"),)))
                bus.publish(PlanStatus(plan_seq=plan.seq, state="running", step_count=1))
                bus.publish(Utterance(text="Coming."))
                bus.publish(SafetyEvent(kind="separation_slow", severity="info"))

        talker = threading.Thread(target=brain)
        arm.start()
        talker.start()
        try:
            bus.publish(SkillCall(plan_seq=1, index=0, step=Step("pick", {"object": "cup_red"})))
            got = collect(view.url, WAIT_S, until=EXPECTED, min_seconds=RATE_WINDOW_S)
        finally:
            stop.set()
            talker.join()
            arm.stop()
            view.stop()
    assert arm.failure is None and view.failure is None
    missing = EXPECTED - set(got.messages)
    assert not missing, f"never received: {sorted(missing)}"
    channels = {c["topic"]: c for c in got.channels.values()}
    decode = decoder("foxglove.FrameTransforms", base64.b64decode(channels["/tf"]["schema"]))
    frames = decode(got.messages["/tf"][-1][1]).transforms
    assert {"base_link", "gripper_frame"} <= {f.child_frame_id for f in frames}
    urdf = json.loads(got.messages["/robot_description"][0][1])["data"]
    assert "<robot" in urdf
    stats = json.loads(got.messages["LoopStats"][0][1])
    assert stats["sched_policy"] == "lockstep" and stats["ticks"] > 0
    # Rate: the frame trees received over the collection (at least RATE_WINDOW_S), at
    # >= 30 Hz, unless the twin itself published fewer joint states (a loaded machine
    # slows its physics): then the view must pass on nearly every one.
    arrivals = got.arrivals["/tf"]
    span = arrivals[-1] - arrivals[0]
    assert span >= RATE_WINDOW_S / 2, span
    first_ns, last_ns = int(arrivals[0] * 1e9), int(arrivals[-1] * 1e9)
    published = sum(first_ns <= s.stamp_ns <= last_ns for s in iter(states.poll, None))
    received_hz, published_hz = (len(arrivals) - 1) / span, published / span
    assert received_hz >= min(30.0, 0.9 * published_hz), (received_hz, published_hz)


# -- recordings --------------------------------------------------------------------------


def test_a_recording_holds_the_foxglove_channels_beside_ours(tmp_path: Path) -> None:
    path = tmp_path / "run.mcap"
    bus = Bus()
    recorder = Recorder(bus, path, [JointState, JointCommand, LoopStats], foxglove=converter())
    recorder.start()
    q = tuple(0.1 * i for i in range(len(PROFILE.joints)))
    for _ in range(3):
        state = bus.publish(JointState(position=q))
        bus.publish(JointCommand(position=q, stamp_ns=state.stamp_ns))
    recorder.stop()
    with path.open("rb") as f:
        schemas = {
            c.topic: s.name
            for s, c, _ in make_reader(f).iter_messages(topics=["/tf", "/tf_commanded"])
        }
    assert schemas == {
        "/tf": "foxglove.FrameTransforms",
        "/tf_commanded": "foxglove.FrameTransforms",
    }
    # Our reader keeps to our own messages.
    assert {r.topic for r in read_messages(path)} == {"JointState", "JointCommand"}


def test_robot_run_record_replays_the_arm_measured_and_commanded(tmp_path: Path) -> None:
    """An MCAP from `robot run --record`: Foxglove's frame trees, measured and commanded,
    the URDF, and the sim's LoopStats, all decodable with the mcap library's reader."""
    path = tmp_path / "run.mcap"
    launch = PROJECT_ROOT / "launch" / "tea_sim.toml"
    robot_main(["run", str(launch), "-i", "Pick up the red cup.", "--record", str(path)])
    found: dict[str, list] = {}
    with path.open("rb") as f:
        for schema, channel, message in make_reader(f).iter_messages():
            found.setdefault(channel.topic, []).append((schema, message))
    for topic in ("/tf", "/tf_commanded"):
        schema, message = found[topic][-1]
        assert schema.name == "foxglove.FrameTransforms"
        frames = decoder(schema.name, schema.data)(message.data).transforms
        prefix = COMMANDED_PREFIX if topic == "/tf_commanded" else ""
        assert f"{prefix}gripper_frame" in {t.child_frame_id for t in frames}
        assert len(found[topic]) >= 50  # a simulated second at least, every 10 ms
    stats = json.loads(found["LoopStats"][0][1].data)
    assert stats["ticks"] == 1000 and math.isclose(stats["period_us"], 1000.0)
    urdf = json.loads(found["/robot_description"][0][1].data)["data"]
    assert 'name="so101"' in urdf or "<robot" in urdf


# -- the layout ------------------------------------------------------------------------------


def test_the_shipped_layout_is_the_one_the_code_builds() -> None:
    from robot.live.layout import layout_json

    shipped = (PROJECT_ROOT / "deploy" / "foxglove-layout.json").read_text()
    assert shipped == layout_json(), (
        "run: python -m robot.live.layout > deploy/foxglove-layout.json"
    )
    text = json.loads(shipped)
    flat = json.dumps(text)
    for topic in ("/robot_description", "/scene", "/camera/overview", "/log", "LoopStats"):
        assert topic in flat


def test_a_live_section_makes_the_kiosk_serve_the_view_too(tmp_path: Path) -> None:
    """`robot kiosk` with `[live]` in its launch file: the view beside the page, the
    twin's arm and camera on it."""
    from robot.kiosk.cli import build_kiosk
    from robot.node import run_nodes

    path = tmp_path / "expo_live.toml"
    path.write_text((PROJECT_ROOT / "launch" / "expo.toml").read_text() + "\n[live]\nport = 0\n")
    served = build_kiosk(load_launch(path), port=0)
    view = next(n for n in served.nodes if isinstance(n, LiveView))
    done = threading.Event()
    runner = threading.Thread(target=run_nodes, args=(served.nodes, done.is_set), daemon=True)
    runner.start()
    try:
        assert view.serving.wait(20), view.failure
        got = collect(view.url, WAIT_S, until={"/tf", "/tf_commanded", "/camera/overview"})
    finally:
        done.set()
        runner.join(10)
        served.close()
    assert {"/tf", "/tf_commanded", "/camera/overview"} <= set(got.messages)


def test_a_perceiving_camera_shows_its_frames_to_the_view() -> None:
    """On hil and serial cells the camera is the perception process's: each frame it
    searched comes back as a JPEG, published as a `CameraFrame` the view converts."""
    import io

    from PIL import Image

    from core.msgs import CameraFrame
    from robot.node import run_nodes
    from robot.perception.node import PerceivedWorld
    from robot.perception.process import CameraSpec, PerceptionProcess, scene_layout
    from sim.scenes import build_scene
    from sim.world import World

    with World() as world:
        scene = build_scene(world, "tea", seed=0)
        truth, joints = scene.state(), scene.arm.state()[0]
    bus = Bus()
    frames = bus.subscribe(CameraFrame, policy=fifo(16))
    description = load_scene("tea")
    layout = scene_layout(description)
    camera = PerceptionProcess(CameraSpec("twin", "tea", 0))
    arm = ArmModel.from_profile(PROFILE, BasePose())
    node = PerceivedWorld(
        bus, camera, lambda: layout, arm, description.things, lambda: (truth, joints)
    )
    got: list[CameraFrame] = []

    def shown() -> bool:
        if (frame := frames.poll()) is not None:
            got.append(frame)
        return bool(got) or time.monotonic() > deadline

    deadline = time.monotonic() + WAIT_S
    run_nodes([node], until=shown)
    assert got, f"no CameraFrame from {node.frames} frames searched"
    frame = got[0]
    assert frame.camera == "side" and frame.encoding == "jpeg"
    assert Image.open(io.BytesIO(frame.data)).size == (frame.width, frame.height) == (480, 360)
    converted = converter().convert(frame)
    assert [topic for topic, _ in converted] == ["/camera/side"]


def test_a_taken_port_is_one_line_naming_it() -> None:
    import socket

    from robot.node import NodeFailed, run_nodes

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        view = LiveView(Bus(), converter(), port=port)
        with pytest.raises(NodeFailed, match=rf"cannot listen on 127\.0\.0\.1:{port} \(\[live\]"):
            run_nodes([view], until=lambda: False)
