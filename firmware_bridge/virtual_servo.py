"""The firmware side of one emulated servo: its control table memory and the rules real
servos apply to reads and writes.

- EEPROM registers are writable only with torque off (else: access error on Dynamixel,
  ignored on Feetech, whose status byte has no such bit).
- Feetech's `lock` register: EEPROM writes made while lock = 1 take effect but are not
  saved; they are lost at reboot or restart, as on the real servo.
- Goal positions outside the position limits: data limit error on Dynamixel, clamped
  on Feetech.
- Homing offset: Feetech `present = actual - offset` (wrapped to one turn),
  Dynamixel `present = actual + offset`.
- Dynamixel's Bus Watchdog (98, units of 20 ms, 0 = off): with torque on, a servo that
  hears no instruction packet for longer than it says stops where it is, the register
  reads -1, and goal writes are refused (data range error) until 0 is written
  (ROBOTIS e-Manual, X series). The bus calls `heard` and `watch`.
- Temperature and supply voltage follow the load: the motor warms toward
  `FULL_LOAD_RISE_C` above its start-up reading at full load (as load squared, with
  `THERMAL_TIME_CONSTANT_S`), and the supply sags by `FULL_LOAD_SAG_V` at full load.
The physics (how the position moves) is the `ServoModel`'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import IntEnum

from firmware_bridge.control_tables import ControlTable, Register
from firmware_bridge.servo_model import ServoModel


class WriteResult(IntEnum):
    """Outcome of a write, numbered as Dynamixel status error numbers."""

    OK = 0
    DATA_RANGE = 4
    DATA_LIMIT = 6
    ACCESS = 7


THERMAL_TIME_CONSTANT_S = 120.0
"""How fast an emulated motor warms or cools toward its load's temperature (s): a small
servo left stalled reaches its limit in minutes."""
FULL_LOAD_RISE_C = 60.0
"""How far above its start-up temperature a motor held at full load settles (deg C):
past every limit, as a stalled hobby servo does."""
FULL_LOAD_SAG_V = 0.3
"""The supply's drop at full load (V): the cable and the supply's own resistance."""
WATCHDOG_UNIT_S = 0.020
"""One unit of the Bus Watchdog register (s)."""

_MOTION_REGISTERS = frozenset(
    {
        "torque_enable",
        "goal_position",
        "goal_velocity",
        "profile_velocity",
        "acceleration",
        "profile_acceleration",
        "homing_offset",
        "velocity_limit",
    }
)


class VirtualServo:
    """One emulated servo. Not thread-safe: the virtual bus's thread owns it."""

    def __init__(
        self,
        servo_id: int,
        table: ControlTable,
        model: ServoModel,
        eeprom: Mapping[str, int] | None = None,
    ) -> None:
        self.table = table
        self.model = model
        self.slot = servo_id
        """The ID given at start-up; it keys the servo in the EEPROM file."""
        self.memory = bytearray(table.size)
        self._by_address: list[Register | None] = [table.register_at(a) for a in range(table.size)]
        self._goal = table["goal_position"]
        self._eeprom_registers = tuple(r for r in table.registers.values() if r.area == "eeprom")
        self._ram_registers = tuple(r for r in table.registers.values() if r.area == "ram")
        for reg in table.registers.values():
            self._store(reg, reg.default)
        self._store(table["id"], servo_id)
        for name, value in (eeprom or {}).items():
            self._store(table[name], value)
        self._saved = self.eeprom_values()
        self.feetech = table.protocol == "feetech"
        self._present = table["present_position"]
        self._velocity = table["present_velocity"]
        self._load = table.registers.get("present_load")
        self._moving = table["moving"]
        self._watchdog = table.registers.get("bus_watchdog")
        self._heard_s = 0.0
        self._temperature = table.registers.get("present_temperature")
        self._voltage = table.registers.get("present_voltage") or table.registers.get(
            "present_input_voltage"
        )
        self._ambient_c = float(self._temperature.default) if self._temperature else 0.0
        self._temperature_c = self._ambient_c
        self._thermal_at_s: float | None = None
        self._sync_goal_to_present(0.0)

    # -- register access ------------------------------------------------------------
    def value(self, name: str) -> int:
        reg = self.table[name]
        return reg.decode(self.memory[reg.address : reg.address + reg.size])

    def _store(self, reg: Register, value: int) -> None:
        self.memory[reg.address : reg.address + reg.size] = reg.encode(value)

    @property
    def servo_id(self) -> int:
        return self.memory[self.table["id"].address]

    @property
    def torque_enabled(self) -> bool:
        return bool(self.memory[self.table["torque_enable"].address])

    @property
    def baud(self) -> int:
        return self.table.baud_rates.get(self.value("baud_rate"), 0)

    @property
    def return_delay_s(self) -> float:
        """Time the servo waits before answering (register unit: 2 us)."""
        return self.value("return_delay_time") * 2e-6

    @property
    def status_return_level(self) -> int:
        return self.value("status_return_level")

    # -- the bus watchdog -------------------------------------------------------------
    @property
    def watching(self) -> bool:
        """Whether the bus watchdog runs: armed, torque on."""
        return self._watchdog is not None and self._watchdog_units() > 0 and self.torque_enabled

    def _watchdog_units(self) -> int:
        reg = self._watchdog
        assert reg is not None
        return reg.decode(self.memory[reg.address : reg.address + reg.size])

    def heard(self, now_s: float) -> None:
        """An instruction packet went by on the bus at `now_s`."""
        self._heard_s = now_s

    def watch(self, now_s: float) -> bool:
        """Stop the servo if its bus watchdog ran out by `now_s`; True when it did now."""
        if not self.watching or now_s - self._heard_s <= self._watchdog_units() * WATCHDOG_UNIT_S:
            return False
        assert self._watchdog is not None
        self._store(self._watchdog, -1)
        self._sync_goal_to_present(now_s)
        return True

    def eeprom_values(self) -> dict[str, int]:
        """Values of every writable EEPROM register (what a power cycle keeps)."""
        return {r.name: self.value(r.name) for r in self._eeprom_registers if r.writable}

    @property
    def saved_eeprom(self) -> dict[str, int]:
        """The EEPROM as it would be after a power cycle."""
        return dict(self._saved)

    def ping_params(self) -> bytes:
        """Dynamixel PING reply: model number (2) and firmware version (1)."""
        return self.table.model_number.to_bytes(2, "little") + bytes(
            (self.value("firmware_version"),)
        )

    def read(self, address: int, length: int, now_s: float) -> bytes | None:
        """Bytes at address..address+length, present values refreshed; None if out of range."""
        if address < 0 or length < 0 or address + length > len(self.memory):
            return None
        self._refresh(now_s)
        return bytes(self.memory[address : address + length])

    def write(self, address: int, data: bytes, now_s: float) -> WriteResult:
        """Apply a write as the servo would. Nothing is changed unless the result is OK."""
        end = address + len(data)
        if address < 0 or end > len(self.memory) or not data:
            return WriteResult.DATA_RANGE
        touched = list(dict.fromkeys(r for r in self._by_address[address:end] if r is not None))
        for reg in touched:
            if not reg.writable:
                return WriteResult.ACCESS
            if reg.area == "eeprom" and self.torque_enabled:
                return WriteResult.ACCESS
        new = bytearray(self.memory)
        new[address:end] = data
        goal = self._goal
        tripped = self._watchdog is not None and self._watchdog_units() < 0
        if tripped and any(r.name.startswith("goal_") for r in touched):
            return WriteResult.DATA_RANGE
        if any(r is goal for r in touched):
            wanted = goal.decode(new[goal.address : goal.address + goal.size])
            low, high = self.value("min_position_limit"), self.value("max_position_limit")
            if low < high and not low <= wanted <= high:
                if not self.feetech:
                    return WriteResult.DATA_LIMIT
                new[goal.address : goal.address + goal.size] = goal.encode(
                    min(max(wanted, low), high)
                )
        was_enabled = self.torque_enabled
        self.memory[:] = new
        if any(r is self._watchdog for r in touched):
            self._heard_s = now_s  # armed now: the interval counts from here
        if any(r.area == "eeprom" for r in touched) and (
            not self.feetech or self.value("lock") == 0
        ):
            self._saved = self.eeprom_values()
        if any(r.name in _MOTION_REGISTERS for r in touched):
            if self.torque_enabled and not was_enabled and all(r is not goal for r in touched):
                # Torque on holds where the servo is, as real servos do.
                self._sync_goal_to_present(now_s)
            self._command(now_s)
        return WriteResult.OK

    def reboot(self, now_s: float) -> None:
        """Restart: RAM back to defaults, EEPROM as saved; the motor stays where it is."""
        for reg in self._ram_registers:
            self._store(reg, reg.default)
        for name, value in self._saved.items():
            self._store(self.table[name], value)
        self._sync_goal_to_present(now_s)

    def factory_reset(self, now_s: float, keep_id: bool = True, keep_baud: bool = True) -> None:
        """Every register back to its default (ID and baud kept unless told otherwise)."""
        servo_id, baud = self.servo_id, self.value("baud_rate")
        for reg in self.table.registers.values():
            self._store(reg, reg.default)
        if keep_id:
            self._store(self.table["id"], servo_id)
        if keep_baud:
            self._store(self.table["baud_rate"], baud)
        self._saved = self.eeprom_values()
        self._sync_goal_to_present(now_s)

    # -- physics ------------------------------------------------------------------
    def _offset(self) -> int:
        offset = self.value("homing_offset")
        return offset if self.feetech else -offset

    def _to_present(self, actual: float) -> float:
        present = actual - self._offset()
        return present % self.table.resolution if self.feetech else present

    def _sync_goal_to_present(self, now_s: float) -> None:
        sample = self.model.sample(now_s)
        present = round(self._to_present(sample.position))
        goal = self.table["goal_position"]
        if self.feetech:
            present %= self.table.resolution
        self._store(goal, present)
        self._command(now_s)

    def _command(self, now_s: float) -> None:
        table = self.table
        if self.feetech:
            velocity = self.value("goal_velocity")
            acceleration = self.value("acceleration")
        else:
            velocity = self.value("profile_velocity")
            limit = self.value("velocity_limit")
            velocity = min(velocity, limit) if velocity and limit else velocity or limit
            acceleration = self.value("profile_acceleration")
        max_velocity = abs(velocity) * table.velocity_unit if velocity else table.max_velocity
        max_acceleration = acceleration * table.acceleration_unit if acceleration else math.inf
        # Position mode works within the reported range: the motor travels from the
        # present reading to the goal reading and never across the wrap point (the long
        # way round if need be, as a real servo with position limits does).
        actual_now = self.model.sample(now_s).position
        goal = actual_now + self.value("goal_position") - self._to_present(actual_now)
        self.model.command(now_s, self.torque_enabled, goal, max_velocity, max_acceleration)

    def _refresh(self, now_s: float) -> None:
        sample = self.model.sample(now_s)
        present = round(self._to_present(sample.position))
        velocity = round(sample.velocity / self.table.velocity_unit)
        reg = self._present
        limit = (1 << (reg.sign_bit or 31)) - 1
        self._store(reg, max(-limit, min(limit, present)))
        reg = self._velocity
        limit = (1 << (reg.sign_bit or 31)) - 1
        self._store(reg, max(-limit, min(limit, velocity)))
        load = max(-1.0, min(1.0, sample.load))
        if self._load is not None:
            self._store(self._load, round(load * self.table.load_full_scale(self.value)))
        self.memory[self._moving.address] = 1 if velocity else 0
        self._warm(now_s, load)

    def _warm(self, now_s: float, load: float) -> None:
        """Temperature and supply voltage at `now_s`, the load held since the last read."""
        if self._temperature is not None:
            since = 0.0 if self._thermal_at_s is None else max(0.0, now_s - self._thermal_at_s)
            self._thermal_at_s = now_s
            settles = self._ambient_c + FULL_LOAD_RISE_C * load * load
            self._temperature_c += (settles - self._temperature_c) * (
                1.0 - math.exp(-since / THERMAL_TIME_CONSTANT_S)
            )
            self._store(self._temperature, round(self._temperature_c))
        if self._voltage is not None:
            supply_v = self._voltage.default / 10
            self._store(self._voltage, round((supply_v - FULL_LOAD_SAG_V * abs(load)) * 10))
