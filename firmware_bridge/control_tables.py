"""Control tables as data: one row per register, per servo model.

A row is (name, address, size in bytes, area, access, unit, default, sign). Area "eeprom"
survives power-off and is writable only with torque off; "ram" does not survive. Access
"r" is read-only, "rw" read-write. Sign: "" unsigned, "twos" two's complement
(Dynamixel), or "smN" sign-magnitude with the sign in bit N (Feetech STS). Every value is
little-endian on both protocols (STS/SMS and Dynamixel X; the older SCS series is big-endian
and not covered here).

Register names are shared across models where the meaning is the same (`id`, `baud_rate`,
`return_delay_time`, `homing_offset`, `torque_enable`, `goal_position`, `present_position`,
`present_velocity`...), so the bus and the tools address registers by name.
Sources: Feetech STS3215 memory table, ROBOTIS e-Manual for XL330-M288 and XL430-W250.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Area = Literal["eeprom", "ram"]
Access = Literal["r", "rw"]
ProtocolName = Literal["dynamixel", "feetech"]


@dataclass(frozen=True, slots=True)
class Register:
    """One entry of a control table."""

    name: str
    address: int
    size: int
    area: Area
    access: Access
    unit: str = ""
    default: int = 0
    sign: str = ""

    @property
    def writable(self) -> bool:
        return self.access == "rw"

    @property
    def sign_bit(self) -> int | None:
        """Bit that carries the sign for sign-magnitude registers, else None."""
        return int(self.sign[2:]) if self.sign.startswith("sm") else None

    def encode(self, value: int) -> bytes:
        """Value in register units -> bytes (little-endian), range-checked."""
        raw = to_raw(value, self.size, self.sign)
        return raw.to_bytes(self.size, "little")

    def decode(self, data: bytes | bytearray | memoryview) -> int:
        """Bytes (little-endian) -> value in register units."""
        return from_raw(int.from_bytes(data, "little"), self.size, self.sign)


def to_raw(value: int, size: int, sign: str) -> int:
    """Signed value -> unsigned register content. Raises ValueError when it does not fit."""
    bits = 8 * size
    if sign == "twos":
        if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
            raise ValueError(f"{value} does not fit a signed {bits}-bit register")
        return value & ((1 << bits) - 1)
    if sign.startswith("sm"):
        sign_bit = int(sign[2:])
        magnitude = abs(value)
        if magnitude >= 1 << sign_bit:
            raise ValueError(
                f"magnitude {magnitude} exceeds {(1 << sign_bit) - 1} "
                f"(sign-magnitude, sign in bit {sign_bit})"
            )
        return magnitude | (1 << sign_bit) if value < 0 else magnitude
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{value} does not fit an unsigned {bits}-bit register")
    return value


def from_raw(raw: int, size: int, sign: str) -> int:
    """Unsigned register content -> signed value."""
    if sign == "twos":
        bits = 8 * size
        return raw - (1 << bits) if raw & (1 << (bits - 1)) else raw
    if sign.startswith("sm"):
        sign_bit = int(sign[2:])
        magnitude = raw & ((1 << sign_bit) - 1)
        return -magnitude if raw & (1 << sign_bit) else magnitude
    return raw


@dataclass(frozen=True)
class ControlTable:
    """Everything the stack knows about one servo model.

    resolution: encoder ticks per revolution. velocity_unit: ticks/s per unit of the
    velocity registers. acceleration_unit: ticks/s^2 per unit of the acceleration
    register. max_velocity: the no-load speed in ticks/s (used when the profile velocity
    is 0 = "as fast as possible"). baud_rates: register value -> baud.
    """

    model: str
    model_number: int
    protocol: ProtocolName
    resolution: int
    velocity_unit: float
    acceleration_unit: float
    max_velocity: float
    baud_rates: Mapping[int, int]
    registers: Mapping[str, Register] = field(repr=False)

    def __getitem__(self, name: str) -> Register:
        try:
            return self.registers[name]
        except KeyError:
            raise KeyError(
                f"servo model {self.model!r} has no register {name!r}; "
                f"known: {', '.join(self.registers)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.registers

    @property
    def size(self) -> int:
        """Bytes of memory the table spans."""
        return max(r.address + r.size for r in self.registers.values())

    def baud_index(self, baud: int) -> int:
        """Register value for a baud rate; ValueError lists the rates the model supports."""
        for index, rate in self.baud_rates.items():
            if rate == baud:
                return index
        rates = ", ".join(str(r) for r in self.baud_rates.values())
        raise ValueError(f"{self.model} does not support {baud} baud; it supports {rates}")

    def load_full_scale(self, value_of: Callable[[str], int]) -> int:
        """What `present_load` reads at full load: 1000 where its unit is 0.1 %, the
        servo's `current_limit` where it is a current in mA (the XL330's register 126
        is present current). value_of: reads a register of this servo by name."""
        if self["present_load"].unit == "mA":
            return max(1, value_of("current_limit"))
        return 1000

    def register_at(self, address: int) -> Register | None:
        """The register that covers `address`, if any."""
        for reg in self.registers.values():
            if reg.address <= address < reg.address + reg.size:
                return reg
        return None


Row = tuple[str, int, int, Area, Access, str, int, str]


def _table(rows: list[Row]) -> Mapping[str, Register]:
    return MappingProxyType({row[0]: Register(*row) for row in rows})


E: Area = "eeprom"
R: Area = "ram"

STS3215 = ControlTable(
    model="sts3215",
    model_number=777,
    protocol="feetech",
    resolution=4096,
    velocity_unit=1.0,  # goal/present velocity in ticks/s (50 ticks/s = 0.732 rev/min)
    acceleration_unit=100.0,  # acceleration register in units of 100 ticks/s^2
    max_velocity=3400.0,  # about 50 rev/min at 7.4 V
    # Vendor SDK / memory table: index 5 is 76800 (some third-party tables say otherwise).
    baud_rates=MappingProxyType(
        {0: 1_000_000, 1: 500_000, 2: 250_000, 3: 128_000, 4: 115_200, 5: 76_800, 6: 57_600}
        | {7: 38_400}
    ),
    registers=_table(
        [
            ("firmware_major", 0, 1, E, "r", "", 3, ""),
            ("firmware_minor", 1, 1, E, "r", "", 6, ""),
            ("model_number", 3, 2, E, "r", "", 777, ""),
            ("id", 5, 1, E, "rw", "", 1, ""),
            ("baud_rate", 6, 1, E, "rw", "index", 0, ""),
            ("return_delay_time", 7, 1, E, "rw", "2 us", 0, ""),
            ("status_return_level", 8, 1, E, "rw", "", 1, ""),
            ("min_position_limit", 9, 2, E, "rw", "ticks", 0, ""),
            ("max_position_limit", 11, 2, E, "rw", "ticks", 4095, ""),
            ("max_temperature_limit", 13, 1, E, "rw", "degC", 70, ""),
            ("max_voltage_limit", 14, 1, E, "rw", "0.1 V", 140, ""),
            ("min_voltage_limit", 15, 1, E, "rw", "0.1 V", 40, ""),
            ("max_torque_limit", 16, 2, E, "rw", "0.1 %", 1000, ""),
            ("phase", 18, 1, E, "rw", "bits", 12, ""),
            ("unloading_condition", 19, 1, E, "rw", "bits", 44, ""),
            ("led_alarm_condition", 20, 1, E, "rw", "bits", 47, ""),
            ("p_coefficient", 21, 1, E, "rw", "", 32, ""),
            ("d_coefficient", 22, 1, E, "rw", "", 32, ""),
            ("i_coefficient", 23, 1, E, "rw", "", 0, ""),
            ("minimum_startup_force", 24, 2, E, "rw", "0.1 %", 16, ""),
            ("cw_dead_zone", 26, 1, E, "rw", "ticks", 1, ""),
            ("ccw_dead_zone", 27, 1, E, "rw", "ticks", 1, ""),
            ("protection_current", 28, 2, E, "rw", "6.5 mA", 500, ""),
            ("angular_resolution", 30, 1, E, "rw", "", 1, ""),
            ("homing_offset", 31, 2, E, "rw", "ticks", 0, "sm11"),
            ("operating_mode", 33, 1, E, "rw", "", 0, ""),
            ("protective_torque", 34, 1, E, "rw", "%", 20, ""),
            ("protection_time", 35, 1, E, "rw", "10 ms", 200, ""),
            ("overload_torque", 36, 1, E, "rw", "%", 80, ""),
            ("velocity_p_coefficient", 37, 1, E, "rw", "", 10, ""),
            ("over_current_protection_time", 38, 1, E, "rw", "10 ms", 200, ""),
            ("velocity_i_coefficient", 39, 1, E, "rw", "", 200, ""),
            ("torque_enable", 40, 1, R, "rw", "", 0, ""),
            ("acceleration", 41, 1, R, "rw", "100 ticks/s^2", 0, ""),
            ("goal_position", 42, 2, R, "rw", "ticks", 0, "sm15"),
            ("goal_time", 44, 2, R, "rw", "ms", 0, ""),
            ("goal_velocity", 46, 2, R, "rw", "ticks/s", 0, "sm15"),
            ("torque_limit", 48, 2, R, "rw", "0.1 %", 1000, ""),
            ("lock", 55, 1, R, "rw", "", 1, ""),
            ("present_position", 56, 2, R, "r", "ticks", 0, "sm15"),
            ("present_velocity", 58, 2, R, "r", "ticks/s", 0, "sm15"),
            ("present_load", 60, 2, R, "r", "0.1 %", 0, "sm10"),
            ("present_voltage", 62, 1, R, "r", "0.1 V", 74, ""),
            ("present_temperature", 63, 1, R, "r", "degC", 30, ""),
            ("status", 65, 1, R, "r", "bits", 0, ""),
            ("moving", 66, 1, R, "r", "", 0, ""),
            ("present_current", 69, 2, R, "r", "6.5 mA", 0, ""),
        ]
    ),
)


def _x_series(
    model: str, model_number: int, firmware: int, max_rpm: float, extra: list[Row]
) -> ControlTable:
    """The X-series table shared by XL330-M288 and XL430-W250, plus the rows that differ."""
    rows: list[Row] = [
        ("model_number", 0, 2, E, "r", "", model_number, ""),
        ("model_information", 2, 4, E, "r", "", 0, ""),
        ("firmware_version", 6, 1, E, "r", "", firmware, ""),
        ("id", 7, 1, E, "rw", "", 1, ""),
        ("baud_rate", 8, 1, E, "rw", "index", 1, ""),
        ("return_delay_time", 9, 1, E, "rw", "2 us", 250, ""),
        ("drive_mode", 10, 1, E, "rw", "bits", 0, ""),
        ("operating_mode", 11, 1, E, "rw", "", 3, ""),
        ("secondary_id", 12, 1, E, "rw", "", 255, ""),
        ("protocol_type", 13, 1, E, "rw", "", 2, ""),
        ("homing_offset", 20, 4, E, "rw", "ticks", 0, "twos"),
        ("moving_threshold", 24, 4, E, "rw", "0.229 rev/min", 10, ""),
        ("temperature_limit", 31, 1, E, "rw", "degC", 70, ""),
        ("max_voltage_limit", 32, 2, E, "rw", "0.1 V", 140, ""),
        ("min_voltage_limit", 34, 2, E, "rw", "0.1 V", 35, ""),
        ("pwm_limit", 36, 2, E, "rw", "0.113 %", 885, ""),
        ("velocity_limit", 44, 4, E, "rw", "0.229 rev/min", 445, ""),
        ("max_position_limit", 48, 4, E, "rw", "ticks", 4095, ""),
        ("min_position_limit", 52, 4, E, "rw", "ticks", 0, ""),
        ("shutdown", 63, 1, E, "rw", "bits", 52, ""),
        ("torque_enable", 64, 1, R, "rw", "", 0, ""),
        ("led", 65, 1, R, "rw", "", 0, ""),
        ("status_return_level", 68, 1, R, "rw", "", 2, ""),
        ("registered_instruction", 69, 1, R, "r", "", 0, ""),
        ("hardware_error_status", 70, 1, R, "r", "bits", 0, ""),
        ("velocity_i_gain", 76, 2, R, "rw", "", 1000, ""),
        ("velocity_p_gain", 78, 2, R, "rw", "", 100, ""),
        ("position_d_gain", 80, 2, R, "rw", "", 0, ""),
        ("position_i_gain", 82, 2, R, "rw", "", 0, ""),
        ("position_p_gain", 84, 2, R, "rw", "", 800, ""),
        ("feedforward_2nd_gain", 88, 2, R, "rw", "", 0, ""),
        ("feedforward_1st_gain", 90, 2, R, "rw", "", 0, ""),
        ("bus_watchdog", 98, 1, R, "rw", "20 ms", 0, "twos"),
        ("goal_pwm", 100, 2, R, "rw", "0.113 %", 885, "twos"),
        ("goal_velocity", 104, 4, R, "rw", "0.229 rev/min", 0, "twos"),
        ("profile_acceleration", 108, 4, R, "rw", "214.577 rev/min^2", 0, ""),
        ("profile_velocity", 112, 4, R, "rw", "0.229 rev/min", 0, ""),
        ("goal_position", 116, 4, R, "rw", "ticks", 0, "twos"),
        ("realtime_tick", 120, 2, R, "r", "ms", 0, ""),
        ("moving", 122, 1, R, "r", "", 0, ""),
        ("moving_status", 123, 1, R, "r", "bits", 0, ""),
        ("present_pwm", 124, 2, R, "r", "0.113 %", 0, "twos"),
        ("present_velocity", 128, 4, R, "r", "0.229 rev/min", 0, "twos"),
        ("present_position", 132, 4, R, "r", "ticks", 0, "twos"),
        ("velocity_trajectory", 136, 4, R, "r", "0.229 rev/min", 0, "twos"),
        ("position_trajectory", 140, 4, R, "r", "ticks", 0, "twos"),
        ("present_input_voltage", 144, 2, R, "r", "0.1 V", 50, ""),
        ("present_temperature", 146, 1, R, "r", "degC", 30, ""),
    ]
    ticks_per_s_per_rpm = 4096 / 60.0
    return ControlTable(
        model=model,
        model_number=model_number,
        protocol="dynamixel",
        resolution=4096,
        velocity_unit=0.229 * ticks_per_s_per_rpm,
        acceleration_unit=214.577 * 4096 / 3600.0,
        max_velocity=max_rpm * ticks_per_s_per_rpm,
        baud_rates=MappingProxyType(
            {0: 9_600, 1: 57_600, 2: 115_200, 3: 1_000_000, 4: 2_000_000, 5: 3_000_000}
            | {6: 4_000_000}
        ),
        registers=_table(sorted(rows + extra, key=lambda row: row[1])),
    )


XL330_M288 = _x_series(
    "xl330-m288",
    1200,
    firmware=46,
    max_rpm=103.0,
    extra=[
        ("current_limit", 38, 2, E, "rw", "mA", 1750, ""),
        ("startup_configuration", 60, 1, E, "rw", "bits", 0, ""),
        ("goal_current", 102, 2, R, "rw", "mA", 1750, "twos"),
        ("present_load", 126, 2, R, "r", "mA", 0, "twos"),
    ],
)

XL430_W250 = _x_series(
    "xl430-w250",
    1060,
    firmware=45,
    max_rpm=57.0,
    extra=[("present_load", 126, 2, R, "r", "0.1 %", 0, "twos")],
)

MODELS: Mapping[str, ControlTable] = MappingProxyType(
    {t.model: t for t in (STS3215, XL330_M288, XL430_W250)}
)
DEFAULT_MODEL: Mapping[str, str] = MappingProxyType(
    {"feetech": "sts3215", "dynamixel": "xl330-m288"}
)


def get_model(name: str) -> ControlTable:
    """Look a model up by name ("sts3215", "xl330-m288", "xl430-w250"), case-insensitive."""
    try:
        return MODELS[name.lower()]
    except KeyError:
        raise KeyError(f"unknown servo model {name!r}; known: {', '.join(MODELS)}") from None


def model_by_number(protocol: str, model_number: int) -> ControlTable | None:
    """The table for a model number as a servo reports it, or None if unknown."""
    for table in MODELS.values():
        if table.protocol == protocol and table.model_number == model_number:
            return table
    return None


def standard_bauds(protocol: str) -> tuple[int, ...]:
    """Every baud rate some known model of the protocol supports, commonest first."""
    rates = {r for t in MODELS.values() if t.protocol == protocol for r in t.baud_rates.values()}
    return tuple(sorted(rates, key=lambda r: (r != 1_000_000, r != 57_600, -r)))
