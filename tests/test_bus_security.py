"""Only the cell's peers speak on its bus, and only listed hosts call skills or release a stop.

Each "nothing arrived" check runs beside one that shows the same sender getting through
when the guard in question is absent (another certificate, no ACL): a silent link alone
would otherwise pass.
"""

from __future__ import annotations

import argparse
import json
import stat
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import zenoh
from cryptography import x509
from cryptography.x509.oid import NameOID
from polling import eventually

from core.errors import BusError, ConfigError, ReceiveTimeout
from core.msgs import (
    ESTOP_RELEASE,
    CameraFrame,
    EStop,
    JointState,
    Message,
    SkillCall,
    Step,
    encode_msgpack,
)
from robot.bus import Bus, Subscription, fifo
from robot.bus_security import Acl, configure
from robot.bus_zenoh import ZenohBackend, free_port
from robot.cell.certificates import Credentials, make_cell
from robot.cell.cli import add_arguments, run

CELL_HOSTS = ["arm", "brain", "kiosk", "mallory"]
"""mallory has the cell's certificate but is on no list: a compromised or stray host."""
ACL = Acl.for_cell(brain=["brain"], operators=["kiosk"])
LINK_TIMEOUT_S = 5.0
"""Enough for two peers on loopback to link and a message to arrive (TLS handshake)."""
SILENCE_S = 1.0
"""How long a refused sender keeps trying: several times what a granted one needs here."""
QUEUE = 100

FRAME = CameraFrame(camera="overview", width=1, height=1, encoding="rgb8", data=b"\x00\x00\x00")
CALL = SkillCall(plan_seq=1, index=0, step=Step("go_home"))
ENGAGE = EStop(engaged=True, source="test")
RELEASE = EStop(engaged=False, source="test")


@pytest.fixture(scope="module")
def cell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cell")
    make_cell(directory, "test", CELL_HOSTS)
    return directory


@pytest.fixture(scope="module")
def other_cell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another cell's CA, with a host named like one of ours: the name alone proves nothing."""
    directory = tmp_path_factory.mktemp("other")
    make_cell(directory, "other", ["brain"])
    return directory


def tls_endpoint() -> str:
    return f"tls/127.0.0.1:{free_port()}"


@pytest.fixture
def buses() -> Iterator[Callable[..., Bus]]:
    """Make buses of cell hosts; all closed at the end."""
    opened: list[Bus] = []

    def make(cell: Path, host: str, *, acl: Acl | None = ACL, **endpoints: list[str]) -> Bus:
        bus = Bus(ZenohBackend(credentials=Credentials.for_host(cell, host), acl=acl, **endpoints))
        opened.append(bus)
        return bus

    yield make
    for bus in reversed(opened):
        bus.close()


def keep_doing(action: Callable[[], object], duration: float) -> None:
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        action()
        time.sleep(0.02)


until = partial(eventually, timeout=LINK_TIMEOUT_S, period_s=0.02)
"""Poll until true or the link's timeout passes."""


def drain(sub: Subscription[Any]) -> list[Any]:
    got = []
    while (msg := sub.poll()) is not None:
        got.append(msg)
    return got


def subject_name(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


# -- certificates ---------------------------------------------------------------------


def test_the_cell_ca_signs_each_host_under_its_name(cell: Path) -> None:
    ca = x509.load_pem_x509_certificate((cell / "ca.pem").read_bytes())
    assert subject_name(ca) == "test cell CA"
    for host in CELL_HOSTS:
        cert = x509.load_pem_x509_certificate((cell / f"{host}.pem").read_bytes())
        cert.verify_directly_issued_by(ca)
        assert subject_name(cert) == host
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert host in alt.get_values_for_type(x509.DNSName)
        assert "localhost" in alt.get_values_for_type(x509.DNSName)
    for key in [cell / "ca.key", *(cell / f"{h}.key" for h in CELL_HOSTS)]:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_adding_a_host_keeps_the_ca_and_the_other_hosts(tmp_path: Path) -> None:
    make_cell(tmp_path, "test", ["arm=192.168.1.20,arm.local"])
    ca_before = (tmp_path / "ca.pem").read_bytes()
    arm_before = (tmp_path / "arm.pem").read_bytes()
    files = make_cell(tmp_path, "test", ["kiosk"])
    assert not files.new_ca and list(files.hosts) == ["kiosk"]
    assert (tmp_path / "ca.pem").read_bytes() == ca_before
    assert (tmp_path / "arm.pem").read_bytes() == arm_before
    ca = x509.load_pem_x509_certificate(ca_before)
    for host in ("arm", "kiosk"):
        cert = x509.load_pem_x509_certificate((tmp_path / f"{host}.pem").read_bytes())
        cert.verify_directly_issued_by(ca)
    arm = x509.load_pem_x509_certificate(arm_before)
    alt = arm.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "arm.local" in alt.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in alt.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1",
        "192.168.1.20",
    ]


