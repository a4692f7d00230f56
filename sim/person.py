"""A person: a static, clearly human body (legs, torso, head with hair and eyes, arms),
standing or seated, with one hand held out palm-up to receive things.

The handover point is HANDOVER_ABOVE_PALM_M above the open palm: where a held object's
reference point (the centre of its bottom) goes for a handover; let go there and the
object rests on the palm (the forearm meets the palm's edge below its upper face, so
nothing but the palm is under the handover point). Frame used to build: the person
faces +x, their right hand is on -y; `build_person` turns it to face the arm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.catalogue.types import HANDOVER_ABOVE_PALM_M
from core.msgs import Vec3
from sim.bodies import RGBA, Body, Part, build_body
from sim.props import rod

SKIN: RGBA = (0.87, 0.68, 0.55, 1.0)
HAIR: RGBA = (0.20, 0.13, 0.08, 1.0)
EYES: RGBA = (0.05, 0.05, 0.05, 1.0)
TROUSERS: RGBA = (0.18, 0.22, 0.35, 1.0)

PALM_SIZE = (0.09, 0.08, 0.02)  # m
ARM_LENGTH = 0.62  # shoulder to palm (m)
LIMB_RADIUS = 0.04
FOREARM_RADIUS = 0.035
WRIST_BELOW_PALM = 0.003
"""The forearm's top stays this far (m) below the palm's upper face: what is handed
over rests on the flat palm alone."""
HEAD_RADIUS = 0.10


@dataclass(frozen=True)
class Posture:
    """Heights (m) of one posture, person frame."""

    hip: float
    shoulder: float
    head: float
    knee_forward: float  # 0 standing; thigh length when seated


STANDING = Posture(hip=0.86, shoulder=1.38, head=1.60, knee_forward=0.0)
SEATED = Posture(hip=0.52, shoulder=1.02, head=1.24, knee_forward=0.42)
POSTURES = {"standing": STANDING, "seated": SEATED}
"""By the names a thing file's `[person] posture` uses."""


@dataclass
class PersonBody:
    body: Body
    handover: Vec3
    """Handover point, world frame (m)."""


def _parts(posture: Posture, shirt: RGBA, hair: RGBA, hand: np.ndarray) -> list[Part]:
    """The body's parts; the sizes in here (m) are an adult's proportions, set by eye."""
    parts: list[Part] = []
    for side in (-1.0, 1.0):
        hip = (0.0, side * 0.09, posture.hip)
        if posture.knee_forward > 0:
            knee = (posture.knee_forward, side * 0.09, posture.hip)
            parts.append(rod(hip, knee, 0.065, TROUSERS))
            parts.append(
                rod(knee, (posture.knee_forward + 0.03, side * 0.09, 0.02), 0.05, TROUSERS)
            )
        else:
            parts.append(rod(hip, (0.0, side * 0.09, 0.02), 0.065, TROUSERS))
    torso_h = posture.shoulder + 0.04 - (posture.hip - 0.02)
    parts.append(
        Part("box", (0.22, 0.38, torso_h), (0.0, 0.0, posture.hip - 0.02 + torso_h / 2), shirt)
    )
    neck_base = posture.shoulder + 0.04
    parts.append(rod((0, 0, neck_base), (0, 0, posture.head - 0.06), 0.045, SKIN))
    parts.append(Part("sphere", (HEAD_RADIUS, 0, 0), (0.0, 0.0, posture.head), SKIN))
    parts.append(
        Part(
            "sphere",
            (HEAD_RADIUS + 0.006, 0, 0),
            (-0.02, 0.0, posture.head + 0.025),
            hair,
            collide=False,
        )
    )
    for side in (-1.0, 1.0):
        parts.append(
            Part(
                "sphere",
                (0.012, 0, 0),
                (0.092, side * 0.035, posture.head + 0.01),
                EYES,
                collide=False,
            )
        )
    # Left arm hangs by the side.
    l_sh = np.array([0.0, 0.21, posture.shoulder])
    l_el = l_sh + np.array([0.03, 0.02, -0.28])
    l_hand = l_el + np.array(
        [
            0.04 if posture.knee_forward == 0 else 0.22,
            0.0,
            -0.26 if posture.knee_forward == 0 else -0.05,
        ]
    )
    parts += [
        rod(tuple(l_sh), tuple(l_el), LIMB_RADIUS, shirt),
        rod(tuple(l_el), tuple(l_hand), 0.035, SKIN),
    ]
    # Right arm reaches out, palm up under the handover point; the elbow bends down.
    r_sh = np.array([0.0, -0.21, posture.shoulder])
    span = float(np.linalg.norm(hand - r_sh))
    half = ARM_LENGTH / 2
    drop = math.sqrt(max(half**2 - (span / 2) ** 2, 0.0))
    r_el = (r_sh + hand) / 2 + np.array([0.0, -0.03, -drop])
    parts += [
        rod(tuple(r_sh), tuple(r_el), LIMB_RADIUS, shirt),
        rod(tuple(r_el), tuple(_wrist(r_el, hand)), FOREARM_RADIUS, SKIN),
    ]
    parts.append(Part("box", PALM_SIZE, tuple(hand), SKIN))  # type: ignore[arg-type]
    return parts


def _wrist(elbow: np.ndarray, palm_centre: np.ndarray) -> np.ndarray:
    """Where the forearm ends (m, person frame): at the palm's edge toward the elbow,
    low enough that the forearm's top stays WRIST_BELOW_PALM under the palm's upper
    face. A forearm ending at the palm's centre would stand above the palm and tip
    whatever is handed over onto it."""
    toward_elbow = elbow[:2] - palm_centre[:2]
    toward_elbow = toward_elbow / max(float(np.linalg.norm(toward_elbow)), 1e-9)
    palm_top = palm_centre[2] + PALM_SIZE[2] / 2
    xy = palm_centre[:2] + toward_elbow * PALM_SIZE[0] / 2
    return np.array([xy[0], xy[1], palm_top - FOREARM_RADIUS - WRIST_BELOW_PALM])


def build_person(
    client: int,
    feet: Vec3,
    facing_yaw: float,
    handover: Vec3,
    posture: Posture,
    shirt: RGBA,
    hair: RGBA = HAIR,
) -> PersonBody:
    """A static person standing (or seated) at `feet` (m, world), facing `facing_yaw`
    (rad, 0 = +x), holding a palm out under the world point `handover` (m)."""
    cos, sin = math.cos(facing_yaw), math.sin(facing_yaw)
    d = np.asarray(handover) - np.asarray(feet)
    local_handover = np.array([cos * d[0] + sin * d[1], -sin * d[0] + cos * d[1], d[2]])
    palm_centre = local_handover - (0.0, 0.0, HANDOVER_ABOVE_PALM_M + PALM_SIZE[2] / 2)
    body = build_body(client, _parts(posture, shirt, hair, palm_centre), 0.0, feet, facing_yaw)
    return PersonBody(body=body, handover=tuple(float(v) for v in handover))  # type: ignore[arg-type]


def facing(from_xy: tuple[float, float], to_xy: tuple[float, float]) -> float:
    """Yaw (rad) that faces from one floor point towards another."""
    return math.atan2(to_xy[1] - from_xy[1], to_xy[0] - from_xy[0])
