"""Intents (what a request asks, without its wording) and the plans they compile to.

A *surface* intent is what one clause says ("fill both cups", "put the towel and the
pills on the table"); `to_plan_intents` expands it into plan intents, which
`compile_intents` turns into plan steps with the brain's own world model, so every
target is a valid plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import pairwise

from core.errors import PlanRejected
from core.msgs import Step
from core.scenes import SceneSpec
from robot.brain.dsl import DslStep
from robot.brain.world import WorldModel

TEAPOT_HOME = "table"
"""Where the teapot goes back after pouring (the tea scene's only free surface besides the tray)."""
SAY_CODES = ("hello", "goodbye", "thanks", "welcome", "enjoy")
SKILL_ARG_NAMES = {
    "pick": ("object",),
    "place": ("object", "target"),
    "pour": ("source", "target"),
    "handover": ("object", "person"),
    "go_home": (),
}


def person_of(spec: SceneSpec) -> str:
    return next(iter(spec.persons))


def cups_of(spec: SceneSpec) -> list[str]:
    """The scene's cups in the order its scene file lists them (red first). Not by the
    lexicon's ordinals: a renamed cup has none (models/rename.py), and ties would fall
    to the set's order, which changes with Python's hash seed."""
    return sorted(spec.containers, key=spec.order.index)


def compile_intents(spec: SceneSpec, intents: list[tuple]) -> list[DslStep]:
    """Plan steps for a sequence of plan intents; raises PlanRejected if they cannot chain
    (or hand a person a full vessel of something hot, which the validator refuses)."""
    world = WorldModel.initial(spec)
    steps: list[DslStep] = []

    def add(skill: str, *words: str) -> None:
        nonlocal world
        if skill == "say":
            world.apply(Step("say", {"text": words[0]}))
        else:
            if skill == "handover" and words[0] in spec.hot and words[0] in world.filled:
                raise PlanRejected(f"{words[0]} is full of something hot")
            args = dict(zip(SKILL_ARG_NAMES[skill], words, strict=True))
            world = world.apply(Step(skill, args))
        steps.append(DslStep(skill, words))

    for intent in intents:
        kind = intent[0]
        if kind == "place":
            add("pick", intent[1])
            add("place", intent[1], intent[2])
        elif kind == "give":
            add("pick", intent[1])
            add("handover", intent[1], intent[2])
        elif kind in ("fill", "serve"):
            cups = intent[1]
            if kind == "serve" and cups is None:
                empty = [c for c in cups_of(spec) if c not in world.filled]
                if not empty:
                    raise PlanRejected("no empty cup left")
                cups = (empty[0],)
            add("pick", "teapot")
            for cup in cups:
                if world.where(cup) in spec.persons:
                    raise PlanRejected(f"{cup} is in a person's hand")  # the grammar's rule too
                add("pour", "teapot", cup)
            add("place", "teapot", TEAPOT_HOME)
            if kind == "serve":
                add("pick", cups[0])
                add("handover", cups[0], intent[2])
        elif kind == "say":
            add("say", intent[1])
        elif kind == "home":
            add("go_home")
        else:
            raise ValueError(f"unknown intent {intent!r}")
    if world.held is not None:
        raise PlanRejected("ends holding")
    return steps


def to_plan_intents(intent: tuple) -> list[tuple]:
    """Expand surface-level intents (both cups, two objects) into plan intents."""
    kind = intent[0]
    if kind in ("place_many", "place_all"):
        return [("place", o, intent[2]) for o in intent[1]]
    if kind == "give_many":
        return [("give", o, intent[2]) for o in intent[1]]
    if kind in ("fill_both", "fill_two", "fill_any"):
        return [("fill", intent[1])]
    return [intent]


def main_objects(intent: tuple | None) -> tuple[str, ...]:
    """The objects a following clause may call "it" / "them"."""
    if intent is None:
        return ()
    kind = intent[0]
    if kind in ("place", "give"):
        return (intent[1],)
    if kind in ("place_many", "give_many", "place_all", "fill_both", "fill_two"):
        return tuple(intent[1])
    if kind in ("fill", "fill_any") and len(intent[1]) == 1:
        return (intent[1][0],)
    if kind == "serve" and intent[1] is not None:
        return (intent[1][0],)
    return ()


def main_object(intent: tuple | None) -> str | None:
    """The one object a following clause may call "it", if there is one."""
    objs = main_objects(intent)
    return objs[0] if len(objs) == 1 else None


def filled_after(spec: SceneSpec, intents: list[tuple]) -> frozenset[str]:
    """Cups full after these surface intents (serve without a cup takes the first empty)."""
    filled: set[str] = set()
    for intent in intents:
        for p in to_plan_intents(intent):
            if p[0] == "fill":
                filled |= set(p[1])
            elif p[0] == "serve":
                if p[1] is not None:
                    filled |= set(p[1])
                else:
                    empty = [c for c in cups_of(spec) if c not in filled]
                    filled |= set(empty[:1])
    return frozenset(filled)


@dataclass(frozen=True)
class Ctx:
    """What earlier clauses of the same request make unique: the cups the previous clause
    named (or a request set aside: "not the red one"), and the cups already full."""

    prev_cups: tuple[str, ...] = ()
    filled: frozenset[str] = frozenset()
    first: bool = True


# -- sampling ------------------------------------------------------------------------------


def sample_intent(rng: random.Random, spec: SceneSpec, allow_serve_default: bool = True) -> tuple:
    """One random intent for the scene (names only, no wording)."""
    person = person_of(spec)
    graspable = sorted(spec.graspable)
    surfaces = sorted(spec.surfaces)
    options = ["place", "give", "say", "home"]
    weights = [0.32, 0.3, 0.06, 0.04]
    if spec.containers:
        options += ["fill", "serve"]
        weights += [0.18, 0.18]
    kind = rng.choices(options, weights)[0]
    if kind == "place":
        r = rng.random()
        if r < 0.04 and not spec.containers:
            # Everything at once: only where three things fit (the care scene's basket
            # and bedside table; a tea tray holds two cups).
            return ("place_all", tuple(graspable), rng.choice(surfaces))
        if r < 0.17:
            return ("place_many", tuple(rng.sample(graspable, 2)), rng.choice(surfaces))
        return ("place", rng.choice(graspable), rng.choice(surfaces))
    if kind == "give":
        if rng.random() < 0.12:
            return ("give_many", tuple(rng.sample(graspable, 2)), person)
        return ("give", rng.choice(graspable), person)
    if kind == "say":
        return ("say", rng.choice(SAY_CODES), person)
    if kind == "home":
        return ("home",)
    cups = cups_of(spec)
    if kind == "fill":
        r = rng.random()
        if r < 0.12:
            return ("fill_both", tuple(cups))
        if r < 0.2:
            return ("fill_two", tuple(rng.sample(cups, 2)))
        if r < 0.3 and allow_serve_default:
            return ("fill_any", (cups[0],))
        return ("fill", (rng.choice(cups),))
    if allow_serve_default and rng.random() < 0.5:
        return ("serve", None, person)
    return ("serve", (rng.choice(cups),), person)


def compiled(spec: SceneSpec, surface: list[tuple]) -> list[DslStep] | None:
    """The plan of these surface intents, or None when they do not chain."""
    try:
        steps = compile_intents(spec, [p for s in surface for p in to_plan_intents(s)])
    except PlanRejected:
        return None
    return steps if len(steps) <= 16 else None


def follow_up(rng: random.Random, spec: SceneSpec, obj: str, fill: bool = False) -> tuple:
    """A clause doing something more with `obj`: put it somewhere, hand it over, or (a cup
    that was only moved) fill it."""
    if fill and obj in spec.containers and rng.random() < 0.3:
        return ("fill", (obj,))
    if rng.random() < 0.5:
        return ("place", obj, rng.choice(sorted(spec.surfaces)))
    return ("give", obj, person_of(spec))


def sample_valid(
    rng: random.Random, spec: SceneSpec, n_clauses: int
) -> tuple[list[tuple], list[DslStep]]:
    """Intents that chain into a valid plan (retrying until they do)."""
    while True:
        surface: list[tuple] = []
        if n_clauses >= 2 and spec.containers and rng.random() < 0.4:
            # The most common two-step request: fill a cup, then do something with it.
            cup = rng.choice(cups_of(spec))
            surface.append(("fill", (cup,)))
            surface.append(follow_up(rng, spec, cup))
        for i in range(len(surface), n_clauses):
            if i > 0 and rng.random() < 0.2:
                code = rng.choice(SAY_CODES)
                extra = rng.choice([("say", code, person_of(spec)), ("home",)])
                if extra[0] != surface[-1][0]:
                    surface.append(extra)
                    continue
            if i > 0 and rng.random() < 0.45 and (objs := main_objects(surface[-1])):
                # A follow-up on the same object(s): "fill the red cup and give it to her".
                if len(objs) == 1:
                    moved = surface[-1][0] in ("place", "give")
                    surface.append(follow_up(rng, spec, objs[0], fill=moved))
                elif rng.random() < 0.5:
                    surface.append(("place_many", objs, rng.choice(sorted(spec.surfaces))))
                else:
                    surface.append(("give_many", objs, person_of(spec)))
                continue
            surface.append(sample_intent(rng, spec, allow_serve_default=(i == 0)))
        if any(a[0] in ("say", "home") and a[0] == b[0] for a, b in pairwise(surface)):
            continue
        steps = compiled(spec, surface)
        if steps is not None:
            return surface, steps


def sample_reference(rng: random.Random, spec: SceneSpec) -> tuple[list[tuple], list[DslStep]]:
    """Two or three clauses where a later one can only be understood from an earlier one:
    "the other cup", "whichever cup is empty", "the cup that already has tea", "them"."""
    person = person_of(spec)
    surfaces = sorted(spec.surfaces)
    while True:
        if spec.containers:
            a, b = rng.sample(cups_of(spec), 2)
            pattern = rng.choice(
                [
                    "fill_fill",
                    "fill_move_other",
                    "fill_move_same",
                    "move_fill_other",
                    "move_move_other",
                    "both_them",
                    "fill_give_other3",
                    "fill_any_move",
                    "move_fill_same",
                ]
            )
            if pattern == "fill_fill":
                surface = [("fill", (a,)), ("fill", (b,))]
            elif pattern == "fill_move_other":
                surface = [("fill", (a,)), follow_up(rng, spec, b)]
            elif pattern == "fill_move_same":
                surface = [("fill", (a,)), follow_up(rng, spec, a)]
            elif pattern == "move_fill_other":
                surface = [("place", a, rng.choice(surfaces)), ("fill", (b,))]
            elif pattern == "move_move_other":
                surface = [follow_up(rng, spec, a), follow_up(rng, spec, b)]
            elif pattern == "both_them":
                first = rng.choice([("fill_both", (a, b)), ("place_many", (a, b), "tray")])
                then = rng.choice(
                    [("place_many", (a, b), rng.choice(surfaces)), ("give_many", (a, b), person)]
                )
                surface = [first, then]
            elif pattern == "move_fill_same":
                surface = [("place", a, rng.choice(surfaces)), ("fill", (a,))]
                if rng.random() < 0.5:
                    surface.append(("give", a, person))
            elif pattern == "fill_give_other3":
                surface = [("fill", (a,)), ("give", a, person), follow_up(rng, spec, b)]
            else:
                surface = [
                    ("fill_any", (cups_of(spec)[0],)),
                    follow_up(rng, spec, cups_of(spec)[0]),
                ]
        else:
            objs = sorted(spec.graspable)
            a, b = rng.sample(objs, 2)
            pattern = rng.choice(["them", "same", "all"])
            if pattern == "them":
                then = rng.choice(
                    [("give_many", (a, b), person), ("place_many", (a, b), rng.choice(surfaces))]
                )
                surface = [("place_many", (a, b), rng.choice(surfaces)), then]
            elif pattern == "same":
                surface = [("place", a, rng.choice(surfaces)), ("give", a, person)]
            else:
                surface = [("place_all", tuple(objs), rng.choice(surfaces))]
        if rng.random() < 0.25 and len(surface) < 3:
            surface.append(rng.choice([("say", rng.choice(SAY_CODES), person), ("home",)]))
        steps = compiled(spec, surface)
        if steps is not None:
            return surface, steps
