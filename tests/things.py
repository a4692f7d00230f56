"""The catalogue's figures as the tests use them."""

from __future__ import annotations

from core.catalogue import thing
from core.catalogue.types import Parts, SpoutedPot, Vessel


def extent(name: str) -> tuple[float, float, float]:
    """The full size (m) of a thing made of boxes, over its solid parts."""
    body = thing(name).body
    assert isinstance(body, Parts)
    solid = [q for q in body.parts if q.collide and q.shape == "box"]
    lows = [min(q.position_m[i] - q.size_m[i] / 2 for q in solid) for i in range(3)]
    highs = [max(q.position_m[i] + q.size_m[i] / 2 for q in solid) for i in range(3)]
    return (highs[0] - lows[0], highs[1] - lows[1], highs[2] - lows[2])


def vessel(name: str) -> Vessel:
    body = thing(name).body
    assert isinstance(body, Vessel)
    return body


def pot(name: str = "teapot") -> SpoutedPot:
    body = thing(name).body
    assert isinstance(body, SpoutedPot)
    return body


def grasp_height(name: str) -> float:
    spec = thing(name).grasp
    assert spec is not None
    return spec.height_m


def capacity(name: str) -> int:
    spec = thing(name).container
    assert spec is not None
    return spec.capacity
