"""The live view: the bus, read-only, as a Foxglove WebSocket server (`foxglove-sdk`).

`LiveView` is a node. It keeps the newest `JointState`, `JointCommand`, `WorldState`
and `CameraFrame` as they arrive and, every 1/`rate_hz` s, hands those that are new to
the SDK's server as Foxglove messages (robot/live/foxglove_messages.py): the arm's
measured and commanded frame trees, the scene, the camera. Events (plans and their
progress, skills, utterances, safety events, stops, `LoopStats`) go out as they come,
each on its own JSON channel named by its topic key and, where it is an event, as a line
of `/log`. Nothing comes back: the server advertises no capability that lets a client
publish, call a service or set a parameter.

Why sampled: the sim publishes joint states every 10 ms of simulated time, faster than
that when it runs ahead of the wall clock; a viewer needs tens of frames a second, and
the conversion runs in this node's thread, never in the control loop's. The control
loop only publishes, as it does without a viewer (robot/bus.py: a publish to a `latest`
subscription replaces the slot).

The SDK's server listens on 127.0.0.1 only; browsers and apps reach it through `Gate`
(robot/live/gate.py), which applies the kiosk's Host, Origin and token rules.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import foxglove
from foxglove import Channel, Context, Schema
from foxglove.channels import (
    CompressedImageChannel,
    FrameTransformsChannel,
    LogChannel,
    RawImageChannel,
    SceneUpdateChannel,
)

from core.errors import ConfigError
from core.msgs import (
    ESTOP_RELEASE,
    CameraFrame,
    EStop,
    JointCommand,
    JointState,
    LoopStats,
    Message,
    Plan,
    PlanStatus,
    SafetyEvent,
    SkillStatus,
    Utterance,
    WorldState,
    encode_json,
)
from robot.bus import Bus, fifo
from robot.live.foxglove_messages import (
    DESCRIPTION_SCHEMA,
    DESCRIPTION_SCHEMA_NAME,
    TOPIC_DESCRIPTION,
    TOPIC_LOG,
    TOPIC_SCENE,
    TOPIC_TF,
    TOPIC_TF_COMMANDED,
    FoxgloveConverter,
)
from robot.live.gate import Gate
from robot.node import Node
from robot.recording.schema import json_schema
from robot.web_access import WebAccess

log = logging.getLogger(__name__)

DEFAULT_PORT = 8765
"""Foxglove's usual WebSocket port."""
DEFAULT_RATE_HZ = 50.0
"""How often new joint states are sent (Hz): above the 30 Hz a smooth view needs."""
WORLD_PERIOD_S = 0.1
"""How often a changed `WorldState` is sent (s): things move slowly."""
DESCRIPTION_PERIOD_S = 2.0
"""How often the URDF is sent again (s), for viewers that subscribed after the last."""
EVENT_DEPTH = 1000
EVENTS: tuple[type[Message], ...] = (Plan, PlanStatus, SkillStatus, Utterance, SafetyEvent)
"""Event types served as they come (plus `EStop`, both topics, and `LoopStats`)."""
SAMPLED: tuple[type[Message], ...] = (JointState, JointCommand, WorldState, CameraFrame)