def test_another_cells_ca_is_not_replaced_unless_asked(tmp_path: Path) -> None:
    make_cell(tmp_path, "test", ["arm"])
    ca_key = (tmp_path / "ca.key").read_bytes()
    with pytest.raises(ConfigError, match=r"ca\.key"):
        make_cell(tmp_path, "other", ["arm"])
    assert (tmp_path / "ca.key").read_bytes() == ca_key
    assert make_cell(tmp_path, "other", ["arm"], new_ca=True).new_ca
    assert (tmp_path / "ca.key").read_bytes() != ca_key


def test_missing_credentials_are_named(cell: Path, tmp_path: Path) -> None:
    for name in ("ca.pem", "kiosk.pem"):
        (tmp_path / name).write_bytes((cell / name).read_bytes())
    with pytest.raises(ConfigError, match=r"kiosk\.key is missing"):
        Credentials.for_host(tmp_path, "kiosk")
    with pytest.raises(ConfigError, match=r"ca\.pem is missing"):
        Credentials.for_host(tmp_path / "nowhere", "kiosk")


def test_robot_cell_init_writes_and_adds_hosts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "certs"
    argv = ["init", "--cell", "expo", "--host", "arm", "--host", "brain", "--out", str(out)]
    assert run(parser.parse_args(argv)) == 0
    assert (
        run(parser.parse_args(["init", "--cell", "expo", "--host", "kiosk", "--out", str(out)]))
        == 0
    )
    printed = capsys.readouterr().out
    assert f"wrote {out / 'kiosk.pem'}" in printed and "kept" in printed
    assert {p.name for p in out.iterdir()} == {
        f"{n}.{e}" for n in ("ca", "arm", "brain", "kiosk") for e in ("pem", "key")
    }


# -- configuration --------------------------------------------------------------------


def test_credentials_refuse_an_endpoint_without_tls(cell: Path) -> None:
    credentials = Credentials.for_host(cell, "arm")
    with pytest.raises(BusError, match=r"'tcp/127\.0\.0\.1:7447' uses 'tcp'.*tls/"):
        ZenohBackend(listen=["tcp/127.0.0.1:7447"], credentials=credentials)
    with pytest.raises(BusError, match="credentials"):
        ZenohBackend(listen=[tls_endpoint()], acl=ACL)


def test_the_acl_opens_no_wildcard_over_a_restricted_topic() -> None:
    section = ACL.zenoh_config("robot")
    assert section["default_permission"] == "deny"
    opened = ACL.open_key_exprs("robot")
    assert "robot/JointState/**" in opened and "robot/EStop" in opened
    assert not [e for e in opened if e.startswith("robot/SkillCall")]
    assert "robot/EStop/**" not in opened  # it would take in a put on robot/EStop/*
    with pytest.raises(ConfigError, match="not a message type"):
        Acl({"Skillcall": ("brain",)})
    with pytest.raises(ConfigError, match="topic key"):
        Acl({"SkillCall/*": ("brain",)})


# -- on the network -------------------------------------------------------------------


def test_cell_hosts_exchange_joint_states_over_mutual_tls(cell: Path, buses) -> None:
    endpoint = tls_endpoint()
    arm = buses(cell, "arm", listen=[endpoint])
    brain = buses(cell, "brain", connect=[endpoint])
    states = brain.subscribe(JointState, policy=fifo(QUEUE))
    pub = arm.publisher(JointState)
    assert until(lambda: bool(pub.publish(JointState(position=(0.5,) * 6)) and drain(states)))


def raw_session(connect: str, tls: dict[str, Any] | None) -> zenoh.Session:
    """A peer built by hand, as an intruder would: any Zenoh config it likes."""
    config = zenoh.Config()
    config.insert_json5("mode", json.dumps("peer"))
    config.insert_json5("scouting/multicast/enabled", "false")
    config.insert_json5("listen/endpoints", "[]")
    config.insert_json5("connect/endpoints", json.dumps([connect]))
    for name, value in (tls or {}).items():
        config.insert_json5(f"transport/link/tls/{name}", json.dumps(value))
    return zenoh.open(config)


