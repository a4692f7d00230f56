"""Which joint readings a limb believes, and when it stops believing its servos.

A reading of a joint is rejected when
- it is outside the joint's limits by more than `LIMIT_MARGIN_RAD`;
- it moved further from the joint's last accepted reading than the joint's top speed
  allows in the time between the two samples, plus one tick of encoder noise and
  quantisation (`ENCODER_NOISE_TICKS`). A servo samples its position between our sending
  the request and our receiving the reply, so the longest that time can be is from the
  sending of the last accepted reading's request to the arrival of this reply;
- its velocity is above `VELOCITY_READING_FACTOR` times the top speed;
- or it did not come: no valid reply in time, or a status packet reporting an error.
A rejected reading is replaced by the joint's last accepted one, and the state's stamp
is then the oldest information in it, so `now - stamp_ns` says how stale the state is.
`state()` raises `LimbFault` after `MAX_REJECTIONS_IN_A_ROW` missing readings of one
joint in a row (no reply, an error: a lost servo or bus), or when a streak of two or
more rejections lasts the fault budget (`FAULT_BUDGET_S`, or as many reply timeouts if
they take longer; one rejection alone never does: in a read the machine held up for
longer than the budget, one bad reply would end the arm). Implausible values get the
budget, not the count: a joint knocked faster than its motor drives it (or the twin's
contact impulses) reads ahead of the last accepted value for a few ms, and the reach
grows with the time since, so true readings are accepted again well within the budget,
while a forged one is alone between true ones.

What cannot be caught: a wrong value inside the joint's limits and within the jump bound
is indistinguishable from a true reading (a forged or corrupted reply whose checksum
holds, such as two swapped bytes that differ little, or two bit flips that cancel in
Feetech's additive checksum). Each such reading moves the joint's believed position by
no more than the joint could have moved.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

from core.msgs import JointState
from core.profile import JointSpec
from robot.limbs.base import LimbFault

log = logging.getLogger(__name__)

LIMIT_MARGIN_RAD = 0.05
"""How far past its limits a joint may read (rad, 2.9 deg): a servo stops a few ticks past
its goal, and a loaded joint held at its limit gives a little. Further out, the reading
is wrong, or so is the calibration, or the joint was moved out of its range by hand."""
ENCODER_NOISE_TICKS = 1
"""A still joint's reading may change by one tick (encoder noise and quantisation)."""
VELOCITY_READING_FACTOR = 2.0
"""A servo's velocity reading is a position difference over a short window and
overshoots when the joint starts or stops; twice the top speed is beyond any true one."""
MAX_REJECTIONS_IN_A_ROW = 3
"""Missing readings of one joint in a row (no valid reply, a status error) before the
limb gives up: transient faults (one corrupted reply, a late one) pass, a lost servo or
bus raises within three reply timeouts (~18 ms at 1 Mbps)."""
FAULT_BUDGET_S = 0.030
"""The longest a streak of rejections may last before the limb gives up, when the caller
reads more slowly than one reply timeout apart: the supervisor's staleness limit is 50 ms,
the loop needs up to 10 ms to stop the arm. A bus whose reply timeouts are longer (the
twin's, with its 50 ms host margin) is given MAX_REJECTIONS_IN_A_ROW of them instead."""
REJECTION_LOG_INTERVAL_S = 1.0
"""Rejections are logged at most this often (summed), never once per tick."""

_NS = 1e-9


