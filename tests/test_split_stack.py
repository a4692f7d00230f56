"""A cell split over processes: layers by host, a request carried out with the brain in
another process over Zenoh, and the arm held when the brain dies mid-skill."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import msgspec
import pytest

from benchmarks.bus import NamespacesUnavailable
from benchmarks.link_loss import ROOT, lose_brain_once, robot, split_launch
from core.errors import ConfigError
from robot.bus_zenoh import free_port
from robot.launch.config import load_launch

EXIT_WITHIN_S = 30.0


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cell.toml"
    path.write_text('[bus]\nbackend = "zenoh"\n' + text)
    return path


@pytest.mark.parametrize(
    ("hosts", "complaint"),
    [
        ('[hosts.a]\nlayers = ["arm", "brain"]\n[hosts.b]\nlayers = ["brain"]', "which 'a' runs"),
        ('[hosts.a]\nlayers = ["brain"]', "give one host the 'arm' layer"),
        ('[hosts.a]\nlayers = ["arm", "world"]', "published by the 'arm' layer"),
        ('[hosts.a]\nlayers = ["arm", "kiosk"]', r"has no \[kiosk\]"),
        ('[hosts.a]\nlayers = ["arm"]\nlisten = ["tcp/arm:99999"]', "hosts.a.listen"),
    ],
)
def test_hosts_are_checked_when_the_file_loads(tmp_path: Path, hosts: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        load_launch(write(tmp_path, hosts))


def test_a_split_cell_needs_the_zenoh_bus(tmp_path: Path) -> None:
    path = tmp_path / "cell.toml"
    path.write_text('[hosts.a]\nlayers = ["arm"]\n')
    with pytest.raises(ConfigError, match="must be 'zenoh'"):
        load_launch(path)


def secure(launch: Path, cell: Path) -> None:
    """The same cell with certificates: mutual TLS, the access list, the arm's host an
    operator's."""
    made = subprocess.run(
        robot("cell", "init", "--cell", "tea", "--host", "arm-pi", "--host", "brain-box",
              "--out", str(cell)),
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    text = launch.read_text().replace("tcp/127.0.0.1:", "tls/localhost:")
    text = text.replace('backend = "zenoh"', f'backend = "zenoh"\ncredentials = "{cell}"')
    launch.write_text(text.replace('layers = ["arm"]', 'layers = ["arm"]\noperator = true'))


@pytest.mark.parametrize("with_certificates", [False, True], ids=["plain", "mutual TLS"])
def test_a_request_runs_with_the_brain_on_another_host(
    tmp_path: Path, with_certificates: bool
) -> None:
    path = split_launch(tmp_path, free_port())
    if with_certificates:
        secure(path, tmp_path / "cell")
    launch = str(path)
    up = subprocess.Popen(robot("up", launch, "--host", "brain-box"), cwd=ROOT)
    try:
        run = subprocess.run(
            robot("run", launch, "--host", "arm-pi", "-i", "Put the blue cup on the tray."),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "SUCCESS: 1/1" in run.stdout
        started = time.monotonic()
        up.send_signal(signal.SIGINT)
        assert up.wait(EXIT_WITHIN_S) == 0
        assert time.monotonic() - started < EXIT_WITHIN_S
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()


def test_robot_up_killed_outright_leaves_no_layer_running(tmp_path: Path) -> None:
    """SIGKILL (the OOM killer) gives `robot up` no time to stop its layers, which run
    in sessions of their own: the kernel sends each its Ctrl-C instead."""
    up = subprocess.Popen(
        robot("up", str(split_launch(tmp_path, free_port())), "--host", "brain-box"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert up.stdout is not None and "runs brain" in up.stdout.readline()
        # The layer shares our stdout: its own line says it joined the bus and runs.
        assert "robot node brain: on host 'brain-box'" in up.stdout.readline()
        children_file = Path(f"/proc/{up.pid}/task/{up.pid}/children")
        layers = [int(pid) for pid in children_file.read_text().split()]
        assert len(layers) == 1  # the brain's layer
    finally:
        up.kill()
        up.wait()
    deadline = time.monotonic() + EXIT_WITHIN_S
    while any(Path(f"/proc/{pid}").exists() and not zombie(pid) for pid in layers):
        assert time.monotonic() < deadline, f"layer processes {layers} outlived robot up"
        time.sleep(0.1)


def zombie(pid: int) -> bool:
    """The process has ended and waits for its parent (here: init) to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_the_arm_holds_and_the_run_ends_when_the_brain_dies_mid_skill(tmp_path: Path) -> None:
    result = lose_brain_once(tmp_path)
    assert result.detail.startswith("lost the brain's link"), result.detail
    assert result.run_exit == 1
    assert "failed" in result.run_output and "went silent" in result.run_output


def test_across_two_network_namespaces_a_cut_link_holds_the_arm(tmp_path: Path) -> None:
    """The arm in one namespace, the brain in another, joined by a veth pair; the
    brain's end is set down mid-skill: no packet says the link is gone."""
    try:
        started = time.monotonic()
        result = lose_brain_once(tmp_path, cut=True)
    except NamespacesUnavailable as err:
        pytest.skip(f"network namespaces cannot be made here: {err}")
    assert result.detail.startswith("lost the brain's link"), result.detail
    assert "ms silent" in result.detail  # noticed by the beats, not by a closed socket
    assert result.run_exit == 1 and "went silent" in result.run_output
    assert time.monotonic() - started < 3 * EXIT_WITHIN_S


def test_the_kiosk_layer_shows_the_camera_frames_of_the_bus(tmp_path: Path) -> None:
    from core.msgs import CameraFrame
    from robot.bus import Bus
    from robot.launch.node_cli import kiosk_nodes
    from robot.node import run_nodes

    launch = load_launch(ROOT / "launch/expo.toml")
    bus = Bus()
    (kiosk,) = kiosk_nodes(kiosk_on_any_port(launch), bus)
    frame = CameraFrame(camera="overview", width=1, height=1, encoding="jpeg", data=b"\xff\xd8jpeg")

    def shown() -> bool:
        if kiosk.serving.is_set():  # type: ignore[attr-defined]
            bus.publish(frame)
        return kiosk.frame() == (frame.data, "image/jpeg")  # type: ignore[attr-defined]

    deadline = time.monotonic() + 10
    run_nodes([kiosk], until=lambda: shown() or time.monotonic() > deadline)
    assert kiosk.frame() == (frame.data, "image/jpeg")  # type: ignore[attr-defined]


def kiosk_on_any_port(launch):
    """The launch with its kiosk on any free port."""

    kiosk = msgspec.structs.replace(launch.kiosk, port=0)
    return msgspec.structs.replace(launch, kiosk=kiosk)


def test_a_twin_arm_with_a_kiosk_elsewhere_publishes_its_camera(tmp_path: Path) -> None:
    from core.msgs import CameraFrame
    from robot.bus import Bus, latest
    from robot.launch.node_cli import build_layer
    from robot.node import run_nodes

    path = tmp_path / "expo_split.toml"
    hosts = (
        '\n[bus]\nbackend = "zenoh"\n'
        '[hosts.arm]\nlayers = ["arm"]\n[hosts.stand]\nlayers = ["kiosk"]\n'
    )
    path.write_text((ROOT / "launch/expo.toml").read_text().replace("[brain]", hosts + "[brain]"))
    bus = Bus()  # the layer's nodes do not care which bus carries their frames
    frames = bus.subscribe(CameraFrame, policy=latest)
    stack = build_layer(load_launch(path), "arm", bus, seed=None)
    try:
        deadline = time.monotonic() + 20
        run_nodes(
            stack.nodes, until=lambda: frames.poll() is not None or time.monotonic() > deadline
        )
        assert time.monotonic() < deadline, "no camera frame from the arm's twin"
    finally:
        stack.close()


def test_the_kiosk_layer_says_once_per_camera_that_it_skips_raw_frames(caplog) -> None:
    from core.msgs import CameraFrame
    from robot.bus import Bus
    from robot.kiosk.cli import show_frame
    from robot.launch.node_cli import kiosk_nodes

    kiosk = kiosk_nodes(kiosk_on_any_port(load_launch(ROOT / "launch/expo.toml")), Bus())[0]
    raw = CameraFrame(camera="wrist", width=1, height=1, encoding="rgb8", data=bytes(3))
    for _ in range(3):
        show_frame(kiosk, raw)  # type: ignore[arg-type]
    assert kiosk.frame() is None  # type: ignore[attr-defined]
    said = [r for r in caplog.records if "raw (rgb8) frames of 'wrist'" in r.getMessage()]
    assert len(said) == 1