def intrude(session: zenoh.Session, duration: float) -> tuple[int, list[zenoh.Sample]]:
    """Publish a stop, a skill call and joint states, and listen for camera frames, for
    `duration` s or until a frame arrives; returns (puts made, frames seen)."""
    frames: list[zenoh.Sample] = []
    watch = session.declare_subscriber("robot/CameraFrame", frames.append)
    puts = 0
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline and not frames:
        for key, msg in (
            ("EStop", ENGAGE),
            ("SkillCall", CALL),
            ("JointState", JointState(position=(0.0,))),
        ):
            session.put(f"robot/{key}", encode_msgpack(msg))
            puts += 1
        time.sleep(0.02)
    watch.undeclare()
    return puts, frames


INTRUDERS: dict[str, Callable[[Path, Path], tuple[str, dict[str, Any] | None]]] = {
    "plain tcp": lambda cell, other: ("tcp", None),
    "tls without a certificate": lambda cell, other: (
        "tls",
        {"root_ca_certificate": f"{cell}/ca.pem"},
    ),
    "another cell's certificate": lambda cell, other: (
        "tls",
        {
            "root_ca_certificate": f"{cell}/ca.pem",  # trusts us; we must not trust it
            "connect_certificate": f"{other}/brain.pem",
            "connect_private_key": f"{other}/brain.key",
            "enable_mtls": True,
        },
    ),
}


@pytest.mark.parametrize("intruder", list(INTRUDERS))
def test_a_peer_without_the_cells_certificate_moves_nothing_and_sees_nothing(
    intruder: str, cell: Path, other_cell: Path, buses
) -> None:
    port = free_port()
    arm = buses(cell, "arm", listen=[f"tls/127.0.0.1:{port}"])
    heard = [arm.subscribe(t, policy=fifo(QUEUE)) for t in (EStop, SkillCall, JointState)]
    camera = arm.publisher(CameraFrame)
    stop_camera = _stream(camera)
    try:
        # The same code with the cell's certificate gets its stop in and sees the camera.
        member = raw_session(
            f"tls/127.0.0.1:{port}",
            {
                "root_ca_certificate": f"{cell}/ca.pem",
                "connect_certificate": f"{cell}/mallory.pem",
                "connect_private_key": f"{cell}/mallory.key",
                "enable_mtls": True,
            },
        )
        _, frames = intrude(member, LINK_TIMEOUT_S)
        member.close()
        assert frames and until(lambda: any(drain(heard[0])))
        for sub in heard:
            drain(sub)

        protocol, tls = INTRUDERS[intruder](cell, other_cell)
        stranger = raw_session(f"{protocol}/127.0.0.1:{port}", tls)
        puts, frames = intrude(stranger, SILENCE_S)
        stranger.close()
        assert puts > 0 and frames == []
        assert [drain(sub) for sub in heard] == [[], [], []]
    finally:
        stop_camera()