class PlausibleReadings:
    """The last accepted reading of each joint, and the rules for accepting a new one.

    joints: the profile's joints; top_speed: how fast each can move (rad/s);
    tick_rad: one encoder tick of each (rad); servo_ids, port: named in LimbFault;
    reply_timeout_s: what one failed read costs.
    Not thread-safe: the limb's owner calls it.
    """

    def __init__(
        self,
        joints: Sequence[JointSpec],
        top_speed: Sequence[float],
        tick_rad: Sequence[float],
        servo_ids: Sequence[int],
        port: str,
        reply_timeout_s: float,
    ) -> None:
        self.names = tuple(j.name for j in joints)
        self.servo_ids = tuple(servo_ids)
        self.port = port
        self.fault_budget_s = max(FAULT_BUDGET_S, MAX_REJECTIONS_IN_A_ROW * reply_timeout_s)
        """How long a joint's rejections may go on before `state()` raises LimbFault."""
        self.lower = tuple(j.lower - LIMIT_MARGIN_RAD for j in joints)
        self.upper = tuple(j.upper + LIMIT_MARGIN_RAD for j in joints)
        self.top_speed = tuple(top_speed)
        self._speed_per_ns = tuple(s * _NS for s in top_speed)
        self._noise = tuple(ENCODER_NOISE_TICKS * t for t in tick_rad)
        self._max_velocity = tuple(VELOCITY_READING_FACTOR * s for s in top_speed)
        n = len(self.names)
        self.position = [0.0] * n
        self.velocity = [0.0] * n
        self.stamp_ns = [0] * n
        """When each joint's last accepted reading was asked for (`time.monotonic_ns()`)."""
        self.rejected = dict.fromkeys(self.names, 0)
        """Readings rejected so far, per joint."""
        self._streak = [0] * n
        self._missing = [0] * n
        """Missing readings of each joint in a row (within `_streak`)."""
        self._streak_start_ns = [0] * n
        self._why = [""] * n
        self._rejected_now = False
        self._logged_at = -math.inf
        self._logged_total = 0

    def in_limits(self, k: int, position: float) -> bool:
        """Whether joint k's `position` (rad) is inside its limits, margin included."""
        return self.lower[k] <= position <= self.upper[k]

    def start(self, position: Sequence[float], velocity: Sequence[float], stamp_ns: int) -> None:
        """Believe these readings (checked by the caller) as the first ones."""
        self.position[:] = position
        self.velocity[:] = velocity
        self.stamp_ns[:] = [stamp_ns] * len(self.names)

    def offer(
        self, k: int, position: float, velocity: float, stamp_ns: int, received_ns: int
    ) -> None:
        """Joint k's reading (rad, rad/s) from the request sent at `stamp_ns`, whose
        replies were in by `received_ns`."""
        reach = self._speed_per_ns[k] * (received_ns - self.stamp_ns[k]) + self._noise[k]
        # Written so that NaN fails every comparison and is rejected.
        if (
            self.lower[k] <= position <= self.upper[k]
            and -reach <= position - self.position[k] <= reach
            and -self._max_velocity[k] <= velocity <= self._max_velocity[k]
        ):
            self.position[k] = position
            self.velocity[k] = velocity
            self.stamp_ns[k] = stamp_ns
            self._streak[k] = self._missing[k] = 0
        else:
            why = self._implausible(k, position, velocity, received_ns)
            self.reject(k, stamp_ns, why, missing=False)

    def reject(self, k: int, stamp_ns: int, why: str, *, missing: bool = True) -> None:
        """Joint k has no believable reading from the request sent at `stamp_ns`:
        missing (no reply, an error), or not `missing` (an implausible value)."""
        if not self._streak[k]:
            self._streak_start_ns[k] = stamp_ns
        self._streak[k] += 1
        self._missing[k] = self._missing[k] + 1 if missing else 0
        self._why[k] = why
        self.rejected[self.names[k]] += 1
        self._rejected_now = True

    def last_rejection(self, k: int) -> str:
        """Why joint k's last reading was rejected, "" if it was accepted."""
        return self._why[k] if self._streak[k] else ""

    def state(self, stamp_ns: int) -> JointState:
        """The believed state after the readings of the request sent at `stamp_ns`.

        Raises LimbFault when a joint's rejections have gone on too long.
        """
        if not self._rejected_now:
            return JointState(
                stamp_ns=stamp_ns, position=tuple(self.position), velocity=tuple(self.velocity)
            )
        self._rejected_now = False
        now_ns = time.monotonic_ns()
        self._give_up_if_lost(now_ns)
        self._log_throttled(now_ns)
        return JointState(
            stamp_ns=min(self.stamp_ns),
            position=tuple(self.position),
            velocity=tuple(self.velocity),
        )

    # -- the rare paths ------------------------------------------------------------------
    def _implausible(self, k: int, position: float, velocity: float, received_ns: int) -> str:
        if not self.lower[k] <= position <= self.upper[k]:
            return (
                f"read {math.degrees(position):+.1f} deg, outside its limits "
                f"{math.degrees(self.lower[k] + LIMIT_MARGIN_RAD):+.1f}.."
                f"{math.degrees(self.upper[k] - LIMIT_MARGIN_RAD):+.1f} deg"
            )
        if not abs(velocity) <= self._max_velocity[k]:
            return f"read a velocity of {velocity:+.1f} rad/s (top speed {self.top_speed[k]:.1f})"
        dt_ms = (received_ns - self.stamp_ns[k]) / 1e6
        return (
            f"jumped {math.degrees(abs(position - self.position[k])):.1f} deg in "
            f"{dt_ms:.1f} ms (top speed {self.top_speed[k]:.1f} rad/s)"
        )

    def _give_up_if_lost(self, now_ns: int) -> None:
        budget_ns = self.fault_budget_s * 1e9
        lost = [
            k
            for k, n in enumerate(self._streak)
            if self._missing[k] >= MAX_REJECTIONS_IN_A_ROW
            or (n >= 2 and now_ns - self._streak_start_ns[k] >= budget_ns)
        ]
        if not lost:
            return
        k = lost[0]
        others = [str(self.servo_ids[i]) for i in lost[1:]]
        also = f" (servos {', '.join(others)} too)" if others else ""
        ms = (now_ns - self._streak_start_ns[k]) / 1e6
        raise LimbFault(
            f"{self._streak[k]} readings in a row rejected over {ms:.0f} ms{also}; "
            f"the last: {self._why[k]}",
            port=self.port,
            servo_id=self.servo_ids[k],
            joint=self.names[k],
        )

    def _log_throttled(self, now_ns: int) -> None:
        now = now_ns * _NS
        if now - self._logged_at < REJECTION_LOG_INTERVAL_S:
            return
        total = sum(self.rejected.values())
        k = max(range(len(self._streak)), key=self._streak.__getitem__)
        log.warning(
            "%s: %d joint readings rejected since the last report (joint %s: %s); "
            "rejected so far: %s",
            self.port,
            total - self._logged_total,
            self.names[k],
            self._why[k],
            self.rejected,
        )
        self._logged_at = now
        self._logged_total = total
