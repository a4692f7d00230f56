"""What the three language realisers share: walking a request's clauses in order and
tracking what earlier clauses make referable ("it", "the other cup", "the empty one")."""

from __future__ import annotations

import random
from typing import ClassVar

from core.scenes import SceneSpec
from models import lexicon as L
from models.intents import Ctx, filled_after, main_objects, person_of
from models.textutil import REFERENCE_RATE

ELLIPSIS_RATE = 0.2
"""Two puts onto the same surface (or two handovers) said once: "... then the towel too"."""
IT_RATE = 0.7


def can_ellipse(prev: tuple, intent: tuple) -> bool:
    """`intent` repeats `prev`'s verb and target with another object."""
    return (
        prev[0] == intent[0]
        and intent[0] in ("place", "give")
        and prev[2] == intent[2]
        and prev[1] != intent[1]
    )


class Realiser:
    """A request's clauses in one language; subclasses say how each clause is worded
    (`clause`, `ellipsis`) and how clauses are joined (`join`) and dressed (`style`)."""

    lang = ""
    asides: ClassVar[list[str]] = []
    """Frames that set a thing aside before the request ("not the {x}, ...")."""
    topics: ClassVar[list[str]] = []
    """Frames that name a thing before the request ("see the {o}? {b}")."""
    take_backs: ClassVar[list[str]] = []
    """Frames that say one request and take it back for another ("{a}, no wait, {b}")."""
    descriptions: ClassVar[dict[str, list[str]]] = {}
    """What a thing looks like, by name (models/lexicon.py)."""
    raw = False
    """Join the clauses but leave out politeness, register and punctuation."""

    def __init__(self, rng: random.Random, spec: SceneSpec) -> None:
        self.rng = rng
        self.spec = spec
        self.person = person_of(spec)
        self.pronoun = False
        """The person is called "him" / "her" (a context sentence named them first)."""
        self.gender = rng.choice("fmn")
        self.ctx = Ctx()
        self.used_ref = False
        """The clause being worded leans on an earlier one (a pronoun, "the other cup")."""
        self.last_decl = False
        """The clause just worded is not an imperative ("I need the towel", "tea for her")."""
        self.decl_first = False
        self.corrections = True
        self.dialect = ""

    # -- what every language words alike ---------------------------------------------

    def obj(self, name: str, ref: bool = True, simple: bool = False) -> str:
        if name in L.CUP_COLOUR:
            return self.cup(name, ref=ref, simple=simple)  # type: ignore[attr-defined]
        return self.np(name, plain=simple)  # type: ignore[attr-defined]

    def wrong_one(self, name: str) -> str | None:
        """Another entity of the same sort, for a self-correction."""
        pool = self.spec.surfaces if name in self.spec.surfaces else self.spec.graspable
        others = sorted(pool - {name})
        return self.rng.choice(others) if others else None

    def aside(self, name: str) -> str:
        return self.rng.choice(self.asides).format(x=self.obj(name, ref=False, simple=True))

    def topic_np(self, name: str) -> str:
        """A thing named before the request: its name, or what it looks like."""
        if name in self.descriptions and self.rng.random() < 0.3:
            return self.rng.choice(self.descriptions[name])
        return self.obj(name, ref=False, simple=True)

    def take_back(self, wrong: str, right: str) -> str:
        return self.rng.choice(self.take_backs).format(a=wrong, b=right)

    def topic(self, name: str, text: str) -> str:
        return self.rng.choice(self.topics).format(o=self.topic_np(name), b=text)

    def decl(self, template: str, **kw: str) -> str:
        self.last_decl = True
        return template.format(**kw)

    def compose(self, clauses: list[tuple[str, bool]], prefix: str) -> str:
        if self.raw:
            return prefix + self.join(clauses)  # type: ignore[attr-defined]
        imperative = not self.decl_first
        return self.style(prefix + self.join(clauses), imperative=imperative)  # type: ignore[attr-defined]

    # -- subclass hooks ----------------------------------------------------------------
    def clause(self, intent: tuple, it: bool):  # pragma: no cover - abstract
        raise NotImplementedError

    def ellipsis(self, previous, intent: tuple):  # pragma: no cover - abstract
        raise NotImplementedError

    def prepare_topic(self, name: str) -> None:
        """Before a request that names `name` first and then calls it "it"."""

    def other_cup(self, cup: str) -> str:
        return next(c for c in sorted(self.spec.containers) if c != cup)

    def ref_kind(self, cup: str) -> str | None:
        """Which context reference names `cup` uniquely now, if one does (at random)."""
        ctx = self.ctx
        options = []
        if len(self.spec.containers) == 2:
            if ctx.prev_cups == (self.other_cup(cup),):
                options.append("other")
            if len(ctx.filled) == 1:
                options.append("full" if cup in ctx.filled else "empty")
            if ctx.prev_cups == (cup,):
                options.append("same")
        if not options or self.rng.random() >= REFERENCE_RATE:
            return None
        self.used_ref = True
        return self.rng.choice(options)

    # -- the walk ----------------------------------------------------------------------------
    def realise(self, intents: list[tuple], prefix: str = "", hints: dict | None = None) -> str:
        r = self.rng
        hints = hints or {}
        clauses: list = []
        flags: list[bool] = []
        prev: tuple | None = None
        done: list[tuple] = []
        for i, intent in enumerate(intents):
            objs = main_objects(intent)
            pobjs = main_objects(prev)
            it = bool(objs) and objs == pobjs and intent[0] != "serve" and r.random() < IT_RATE
            if i == 0 and hints.get("topic"):
                it = True
            prev_cups = tuple(c for c in pobjs if c in self.spec.containers)
            if i == 0 and hints.get("aside"):
                prev_cups = (hints["aside"],)
            self.ctx = Ctx(prev_cups, filled_after(self.spec, done), i == 0)
            self.used_ref = it
            self.last_decl = False
            if (
                not it
                and prev is not None
                and can_ellipse(prev, intent)
                and not flags[-1]
                and r.random() < ELLIPSIS_RATE
            ):
                clauses[-1] = self.ellipsis(clauses[-1], intent)
                flags[-1] = True
            else:
                clauses.append(self.clause(intent, it))
                flags.append(self.used_ref)
                if i == 0:
                    self.decl_first = self.last_decl
            done.append(intent)
            prev = intent
        return self.compose(list(zip(clauses, flags, strict=True)), prefix)