def _stream(camera: Any) -> Callable[[], None]:
    """Publish camera frames on a thread until the returned function is called."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(0.02):
            camera.publish(FRAME)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()

    def stop() -> None:
        done.set()
        thread.join()

    return stop


def exchange_restricted(sender: Bus, receiver: Bus) -> tuple[list[Message], ...]:
    """`sender` engages a stop, calls a skill and releases the stop until the engage
    arrives, then SILENCE_S more; returns what `receiver` got of each."""
    engages = receiver.subscribe(EStop, policy=fifo(QUEUE))
    calls = receiver.subscribe(SkillCall, policy=fifo(QUEUE))
    releases = receiver.subscribe(EStop, ESTOP_RELEASE, policy=fifo(QUEUE))
    got: tuple[list[Message], ...] = ([], [], [])

    def send_and_collect() -> bool:
        sender.publish(ENGAGE)
        sender.publish(CALL)
        sender.publish(RELEASE, ESTOP_RELEASE)
        for into, sub in zip(got, (engages, calls, releases), strict=True):
            into.extend(drain(sub))
        return bool(got[0])

    assert until(send_and_collect), "the engaged stop never arrived: no link"
    keep_doing(send_and_collect, SILENCE_S)
    return got


def test_an_unlisted_host_cannot_call_skills_or_release_a_stop(cell: Path, buses) -> None:
    guarded, open_ = tls_endpoint(), tls_endpoint()
    arm = buses(cell, "arm", listen=[guarded])
    arm_without_acl = buses(cell, "arm", acl=None, listen=[open_])
    mallory = buses(cell, "mallory", connect=[guarded, open_])

    engages, calls, releases = exchange_restricted(mallory, arm)
    assert engages and calls == [] and releases == []  # a stop anyone may engage
    engages, calls, releases = exchange_restricted(mallory, arm_without_acl)
    assert engages and calls and releases  # the ACL, not the link, stopped them


def test_listed_hosts_call_skills_and_release_stops(cell: Path, buses) -> None:
    endpoint = tls_endpoint()
    arm = buses(cell, "arm", listen=[endpoint])
    brain = buses(cell, "brain", connect=[endpoint])
    kiosk = buses(cell, "kiosk", connect=[endpoint])

    _, calls, releases = exchange_restricted(brain, arm)
    assert calls and calls[0].step == CALL.step and releases == []
    _, calls, releases = exchange_restricted(kiosk, arm)
    assert calls == [] and releases and releases[0].engaged is False


def test_a_wildcard_put_cannot_reach_a_restricted_topic(cell: Path, buses) -> None:
    """Zenoh lets a put carry a wildcard key: robot/* reaches the robot/SkillCall
    subscriber. The ACL spells out the open topics, so no rule takes it in; and the bus
    takes a message only on its topic's own key, ACL or not."""
    guarded, open_ = tls_endpoint(), tls_endpoint()
    arm = buses(cell, "arm", listen=[guarded])
    arm_without_acl = buses(cell, "arm", acl=None, listen=[open_])
    mallory = buses(cell, "mallory", connect=[guarded, open_])
    raw_guarded: list[object] = []
    raw_open: list[object] = []
    arm.backend.session.declare_subscriber("robot/SkillCall", raw_guarded.append)  # type: ignore[attr-defined]
    arm_without_acl.backend.session.declare_subscriber("robot/SkillCall", raw_open.append)  # type: ignore[attr-defined]
    calls_without_acl = arm_without_acl.subscribe(SkillCall, policy=fifo(QUEUE))
    session = mallory.backend.session  # type: ignore[attr-defined]

    def put() -> bool:
        for key in ("robot/*", "robot/**", "robot/Skill$*"):
            session.put(key, encode_msgpack(CALL))
        return bool(raw_open)

    assert until(put), "without the ACL the wildcard put arrives at Zenoh's level"
    keep_doing(put, SILENCE_S)
    assert raw_guarded == []
    with pytest.raises(ReceiveTimeout):
        calls_without_acl.get(timeout=0)


def test_configure_writes_the_tls_keys_zenoh_reads(cell: Path) -> None:
    config = zenoh.Config()
    configure(config, Credentials.for_host(cell, "arm"), ACL, "robot")
    tls = json.loads(config.get_json("transport/link/tls"))
    assert tls["enable_mtls"] is True
    assert tls["root_ca_certificate"] == str(cell / "ca.pem")
    assert tls["connect_certificate"] == tls["listen_certificate"] == str(cell / "arm.pem")
    assert json.loads(config.get_json("access_control/enabled")) is True


def test_a_host_of_the_cell_that_is_no_member_links_to_nothing(cell: Path, buses) -> None:
    """mallory holds a certificate of the cell, but the cell's hosts are arm, brain and
    kiosk: it publishes nothing that is taken in and sees no camera frame. The members'
    own traffic still flows, and without the member list mallory's stop gets in."""
    members = Acl.for_cell(brain=["brain"], operators=["kiosk"], members=["arm", "brain", "kiosk"])
    guarded, open_ = tls_endpoint(), tls_endpoint()
    arm = buses(cell, "arm", acl=members, listen=[guarded])
    arm_open = buses(cell, "arm", listen=[open_])
    for endpoint, bus in ((guarded, arm), (open_, arm_open)):
        stop_camera = _stream(bus.publisher(CameraFrame))
        stops = bus.subscribe(EStop, policy=fifo(QUEUE))
        try:
            mallory = raw_session(
                endpoint,
                {
                    "root_ca_certificate": f"{cell}/ca.pem",
                    "connect_certificate": f"{cell}/mallory.pem",
                    "connect_private_key": f"{cell}/mallory.key",
                    "enable_mtls": True,
                },
            )
            puts, frames = intrude(mallory, LINK_TIMEOUT_S if bus is arm_open else SILENCE_S)
            mallory.close()
            if bus is arm_open:
                assert frames and until(lambda: any(drain(stops)))  # noqa: B023
            else:
                assert puts > 0 and frames == [] and drain(stops) == []
        finally:
            stop_camera()
    kiosk = buses(cell, "kiosk", acl=members, connect=[guarded])
    _, calls, releases = exchange_restricted(kiosk, arm)
    assert calls == [] and releases and releases[0].engaged is False