class LiveView(Node):
    """Serves the bus to Foxglove on (host, port) through the gate (module docstring).

    access: who may connect (robot/web_access.py). rate_hz: joint states sent per
    second at most. port 0 picks a free port; `port` is the real one once `serving`.
    """

    def __init__(
        self,
        bus: Bus,
        converter: FoxgloveConverter,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        access: WebAccess | None = None,
        rate_hz: float = DEFAULT_RATE_HZ,
    ) -> None:
        super().__init__(bus, "live", period_s=1.0 / rate_hz)
        self.converter = converter
        self.host, self.port = host, port
        self.access = access or WebAccess.of((), what="live view")
        self.sent: dict[str, int] = {}
        """Messages handed to the server per topic (what clients could receive)."""
        self._latest: dict[type[Message], Message] = {}
        self._world_sent_s = 0.0
        self._description_sent_s = -DESCRIPTION_PERIOD_S
        self._context: Context | None = None
        self._server: Any = None
        self._gate: Gate | None = None
        self._channels: dict[str, Any] = {}
        self.serving = threading.Event()
        """Set once the gate listens (`port` is then the real one, also when 0 was asked)."""
        for type_ in SAMPLED:
            self.handle(type_, self._keep)
        for type_ in (*EVENTS, LoopStats):
            self.handle(type_, self._event, policy=fifo(EVENT_DEPTH))
        self.handle(EStop, self._event, policy=fifo(EVENT_DEPTH))
        self.handle(EStop, self._event, ESTOP_RELEASE, policy=fifo(EVENT_DEPTH))

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/"

    # -- life cycle ----------------------------------------------------------------

    def setup(self) -> None:
        self._context = Context()
        ctx = self._context
        self._server = foxglove.start_server(
            name="robot-stack",
            host="127.0.0.1",
            port=0,
            context=ctx,
            capabilities=[],
            asset_handler=self._asset,
        )
        self._channels = {
            TOPIC_TF: FrameTransformsChannel(TOPIC_TF, context=ctx),
            TOPIC_TF_COMMANDED: FrameTransformsChannel(TOPIC_TF_COMMANDED, context=ctx),
            TOPIC_SCENE: SceneUpdateChannel(TOPIC_SCENE, context=ctx),
            TOPIC_LOG: LogChannel(TOPIC_LOG, context=ctx),
            TOPIC_DESCRIPTION: Channel(
                TOPIC_DESCRIPTION,
                schema=Schema(
                    name=DESCRIPTION_SCHEMA_NAME,
                    encoding="jsonschema",
                    data=json.dumps(DESCRIPTION_SCHEMA).encode(),
                ),
                message_encoding="json",
                context=ctx,
            ),
        }
        for type_ in (*SAMPLED[:2], *EVENTS, LoopStats, EStop):
            self._json_channel(type_.__name__, type_)
        self._json_channel(f"EStop/{ESTOP_RELEASE}", EStop)
        try:
            self._gate = Gate(self.host, self.port, self._server.port, self.access)
        except OSError as err:
            self._server.stop()
            raise ConfigError(
                f"the live view cannot listen on {self.host}:{self.port} ([live] host, port): "
                f"{err.strerror}"
            ) from err
        self.port = self._gate.port
        self._gate.start()
        self.serving.set()
        log.info("live view on %s (Foxglove: open a WebSocket connection there)", self.url)

    def teardown(self) -> None:
        if self._gate is not None:
            self._gate.close()
        if self._server is not None:
            self._server.stop()

    def _json_channel(self, topic: str, type_: type[Message]) -> None:
        schema = Schema(
            name=type_.__name__, encoding="jsonschema", data=json.dumps(json_schema(type_)).encode()
        )
        self._channels[topic] = Channel(
            topic, schema=schema, message_encoding="json", context=self._context
        )

    def _asset(self, uri: str) -> bytes | None:
        """The URDF for a URDF layer whose source is `package://robot/urdf`."""
        if uri == "package://robot/urdf":
            return self.converter.frames.text.encode()
        return None

    # -- messages --------------------------------------------------------------------

    def _keep(self, msg: Message) -> None:
        self._latest[type(msg)] = msg

    def _event(self, msg: Message) -> None:
        if not self._channels:
            return
        topic = type(msg).__name__
        if isinstance(msg, EStop) and not msg.engaged:
            topic = f"EStop/{ESTOP_RELEASE}"
        self._log(topic, encode_json(msg), msg)
        for fg_topic, fg_msg in self.converter.convert(msg):
            self._log(fg_topic, fg_msg, msg)

    def tick(self) -> None:
        if not self._channels:
            return
        now = time.monotonic()
        if now - self._description_sent_s >= DESCRIPTION_PERIOD_S:
            self._description_sent_s = now
            self._channels[TOPIC_DESCRIPTION].log(self.converter.description())
        latest, self._latest = self._latest, {}
        world = latest.pop(WorldState, None)
        if world is not None:
            if now - self._world_sent_s >= WORLD_PERIOD_S:
                self._world_sent_s = now
                latest[WorldState] = world
            else:
                self._latest[WorldState] = world  # keep it for the next turn
        for type_, msg in latest.items():
            if type_ in (JointState, JointCommand):
                self._log(type_.__name__, encode_json(msg), msg)
            for fg_topic, fg_msg in self.converter.convert(msg):
                self._log(fg_topic, fg_msg, msg)

    def _log(self, topic: str, payload: Any, msg: Message) -> None:
        channel = self._channels.get(topic)
        if channel is None:  # a camera seen for the first time
            if topic.endswith("/raw"):
                channel = RawImageChannel(topic, context=self._context)
            else:
                channel = CompressedImageChannel(topic, context=self._context)
            self._channels[topic] = channel
        channel.log(payload, log_time=self.converter.stamp(msg))
        self.sent[topic] = self.sent.get(topic, 0) + 1
