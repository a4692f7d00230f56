"""The serial Limb: an arm of Dynamixel 2.0 or Feetech STS servos on one bus.

Built from a robot profile (joint -> servo ID, model, direction, limits; [bus] protocol
and baud) and a calibration file (ticks <-> radians). Every `read()` is one sync read of
position and velocity for all servos; every `write()` is one sync write of the goals.
Commands are clamped to the joint limits. When commands stop for `watchdog_s`, the
limb either holds the last goal (the servos keep it) or disables torque, as configured;
it checks on each `read()` and `write()`, which the cerebellum calls every tick.

Opening checks the calibration against each servo's model and reads every joint
`STARTUP_READS` times: a joint whose reading (the median) is outside its limits refuses
the start with a ConfigError, before anything can turn torque on. After that, `read()`
returns only plausible readings (`robot.limbs.plausible`): a read that fails (no reply,
a corrupted one, a status error) costs one reply timeout, no retry, and the next tick
asks again; the limb raises `LimbFault` when a joint's readings are lost for too long
and when the port is gone. A servo that reports an alarm under which holding is unsafe
(overload, overheating, in two readings in a row) has its torque turned off alone, said
as a stop (`take_events`): the loop holds the rest of the arm. Load, temperature and
voltage are watched (`robot.limbs.health`); Dynamixel X servos' bus watchdog is armed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import partial
from typing import Literal, TypeVar

from core.calibration import Calibration, TickMap, check_joint
from core.errors import ConfigError
from core.msgs import JointCommand, JointState, SafetyEvent
from core.profile import Profile
from firmware_bridge.control_tables import DEFAULT_MODEL, ControlTable, Register, get_model
from firmware_bridge.errors import (
    BusTimeout,
    ElectricalShockError,
    EncoderError,
    OverheatingError,
    OverloadError,
    PortError,
    ServoError,
)
from firmware_bridge.servo_bus import ServoBus, SyncReader, open_bus
from robot.limbs.base import CommandWatchdog, Limb, LimbFault
from robot.limbs.health import HEALTH_PERIOD_S, HealthSample, ServoLimits, ServoWatch
from robot.limbs.plausible import LIMIT_MARGIN_RAD, PlausibleReadings

log = logging.getLogger(__name__)

DEFAULT_WATCHDOG_S = 0.2
"""Commands arrive at 100 Hz or more; 200 ms of silence means the layer above stopped."""
BUS_WATCHDOG_S = 0.08
"""The servos' own bus watchdog, where they have one (Dynamixel X: register 98, in 20 ms
units), armed while torque is on: a servo that hears nothing from the host for this long
stops where it is. Above the 50 ms for which the kernel's real-time throttling may hold
the loop back (docs/realtime.md), below the 100 ms in which a dead host must leave the
arm stopped."""
BUS_WATCHDOG_UNIT_S = 0.020
WATCHDOG_TRIPPED = -1
"""What register 98 reads after the watchdog stopped the servo."""
AGREEMENT_READS = 4
"""Reads of a register the limb builds on until two in a row agree (robot/limbs:
`SerialLimb._agreed`)."""
STARTUP_READS = 3
"""Reads of every joint when the limb opens; the median of each joint's is believed, so
one wrong reading among them cannot start the arm from a wrong position."""
HOLD_UNSAFE_ALARMS = (OverloadError, OverheatingError, ElectricalShockError, EncoderError)
"""Servo alarms under which holding position harms the servo or what it holds (and with
a failed position sensor, the servo's own position loop cannot hold)."""

HEALTH_REGISTERS: dict[str, tuple[str, str, str, str]] = {
    "feetech": ("present_load", "present_voltage", "present_temperature", "max_temperature_limit"),
    "dynamixel": (
        "present_load",
        "present_input_voltage",
        "present_temperature",
        "temperature_limit",
    ),
}
"""Per protocol: the registers of load, supply voltage, temperature, temperature limit
(load's full scale: `ControlTable.load_full_scale`)."""

OnTimeout = Literal["hold", "disable"]
T = TypeVar("T")
_STS_PHASE_OVERFLOW_BIT = 0x10
NO_REPLY = "no valid reply (cable pulled? power lost?)"


class SerialLimb(Limb):
    """One arm on one serial bus. Not thread-safe: the cerebellum's loop owns it."""

    def __init__(
        self,
        profile: Profile,
        calibration: Calibration,
        port: str,
        *,
        baud: int | None = None,
        watchdog_s: float = DEFAULT_WATCHDOG_S,
        on_timeout: OnTimeout = "hold",
        bus_watchdog_s: float = BUS_WATCHDOG_S,
        health_period_s: float = HEALTH_PERIOD_S,
        host_margin_s: float | None = None,
        bus: ServoBus | None = None,
    ) -> None:
        super().__init__(profile)
        if profile.bus is None:
            raise ConfigError(f"profile {profile.path or profile.robot.name}: no [bus] section")
        if on_timeout not in ("hold", "disable"):
            raise ConfigError(f"on_timeout must be 'hold' or 'disable', not {on_timeout!r}")
        protocol = profile.bus.protocol
        self.on_timeout = on_timeout
        self._ids: list[int] = []
        self._tables: list[ControlTable] = []
        for joint in profile.joints:
            if joint.servo_id is None:
                raise ConfigError(
                    f"profile {profile.path or profile.robot.name}: joint {joint.name!r} "
                    "has no servo_id"
                )
            table = get_model(joint.model or DEFAULT_MODEL[protocol])
            if table.protocol != protocol:
                raise ConfigError(
                    f"joint {joint.name!r}: model {table.model} speaks {table.protocol}, "
                    f"the bus is {protocol}"
                )
            self._ids.append(joint.servo_id)
            self._tables.append(table)
        self._names_by_id = dict(zip(self._ids, self.joint_names, strict=True))
        first = self._tables[0]
        self._position = first["present_position"]
        self._velocity = first["present_velocity"]
        self._goal = first["goal_position"]
        self._torque = first["torque_enable"]
        self._bus_watchdog = first.registers.get("bus_watchdog")
        self._bus_watchdog_units = math.ceil(round(bus_watchdog_s / BUS_WATCHDOG_UNIT_S, 6))
        """Register 98's value while torque is on (0: off, or the servos have none)."""
        if self._bus_watchdog is None:
            self._bus_watchdog_units = 0
        elif not 0 <= self._bus_watchdog_units <= 127:
            raise ConfigError(
                f"bus_watchdog_s = {bus_watchdog_s}: the servos' bus watchdog takes 0 (off) "
                f"to {127 * BUS_WATCHDOG_UNIT_S:.2f} s"
            )
        for table in self._tables[1:]:
            for name in ("present_position", "present_velocity", "goal_position", "bus_watchdog"):
                if table.registers.get(name) != first.registers.get(name):
                    raise ConfigError(
                        f"models {first.model} and {table.model} differ at {name}: "
                        "one sync read cannot serve both"
                    )
        self.bus = bus or open_bus(
            protocol,
            port,
            baud or profile.bus.baud,
            **({} if host_margin_s is None else {"host_margin_s": host_margin_s}),
        )
        try:
            self._maps = self._connect(calibration)
            start = min(self._position.address, self._velocity.address)
            end = max(
                self._position.address + self._position.size,
                self._velocity.address + self._velocity.size,
            )
            self._reader = self.bus.sync_reader(self._ids, start, end - start)
            self._pos_slice = slice(
                self._position.address - start,
                self._position.address - start + self._position.size,
            )
            self._vel_slice = slice(
                self._velocity.address - start,
                self._velocity.address - start + self._velocity.size,
            )
            self._velocity_units = tuple(t.velocity_unit for t in self._tables)
            self._plausible = PlausibleReadings(
                profile.joints,
                [
                    max(j.max_velocity, t.max_velocity * m.rad_per_tick)
                    for j, t, m in zip(profile.joints, self._tables, self._maps, strict=True)
                ],
                [m.rad_per_tick for m in self._maps],
                self._ids,
                self.bus.port,
                self._reader.reply_timeout(),
            )
            self._watch, self._health_reader = self._watch_servos()
            self._read_first()
        except BaseException:
            self.bus.close()
            raise
        self._writer = self.bus.sync_writer(self._ids, self._goal.address, self._goal.size)
        self._watchdog = CommandWatchdog(watchdog_s)
        self._enabled = False
        self._tripped = False
        self._sent_s = time.monotonic()
        """When the limb last sent the servos anything while their bus watchdog is armed
        (s, monotonic)."""
        self._bus_watchdog_armed = False
        self._limp: set[int] = set()
        """Joints whose torque went off for an alarm (`_go_limp`), until `enable()`."""
        self._health_period_s = health_period_s
        """How often load, voltage and temperature are read (s; inf: never)."""
        self._health_at = time.monotonic()
        self._goals = self._plausible.state(time.monotonic_ns()).position
        """The goals last sent (rad), as relaxed (`robot.limbs.health`)."""

    @property
    def rejected(self) -> dict[str, int]:
        """Readings rejected so far, per joint (implausible, missing or reporting an error)."""
        return self._plausible.rejected

    def _connect(self, calibration: Calibration) -> list[TickMap]:
        """Check every servo answers with the expected model; build the tick maps."""
        maps = []
        delays = []
        where = f"calibration ({calibration.source})" if calibration.source else "calibration"
        for joint, sid, table in zip(self.profile.joints, self._ids, self._tables, strict=True):
            cal = calibration.joint(joint.name, calibration.source)
            if cal.servo_id != sid:
                raise ConfigError(
                    f"joint {joint.name!r}: profile says servo {sid}, calibration says "
                    f"{cal.servo_id}"
                )
            check_joint(joint.name, cal, where, table=table)
            try:
                reply = self._agreed(sid, "model", partial(self.bus.ping, sid))
                if reply.model_number != table.model_number:
                    raise ConfigError(
                        f"joint {joint.name!r}: servo {sid} on {self.bus.port} is a "
                        f"{reply.model}, the profile says {table.model}"
                    )
                offset = self._register(sid, table, "homing_offset")
                delays.append(self._register(sid, table, "return_delay_time") * 2e-6)
                phase = self._register(sid, table, "phase") if "phase" in table else 0
            except (BusTimeout, ServoError) as err:
                raise self._named(err) from err
            if delays[-1] > 0:
                log.warning(
                    "servo %d (joint %s) waits %.0f us before each reply; set "
                    "return_delay_time = 0 with `robot servo flash` for faster reads",
                    sid,
                    joint.name,
                    delays[-1] * 1e6,
                )
            if phase & _STS_PHASE_OVERFLOW_BIT:
                log.warning(
                    "servo %d (joint %s): bit 0x10 of the phase register (18) is set; STS "
                    "positions may overflow past one turn: clear it with `robot servo flash`",
                    sid,
                    joint.name,
                )
            maps.append(TickMap(cal, joint.direction, table.protocol, offset))
        self.bus.return_delay_s = max(delays)
        return maps

    def _read_first(self) -> None:
        """Read every joint STARTUP_READS times; refuse a median outside the limits."""
        samples = []
        for _ in range(STARTUP_READS):
            stamp = time.monotonic_ns()
            try:
                chunks = self._reader.read()
            except (BusTimeout, ServoError) as err:
                raise self._named(err) from err
            samples.append([self._decode(k, c) for k, c in enumerate(chunks)])
        middle = STARTUP_READS // 2
        first = [sorted(joint)[middle] for joint in zip(*samples, strict=True)]
        for k, (position, _) in enumerate(first):
            if not self._plausible.in_limits(k, position):
                joint = self.profile.joints[k]
                raise ConfigError(
                    f"joint {joint.name!r} (servo {self._ids[k]} on {self.bus.port}) reads "
                    f"{math.degrees(position):+.1f} deg, outside its limits "
                    f"{math.degrees(joint.lower):+.1f}..{math.degrees(joint.upper):+.1f} deg "
                    f"by more than {math.degrees(LIMIT_MARGIN_RAD):.1f} deg. A wrong "
                    "calibration? Recalibrate with `robot servo calibrate`. Or the joint is "
                    "out of its range: with torque off, move it by hand into range, then "
                    "start again."
                )
        self._plausible.start([p for p, _ in first], [v for _, v in first], stamp)

    def _decode(self, k: int, chunk: bytes) -> tuple[float, float]:
        """Joint k's position (rad) and velocity (rad/s) from its servo's bytes."""
        tick_map = self._maps[k]
        return (
            tick_map.to_rad(self._position.decode(chunk[self._pos_slice])),
            tick_map.velocity_to_rad(
                self._velocity.decode(chunk[self._vel_slice]) * self._velocity_units[k]
            ),
        )

    def _register(self, servo_id: int, table: ControlTable, name: str) -> int:
        """Register `name` of a servo, read until two readings agree."""
        return self._agreed(servo_id, name, partial(self.bus.read, servo_id, table[name]))

    def _agreed(self, servo_id: int, what: str, read: Callable[[], T]) -> T:
        """A value the limb builds on (the model, the homing offset), read until two
        readings in a row agree: a reply whose checksum holds can still be wrong (two
        bit flips that cancel, forged bytes), and one wrong offset would shift every
        reading of the joint. ConfigError when `AGREEMENT_READS` never agree."""
        seen = [read()]
        while len(seen) < AGREEMENT_READS:
            seen.append(read())
            if seen[-1] == seen[-2]:
                return seen[-1]
        raise ConfigError(
            f"servo {servo_id} on {self.bus.port}: its {what} reads {seen}, never twice the "
            "same: check the cable and the servos' power"
        )

    def _named(self, err: BusTimeout | ServoError) -> Exception:
        """The same error, naming the joints."""
        if isinstance(err, ServoError):
            return err.with_context(joint=self._names_by_id.get(err.servo_id, ""))
        joints = ", ".join(self._names_by_id.get(i, "?") for i in err.servo_ids)
        return BusTimeout(err.servo_ids, err.port, err.baud, detail=f"joint {joints}")

    # -- Limb ------------------------------------------------------------------------
    def read(self) -> JointState:
        """The joints now, every reading plausible (see `robot.limbs.plausible`).

        Raises LimbFault when readings are lost for too long, when the servos' bus
        watchdog stopped them, and when the port is gone.
        """
        self._check_watchdog()
        self._check_bus_watchdog()
        plausible = self._plausible
        stamp = time.monotonic_ns()
        try:
            chunks = self._reader.read_once()
        except PortError as err:
            raise self._port_lost(err) from err
        received = time.monotonic_ns()
        for k, chunk in enumerate(chunks):
            if isinstance(chunk, bytes):
                position, velocity = self._decode(k, chunk)
                plausible.offer(k, position, velocity, stamp, received)
            elif chunk is None:
                plausible.reject(k, stamp, NO_REPLY)
            else:
                self._servo_error(k, chunk, stamp, received)
        state = plausible.state(stamp)
        if received / 1e9 - self._health_at >= self._health_period_s and all(
            isinstance(c, bytes) for c in chunks
        ):  # after a lost reply, not one more timeout in this tick: the bus comes first
            self._health_at = received / 1e9
            self._read_health(state.position)
        return state

    def write(self, command: JointCommand) -> None:
        goals = self.clamp(command.position)
        watch = self._watch
        if watch.any_relaxed:
            goals = tuple(watch.goal(k, q) for k, q in enumerate(goals))
        self._write_goals(goals)
        self._watchdog.feed()
        if self._enabled and self._bus_watchdog_units and not self._bus_watchdog_armed:
            self._set_bus_watchdog(self._bus_watchdog_units)
        if self._tripped:
            log.info("commands resumed on %s", self.bus.port)
            self._tripped = False

    @property
    def worst_cycle_s(self) -> float:
        """A tick whose replies all time out: the position read, the health read, and
        after a silence the bus watchdog's check (s; writes wait for no reply)."""
        return 2 * self._reader.reply_timeout() + self._health_reader.reply_timeout()

    def take_events(self) -> list[SafetyEvent]:
        """What the watched servos' rules said since the last call (`robot.limbs.health`)."""
        return self._watch.take_events()

    def enable(self) -> None:
        """Torque on, holding the present position (goal set to it first), then the
        servos' bus watchdog cleared where they have one (a host that died leaves it
        tripped, and a tripped servo refuses goals). Both watchdogs start again at the
        next `write()`: the loop may take a while to start."""
        self._set_bus_watchdog(0)
        self._write_goals(self.read().position)
        self._set_torque(True)
        self._limp.clear()
        self._watchdog.reset()

    def disable(self) -> None:
        self._set_torque(False)

    def close(self) -> None:
        """Close the port. Servos left enabled keep holding their last goal; Dynamixel X
        servos stop where they are once their bus watchdog runs out (docs/safety.md)."""
        self.bus.close()

    # -- internals -----------------------------------------------------------------
    def _write_goals(self, position: tuple[float, ...]) -> None:
        encode = self._goal.encode
        try:
            self._writer.write(
                [encode(m.to_ticks(q)) for m, q in zip(self._maps, position, strict=True)]
            )
        except PortError as err:
            raise self._port_lost(err) from err
        self._goals = position
        if self._bus_watchdog_armed:
            self._sent_s = time.monotonic()

    def _watch_servos(self) -> tuple[ServoWatch, SyncReader]:
        """The rules for every servo, from its limits (read once, until two readings
        agree), and one sync read of the health registers for all."""
        protocol = self._tables[0].protocol
        load, voltage, temperature, temperature_limit = HEALTH_REGISTERS[protocol]
        limits, self._load_scales = [], []
        for sid, table in zip(self._ids, self._tables, strict=True):
            try:
                limits.append(
                    ServoLimits(
                        sid,
                        self._register(sid, table, temperature_limit),
                        self._register(sid, table, "min_voltage_limit") / 10,
                        self._register(sid, table, "max_voltage_limit") / 10,
                    )
                )
                scale = table.load_full_scale(partial(self._register, sid, table))
            except (BusTimeout, ServoError) as err:
                raise self._named(err) from err
            self._load_scales.append(scale)
        first = self._tables[0]
        self._health_registers = tuple(first[n] for n in (load, voltage, temperature))
        start = min(r.address for r in self._health_registers)
        end = max(r.address + r.size for r in self._health_registers)
        self._health_start = start
        watch = ServoWatch(self.joint_names, tuple(limits), self.profile.robot.gripper)
        # A late reply is told from the current one by its length: were the two reads
        # alike (STS: 4 bytes each), a late health reply would pass for positions.
        length = end - start + (end - start == self._reader.length)
        return watch, self.bus.sync_reader(self._ids, start, length)

    def _read_health(self, positions: tuple[float, ...]) -> None:
        """Load, voltage and temperature of every servo, to the rules; a servo that
        does not answer is left out this time (the position reads watch the bus)."""
        try:
            chunks = self._health_reader.read_once()
        except PortError as err:
            raise self._port_lost(err) from err
        samples: list[HealthSample | None] = []
        load, voltage, temperature = self._health_registers
        start = self._health_start
        for k, chunk in enumerate(chunks):
            if not isinstance(chunk, bytes):
                samples.append(None)
                continue

            def value(reg: Register, chunk: bytes = chunk) -> int:
                return reg.decode(chunk[reg.address - start : reg.address - start + reg.size])

            samples.append(
                HealthSample(
                    load=value(load) / self._load_scales[k],
                    temperature_c=float(value(temperature)),
                    voltage_v=value(voltage) / 10,
                )
            )
        self._watch.observe(time.monotonic(), positions, self._goals, samples)

    def _servo_error(self, k: int, error: ServoError, stamp_ns: int, received_ns: int) -> None:
        """A status packet's error: a rejected reading, once. An alarm under which holding
        is unsafe, reported twice in a row (a latched alarm is in every status packet; a
        single one may be noise: in Feetech's additive checksum two flipped bits can
        cancel, and a corrupted error byte then looks like an alarm), turns that joint's
        torque off (`_go_limp`); from then on its readings count, alarm or not."""
        why = f"reports {', '.join(error.flags)}"
        if k not in self._limp:
            unsafe = isinstance(error, HOLD_UNSAFE_ALARMS)
            if not unsafe or self._plausible.last_rejection(k) != why:
                self._plausible.reject(k, stamp_ns, why)
                return
            self._go_limp(k, why, error)
        if error.params is None:
            self._plausible.reject(k, stamp_ns, why)
            return
        position, velocity = self._decode(k, error.params)
        self._plausible.offer(k, position, velocity, stamp_ns, received_ns)

    def _go_limp(self, k: int, why: str, error: ServoError) -> None:
        """Torque off on joint k alone, said as a stop: the loop stops the arm and holds
        the other joints (the whole arm limp would fall); the run goes on to fail the
        skill with the reason. One sync write: a servo with an alarm latched answers every
        instruction with it, and its write is done all the same."""
        self._limp.add(k)
        sid, name = self._ids[k], self.joint_names[k]
        value = self._torque.encode(0)
        try:
            self.bus.sync_write_bytes(self._torque.address, self._torque.size, [(sid, value)])
        except PortError as err:
            raise self._port_lost(err) from error
        self._watch.say(
            k,
            "stop",
            f"on {self.bus.port} {why}: holding would harm it, so its torque is off; the "
            "other joints hold. Let it cool, power-cycle the servo, then start again",
            "fault",
        )
        log.debug("servo %d (joint %s) went limp: %s", sid, name, error)

    def _port_lost(self, err: PortError) -> LimbFault:
        return LimbFault(
            f"port lost ({err.__cause__ or err}; adapter unplugged?)", port=self.bus.port
        )

    def _set_torque(self, on: bool) -> None:
        value = self._torque.encode(1 if on else 0)
        self.bus.sync_write_bytes(
            self._torque.address, self._torque.size, [(i, value) for i in self._ids]
        )
        self._sent_s = time.monotonic()
        self._enabled = on
        if not on:
            self._bus_watchdog_armed = False  # torque off: the servos' watchdog is idle

    def _set_bus_watchdog(self, units: int) -> None:
        """Register 98 of every servo that has one; armed (units > 0) while torque is on
        and the loop writes goals, from its first `write()` after `enable()`."""
        self._bus_watchdog_armed = units > 0
        reg = self._bus_watchdog
        if reg is None:
            return
        value = reg.encode(units)
        self.bus.sync_write_bytes(reg.address, reg.size, [(i, value) for i in self._ids])
        self._sent_s = time.monotonic()

    def _check_bus_watchdog(self) -> None:
        """After a silence the servos' bus watchdog may have ended (the host paused, not
        died): ask them, and raise LimbFault naming the servos it stopped, which refuse
        goals from then on. Holding is safe: they stopped where they were."""
        reg = self._bus_watchdog
        if reg is None or not self._bus_watchdog_armed:
            return  # no clock read on a bus without the watchdog: this runs every tick
        now = time.monotonic()
        silent_s, self._sent_s = now - self._sent_s, now
        armed_s = self._bus_watchdog_units * BUS_WATCHDOG_UNIT_S
        if silent_s < 0.9 * armed_s:
            return  # 0.9: the servos' clocks may run a little fast
        reader = self.bus.sync_reader(self._ids, reg.address, reg.size)
        try:
            values = reader.read_once()
        except PortError as err:
            raise self._port_lost(err) from err
        stopped = [
            i
            for i, v in zip(self._ids, values, strict=True)
            if isinstance(v, bytes) and reg.decode(v) == WATCHDOG_TRIPPED
        ]
        if stopped:
            raise LimbFault(
                f"the host sent nothing for {silent_s * 1e3:.0f} ms and the servos' bus "
                f"watchdog ({armed_s * 1e3:.0f} ms) stopped servos {stopped}; they hold "
                "where they stopped and refuse goals until enabled again",
                port=self.bus.port,
                servo_id=stopped[0],
                joint=self._names_by_id[stopped[0]],
            )

    def _check_watchdog(self) -> None:
        if self._tripped or not self._watchdog.expired():
            return
        self._tripped = True
        if self.on_timeout == "disable" and self._enabled:
            log.warning(
                "no command for %.0f ms: torque off on %s (call enable() to resume)",
                self._watchdog.timeout_s * 1000,
                self.bus.port,
            )
            self.disable()
        else:
            log.warning(
                "no command for %.0f ms: holding the last goal on %s",
                self._watchdog.timeout_s * 1000,
                self.bus.port,
            )
