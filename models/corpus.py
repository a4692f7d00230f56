"""Generate the instruction -> plan corpus for both scenes, in English, German, Chinese.

Every example is an intent (or a sequence of intents) realised as a sentence by the
templates in `templates_*.py`, and compiled to plan text by the brain's own world model,
so every valid target is a valid plan. Refusals (harmful, unknown objects, impossible,
attempts to switch off safety) map to `refuse CODE`.

    python -m models.corpus --out corpus.jsonl --size 60000
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.errors import PlanRejected
from core.msgs import Step
from core.scenes import SCENES, SceneSpec
from models import lexicon as L
from models import templates_de as DE
from models import templates_en as EN
from models import templates_zh as ZH
from models.eval_filter import EvalFilter, evaluation_sentences
from robot.brain.dsl import DslStep, render
from robot.brain.world import WorldModel

LANGS = ("en", "de", "zh")
LANG_WEIGHTS = (0.4, 0.3, 0.3)
SCENE_WEIGHTS = {"tea": 0.55, "care": 0.45}
KIND_WEIGHTS = {
    "single": 0.4,
    "compose": 0.25,
    "harmful": 0.1,
    "unknown": 0.1,
    "impossible": 0.07,
    "override": 0.04,
    "refuse_compose": 0.04,
}
CONTEXT_RATE = 0.07
"""Requests that first describe the person and then call them "him" / "her"."""
POSSESSIVE_RATE = 0.1
CONTEXT = {
    ("en", "tea"): [
        "The guest is thirsty.",
        "Our guest just arrived.",
        "The visitor is waiting.",
        "A guest is sitting at the table.",
    ],
    ("en", "care"): [
        "The resident is awake.",
        "The patient needs some help.",
        "Grandma is sitting in bed.",
    ],
    ("de", "tea"): [
        "Der Gast hat Durst.",
        "Unser Gast ist gerade angekommen.",
        "Der Besucher wartet.",
    ],
    ("de", "care"): ["Der Bewohner ist wach.", "Der Patient braucht Hilfe."],
    ("zh", "tea"): ["客人渴了。", "客人刚到。", "有位客人在等着。"],
    ("zh", "care"): ["老人醒了。", "奶奶需要帮忙。", "病人在床上。"],
}
TYPO_RATE = 0.12
CODE_SWITCH_RATE = 0.08
PERSON_ME_RATE = 0.12
TEAPOT_HOME = "table"
"""Where the teapot goes back after pouring (the tea scene's only free surface besides the tray)."""


@dataclass(frozen=True)
class Example:
    scene: str
    instruction: str
    plan: str
    lang: str
    kind: str


# -- intents and their plans -------------------------------------------------------------


def compile_intents(spec: SceneSpec, intents: list[tuple]) -> list[DslStep]:
    """Plan steps for a sequence of intents; raises PlanRejected if they cannot chain."""
    world = WorldModel.initial(spec)
    steps: list[DslStep] = []

    def add(skill: str, *words: str) -> None:
        nonlocal world
        names = {
            "pick": ("object",),
            "place": ("object", "target"),
            "pour": ("source", "target"),
            "handover": ("object", "person"),
            "go_home": (),
        }
        if skill == "say":
            world.apply(Step("say", {"text": words[0]}))
        else:
            world = world.apply(Step(skill, dict(zip(names[skill], words, strict=True))))
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
                empty = [c for c in ("cup_red", "cup_blue") if c not in world.filled]
                if not empty:
                    raise PlanRejected("no empty cup left")
                cups = (empty[0],)
            add("pick", "teapot")
            for cup in cups:
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


def sample_intent(rng: random.Random, spec: SceneSpec, allow_serve_default: bool = True) -> tuple:
    """One random intent for the scene (names only, no wording)."""
    person = next(iter(spec.persons))
    graspable = sorted(spec.graspable)
    surfaces = sorted(spec.surfaces)
    options = ["place", "give", "say", "home"]
    weights = [0.32, 0.3, 0.06, 0.04]
    if spec.containers:
        options += ["fill", "serve"]
        weights += [0.18, 0.18]
    kind = rng.choices(options, weights)[0]
    if kind == "place":
        if rng.random() < 0.15:
            objs = tuple(rng.sample(graspable, 2))
            return ("place_many", objs, rng.choice(surfaces))
        return ("place", rng.choice(graspable), rng.choice(surfaces))
    if kind == "give":
        if rng.random() < 0.12:
            return ("give_many", tuple(rng.sample(graspable, 2)), person)
        return ("give", rng.choice(graspable), person)
    if kind == "say":
        return ("say", rng.choice(["hello", "goodbye", "thanks", "welcome", "enjoy"]), person)
    if kind == "home":
        return ("home",)
    cups = sorted(spec.containers, key=lambda c: L.CUP_ORDINAL.get(c, 0))
    if kind == "fill":
        r = rng.random()
        if r < 0.2:
            return ("fill_both", tuple(cups))
        if r < 0.3:
            return ("fill_two", tuple(rng.sample(cups, 2)))
        return ("fill", (rng.choice(cups),))
    if allow_serve_default and rng.random() < 0.5:
        return ("serve", None, person)
    return ("serve", (rng.choice(cups),), person)


def to_plan_intents(intent: tuple) -> list[tuple]:
    """Expand surface-level intents (both cups, two objects) into plan intents."""
    kind = intent[0]
    if kind == "place_many":
        return [("place", o, intent[2]) for o in intent[1]]
    if kind == "give_many":
        return [("give", o, intent[2]) for o in intent[1]]
    if kind in ("fill_both", "fill_two"):
        return [("fill", intent[1])]
    return [intent]


def main_object(intent: tuple) -> str | None:
    """The object a following clause may call "it"."""
    kind = intent[0]
    if kind in ("place", "give"):
        return intent[1]
    if kind == "fill" and len(intent[1]) == 1:
        return intent[1][0]
    if kind == "serve" and intent[1] is not None:
        return intent[1][0]
    return None


# -- text helpers ------------------------------------------------------------------------

KEYBOARD_NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


def add_typos(text: str, rng: random.Random) -> str:
    """One or two keyboard slips in words of four letters or more."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    for i in rng.sample(candidates, min(len(candidates), rng.choice([1, 1, 2]))):
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        op = rng.choice(["swap", "drop", "double", "replace"])
        if op == "swap":
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif op == "drop":
            w = w[:j] + w[j + 1 :]
        elif op == "double":
            w = w[:j] + w[j] + w[j:]
        else:
            w = w[:j] + rng.choice(KEYBOARD_NEIGHBOURS) + w[j + 1 :]
        words[i] = w
    return " ".join(words)


def finish(text: str, rng: random.Random, question: bool = False) -> str:
    """Capitalise (mostly) and end with punctuation (mostly)."""
    text = re.sub(r"\s+", " ", text).strip()
    if rng.random() < 0.75:
        text = text[:1].upper() + text[1:]
    end = "?" if question and rng.random() < 0.8 else rng.choice([".", ".", ".", "!", "", ""])
    return text + end


def normalise(text: str) -> str:
    """Lower case, letters and digits only: how dev sentences are matched against the corpus."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


# -- English ---------------------------------------------------------------------------------


class English:
    """Noun phrases and clauses in English."""

    lang = "en"

    def __init__(self, rng: random.Random, spec: SceneSpec) -> None:
        self.rng = rng
        self.spec = spec
        self.person = next(iter(spec.persons))

    pronoun = False

    def pnp(self) -> str:
        """The person: a noun phrase, or a pronoun after a context sentence."""
        if self.pronoun:
            return self.rng.choice(["them", "him", "her"])
        return self.rng.choice(L.EN_NP[self.person])

    def cup(self, cup: str) -> str:
        r = self.rng
        colour = L.CUP_COLOUR[cup]
        other = "blue" if colour == "red" else "red"
        noun = r.choice(L.EN_CUP_NOUNS)
        adj = r.choice(L.EN_COLOUR[colour])
        oadj = r.choice(L.EN_COLOUR[other][:6])
        x = r.random()
        if x < 0.62:
            return f"the {adj} {noun}"
        if x < 0.7:
            return f"the {noun} that is {adj}"
        if x < 0.78:
            return f"the {r.choice(L.EN_ORDINALS[L.CUP_ORDINAL[cup]])} {noun}"
        return r.choice(
            [
                f"the {noun} that is not {oadj}",
                f"the {noun} that isn't {oadj}",
                f"the non-{oadj} {noun}",
                f"the {noun} which is not {oadj}",
                f"the other {noun}, not the {oadj} one",
                f"the {noun} that's not {oadj}",
            ]
        )

    def np(self, name: str) -> str:
        if self.rng.random() < CODE_SWITCH_RATE:
            other = self.rng.choice([ZH, None])
            if name in L.CUP_COLOUR:
                colour = L.CUP_COLOUR[name]
                if other is ZH:
                    adj = self.rng.choice(L.ZH_COLOUR[colour][:3])
                    return f"the {adj}{self.rng.choice(L.ZH_CUP_NOUNS)}"
                return f"the {self.rng.choice(L.DE_COLOUR[colour][:3])}e Tasse"
            if other is ZH and name in L.ZH_NP:
                return "the " + self.rng.choice(L.ZH_NP[name])
            if name in L.DE_NP:
                return "the " + self.rng.choice(L.DE_NP[name]).acc.split(" ", 1)[1]
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(L.EN_NP[name])

    def surface(self, name: str) -> str:
        return f"{self.rng.choice(L.EN_SURFACE_PREP[name])} {self.np(name)}"

    def fill(self, t: str, **kw: str) -> str:
        kw.setdefault("t", self.rng.choice(["tea", "some tea", "hot tea", "the tea", "green tea"]))
        return t.format(**kw)

    def clause(self, intent: tuple, it: bool) -> str:
        r = self.rng
        kind = intent[0]
        if kind == "place":
            if it:
                return self.fill(r.choice(EN.PLACE_IT), s=self.surface(intent[2]))
            if r.random() < 0.15:
                return r.choice(EN.PLACE_TO).format(o=self.np(intent[1]), n=self.np(intent[2]))
            return r.choice(EN.PLACE).format(o=self.np(intent[1]), s=self.surface(intent[2]))
        if kind == "place_many":
            a, b = intent[1]
            both = f"{self.np(a)} and {self.np(b)}"
            if set(intent[1]) <= set(self.spec.containers) and r.random() < 0.5:
                both = r.choice(["both cups", "both mugs", "the two cups", "both of the cups"])
            return (
                r.choice(EN.PLACE)
                .replace(" it ", " them ")
                .format(o=both, s=self.surface(intent[2]))
            )
        if kind in ("give", "give_many"):
            if kind == "give_many":
                a, b = intent[1]
                obj = f"{self.np(a)} and {self.np(b)}"
            else:
                obj = self.np(intent[1])
                if obj.startswith("the ") and r.random() < POSSESSIVE_RATE:
                    obj = r.choice(["her ", "his ", "their "]) + obj[4:]
            if it:
                return r.choice(EN.GIVE_IT).format(p=self.pnp())
            x = r.random()
            if x < PERSON_ME_RATE:
                return r.choice(EN.GIVE_ME).format(o=obj)
            p = self.pnp()
            if x < PERSON_ME_RATE + 0.08:
                return r.choice(EN.GIVE_DECL).format(P=p, o=obj)
            t = r.choice(EN.GIVE)
            if kind == "give_many":
                t = t.replace(" it ", " them ")
            return t.format(o=obj, p=p)
        if kind == "fill":
            return self.fill(r.choice(EN.FILL), c=self.cup(intent[1][0]))
        if kind == "fill_both":
            return self.fill(r.choice(EN.FILL_BOTH))
        if kind == "fill_two":
            return self.fill(
                r.choice(EN.FILL_TWO), c1=self.cup(intent[1][0]), c2=self.cup(intent[1][1])
            )
        if kind == "serve":
            p = self.pnp()
            if intent[1] is None:
                x = r.random()
                if x < PERSON_ME_RATE:
                    return r.choice(EN.SERVE_ME)
                if x < PERSON_ME_RATE + 0.08:
                    return r.choice(EN.SERVE_DECL).format(P=p)
                return r.choice(EN.SERVE).format(p=p)
            if it:
                return r.choice(EN.GIVE_IT).format(p=p)
            return r.choice(EN.SERVE_CUP).format(p=p, c=self.cup(intent[1][0]))
        if kind == "say":
            return r.choice(EN.SAY[intent[1]]).format(p=self.pnp())
        if kind == "home":
            return r.choice(EN.HOME)
        raise ValueError(intent)

    def join(self, clauses: list[str]) -> str:
        text = clauses[0]
        for c in clauses[1:]:
            text = self.rng.choice(EN.CONNECT).format(a=text, b=c)
        return text

    def polite(self, text: str) -> str:
        r = self.rng
        prefix = r.choice(EN.POLITE_PREFIX)
        suffix = r.choice(EN.POLITE_SUFFIX)
        question = (
            prefix.strip().split(" ")[0] in ("could", "can", "would") or "could you" in prefix
        )
        out = finish(prefix + text + suffix, r, question)
        return add_typos(out, r) if r.random() < TYPO_RATE else out

    # refusals
    def harmful(self) -> str:
        r = self.rng
        person = r.choice(L.EN_NP[self.person] + ["me", "him", "her"])
        obj = self.np(r.choice(sorted(self.spec.graspable)))
        return r.choice(EN.HARM).format(o=obj, p=person, l=r.choice(L.EN_LIQUID))

    def unknown(self) -> str:
        r = self.rng
        x = r.random()
        person = r.choice(L.EN_NP[self.person])
        thing = r.choice(L.EN_UNKNOWN)
        if self.spec.containers and x < 0.15:
            colour = r.choice(L.EN_OTHER_COLOURS)
            thing = f"the {colour} {r.choice(L.EN_CUP_NOUNS)}"
        elif x < 0.3:
            thing = self.foreign_np()
        if r.random() < 0.15:
            return r.choice(EN.GIVE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))), p=r.choice(L.EN_UNKNOWN_PERSON)
            )
        if r.random() < 0.15:
            return r.choice(EN.PLACE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))),
                s="on " + r.choice(L.EN_UNKNOWN_SURFACE),
            )
        if r.random() < 0.5:
            if r.random() < 0.3:
                return r.choice(EN.GIVE_ME).format(o=thing)
            return r.choice(EN.GIVE).format(o=thing, p=person)
        if self.spec.containers and r.random() < 0.25:
            return r.choice(EN.FILL).format(c=thing, t="tea")
        surface = r.choice(sorted(self.spec.surfaces))
        return r.choice(EN.PLACE).format(o=thing, s=self.surface(surface))

    def foreign_np(self) -> str:
        other = "care" if self.spec.name == "tea" else "tea"
        names = {
            "tea": ["teapot", "cup_red", "cup_blue", "tray"],
            "care": ["water_glass", "pill_box", "towel", "basket"],
        }[other]
        name = self.rng.choice(names)
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(
            [p for p in L.EN_NP[name] if "table" not in p and not p.endswith(" glass")]
        )

    def impossible(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return r.choice(EN.IMPOSSIBLE)
        if x < 0.45:
            return gibberish(r)
        if x < 0.75:
            surfaces = sorted(self.spec.surfaces)
            s = r.choice(surfaces)
            s2 = r.choice(surfaces)
            return r.choice(EN.IMPOSSIBLE_SLOT).format(
                s=self.np(s), sp=self.surface(s), s2=self.np(s2), p=r.choice(L.EN_NP[self.person])
            )
        if self.spec.containers:
            c, c2 = r.sample(sorted(self.spec.containers), 2)
            return r.choice(EN.IMPOSSIBLE_TEA).format(c=self.cup(c), c2=self.cup(c2))
        return r.choice(EN.IMPOSSIBLE_CARE).format(o=self.np(r.choice(sorted(self.spec.graspable))))

    def override(self) -> str:
        return self.rng.choice(EN.OVERRIDE)


def gibberish(rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randint(2, 8)))
        for _ in range(rng.randint(1, 5))
    )


# -- German --------------------------------------------------------------------------------


class German:
    """Noun phrases and clauses in German; clauses are (imperative, infinitive) pairs."""

    lang = "de"

    def __init__(self, rng: random.Random, spec: SceneSpec) -> None:
        self.rng = rng
        self.spec = spec
        self.person = next(iter(spec.persons))

    def cup(self, cup: str) -> L.DeNoun:
        r = self.rng
        colour = L.CUP_COLOUR[cup]
        other = "blue" if colour == "red" else "red"
        adj = r.choice(L.DE_COLOUR[colour])
        oadj = r.choice(L.DE_COLOUR[other][:4])
        x = r.random()
        if r.random() < 0.75:
            n = r.choice(L.DE_CUP_NOUNS_F)
            if x < 0.65:
                return L.de_fem(f"die {adj}e {n}", f"der {adj}en {n}")
            if x < 0.75:
                o = r.choice(L.DE_ORDINALS[L.CUP_ORDINAL[cup]])
                return L.de_fem(f"die {o} {n}", f"der {o}n {n}")
            return r.choice(
                [
                    L.de_fem(f"die {n}, die nicht {oadj} ist,", f"der {n}, die nicht {oadj} ist,"),
                    L.de_fem(f"die nicht {oadj}e {n}", f"der nicht {oadj}en {n}"),
                    L.de_fem(
                        f"die andere {n}, nicht die {oadj}e,",
                        f"der anderen {n}, nicht der {oadj}en,",
                    ),
                ]
            )
        n = r.choice(L.DE_CUP_NOUNS_M)
        if x < 0.8:
            return L.de_masc(f"den {adj}en {n}", f"dem {adj}en {n}", f"der {adj}e {n}")
        return L.de_masc(
            f"den {n}, der nicht {oadj} ist,",
            f"dem {n}, der nicht {oadj} ist,",
            f"der {n}, der nicht {oadj} ist,",
        )

    def np(self, name: str) -> L.DeNoun:
        if self.rng.random() < CODE_SWITCH_RATE and name in L.EN_NP:
            en = self.rng.choice(L.EN_NP[name])
            return L.DeNoun(en, en, en, "es", "ihm")
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(L.DE_NP[name])

    def surface(self, name: str) -> str:
        return self.rng.choice(L.DE_SURFACE_PP[name])

    pronoun = False

    def person_slots(self) -> dict[str, str]:
        if self.pronoun:
            return {"pd": "ihm", "pa": "ihn", "pn": "er", "pz": "zu ihm"}
        p = self.np(self.person)
        zu = p.dat
        if zu.startswith("dem "):
            zu = "zum " + zu[4:]
        elif zu.startswith("der "):
            zu = "zur " + zu[4:]
        else:
            zu = "zu " + zu
        return {"pd": p.dat, "pa": p.acc, "pn": p.nom, "pz": zu}

    def pick(self, pairs: list[tuple[str, str]], **kw: str) -> tuple[str, str]:
        imp, inf = self.rng.choice(pairs)
        kw.setdefault("l", self.rng.choice(L.DE_LIQUID))
        return imp.format(**kw), inf.format(**kw)

    def clause(self, intent: tuple, it: bool, prev: L.DeNoun | None) -> tuple[str, str]:
        r = self.rng
        kind = intent[0]
        ps = self.person_slots()
        if kind == "place":
            if it and prev is not None:
                return self.pick(DE.PLACE_IT, r=prev.pron_acc, s=self.surface(intent[2]))
            o = self.np(intent[1])
            return self.pick(DE.PLACE, o=o.acc, r=o.pron_acc, s=self.surface(intent[2]))
        if kind == "place_many":
            a, b = (self.np(x) for x in intent[1])
            both = f"{a.acc} und {b.acc}"
            if set(intent[1]) <= set(self.spec.containers) and r.random() < 0.5:
                both = "beide Tassen"
            return self.pick(DE.PLACE, o=both, r="sie", s=self.surface(intent[2]))
        if kind in ("give", "give_many"):
            if it and prev is not None:
                return self.pick(DE.GIVE_IT, r=prev.pron_acc, **ps)
            if kind == "give_many":
                a, b = (self.np(x) for x in intent[1])
                o = L.DeNoun(f"{a.acc} und {b.acc}", "", "", "sie", "ihnen")
            else:
                o = self.np(intent[1])
            x = r.random()
            if x < PERSON_ME_RATE:
                if r.random() < 0.3:
                    s = r.choice(DE.GIVE_ME_DECL).format(o=o.acc)
                    return s, ""
                return self.pick(DE.GIVE_ME, o=o.acc)
            if x < PERSON_ME_RATE + 0.08:
                return r.choice(DE.GIVE_DECL).format(o=o.acc, **ps), ""
            return self.pick(DE.GIVE, o=o.acc, r=o.pron_acc, **ps)
        if kind == "fill":
            c = self.cup(intent[1][0])
            return self.pick(DE.FILL, c=c.acc)
        if kind == "fill_both":
            return self.pick(DE.FILL_BOTH)
        if kind == "fill_two":
            return self.pick(
                DE.FILL_TWO, c1=self.cup(intent[1][0]).acc, c2=self.cup(intent[1][1]).acc
            )
        if kind == "serve":
            if intent[1] is None:
                x = r.random()
                if x < PERSON_ME_RATE:
                    if r.random() < 0.4:
                        return r.choice(DE.SERVE_ME_DECL), ""
                    return self.pick(DE.SERVE_ME)
                if x < PERSON_ME_RATE + 0.08:
                    return r.choice(DE.SERVE_DECL).format(**ps), ""
                return self.pick(DE.SERVE, **ps)
            if it and prev is not None:
                return self.pick(DE.GIVE_IT, r=prev.pron_acc, **ps)
            c = self.cup(intent[1][0])
            return self.pick(DE.SERVE_CUP, cd=c.dat, **ps)
        if kind == "say":
            return self.pick(DE.SAY[intent[1]], **ps)
        if kind == "home":
            return self.pick(DE.HOME)
        raise ValueError(intent)

    def realise(self, intents: list[tuple], prefix: str = "") -> str:
        """The whole request: clauses joined, in imperative or modal form."""
        r = self.rng
        clauses: list[tuple[str, str]] = []
        prev_obj: str | None = None
        prev_np: L.DeNoun | None = None
        for intent in intents:
            obj = main_object(intent)
            it = (
                prev_obj is not None
                and obj == prev_obj
                and intent[0] != "serve"
                and r.random() < 0.7
            )
            clauses.append(self.clause(intent, it, prev_np))
            if obj is not None:
                prev_np = self.cup(obj) if obj in L.CUP_COLOUR else self.np(obj)
            prev_obj = obj
        modal = all(inf for _, inf in clauses) and r.random() < 0.35
        if modal:
            text = clauses[0][1]
            for c in clauses[1:]:
                text = r.choice(DE.CONNECT_INF).format(a=text, b=c[1])
            text = r.choice(DE.POLITE_MODAL).format(x=text)
            out = finish(prefix + text, r)
        else:
            text = clauses[0][0]
            for c in clauses[1:]:
                text = r.choice(DE.CONNECT).format(a=text, b=c[0])
            if r.random() < 0.2 and " " in text:
                verb, rest = text.split(" ", 1)
                text = f"{verb} bitte {rest}"
            else:
                text = r.choice(DE.POLITE_IMP) + text + r.choice(DE.POLITE_IMP_SUFFIX)
            out = finish(prefix + text, r)
        return add_typos(out, r) if r.random() < TYPO_RATE else out

    def harmful(self) -> tuple[str, str]:
        r = self.rng
        ps = self.person_slots()
        if r.random() < 0.15:
            ps.update(pa=r.choice(["mich", "ihn", "sie"]), pd=r.choice(["mir", "ihm", "ihr"]))
        o = self.np(r.choice(sorted(self.spec.graspable)))
        return self.pick(DE.HARM, o=o.acc, od=o.dat, **ps)

    def unknown(self) -> tuple[str, str]:
        r = self.rng
        ps = self.person_slots()
        thing = r.choice(L.DE_UNKNOWN)
        x = r.random()
        if self.spec.containers and x < 0.15:
            col = r.choice(["grün", "gelb", "weiß", "schwarz", "grau", "braun"])
            thing = L.de_fem(f"die {col}e Tasse", f"der {col}en Tasse")
        elif x < 0.3:
            thing = self.foreign_np()
        y = r.random()
        if y < 0.12:
            p = r.choice(L.DE_UNKNOWN_PERSON)
            o = self.np(r.choice(sorted(self.spec.graspable)))
            return self.pick(
                DE.GIVE, o=o.acc, r=o.pron_acc, pd=p.dat, pa=p.acc, pn=p.nom, pz="zu " + p.dat
            )
        if y < 0.24:
            o = self.np(r.choice(sorted(self.spec.graspable)))
            return self.pick(DE.PLACE, o=o.acc, r=o.pron_acc, s=r.choice(L.DE_UNKNOWN_PP))
        if y < 0.6:
            if r.random() < 0.3:
                return self.pick(DE.GIVE_ME, o=thing.acc)
            return self.pick(DE.GIVE, o=thing.acc, r=thing.pron_acc, **ps)
        if self.spec.containers and y < 0.7:
            return self.pick(DE.FILL, c=thing.acc)
        return self.pick(
            DE.PLACE,
            o=thing.acc,
            r=thing.pron_acc,
            s=self.surface(r.choice(sorted(self.spec.surfaces))),
        )

    def foreign_np(self) -> L.DeNoun:
        other = "care" if self.spec.name == "tea" else "tea"
        names = {
            "tea": ["teapot", "cup_red", "cup_blue"],
            "care": ["water_glass", "pill_box", "towel"],
        }[other]
        name = self.rng.choice(names)
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(
            [n for n in L.DE_NP[name] if n.acc not in ("das Glas", "das Wasser")]
        )

    def impossible(self) -> tuple[str, str]:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return r.choice(DE.IMPOSSIBLE), ""
        if x < 0.45:
            return gibberish(r), ""
        if x < 0.75:
            s = r.choice(sorted(self.spec.surfaces))
            sa = {
                "tray": "das Tablett",
                "table": "den Tisch",
                "basket": "den Korb",
                "side_table": "den Beistelltisch",
            }[s]
            return self.pick(
                DE.IMPOSSIBLE_SLOT,
                sx=self.surface(s),
                sa=sa,
                s=self.surface(r.choice(sorted(self.spec.surfaces))),
                **self.person_slots(),
            )
        if self.spec.containers:
            c, c2 = r.sample(sorted(self.spec.containers), 2)
            return r.choice(DE.IMPOSSIBLE_TEA).format(c=self.cup(c).acc, c2=self.cup(c2).acc), ""
        return r.choice(DE.IMPOSSIBLE_CARE).format(
            o=self.np(r.choice(sorted(self.spec.graspable))).acc
        ), ""


# -- Chinese -------------------------------------------------------------------------------


class Chinese:
    """Noun phrases and clauses in Chinese."""

    lang = "zh"

    def __init__(self, rng: random.Random, spec: SceneSpec) -> None:
        self.rng = rng
        self.spec = spec
        self.person = next(iter(spec.persons))

    pronoun = False

    def pnp(self) -> str:
        return self.rng.choice(["他", "她"]) if self.pronoun else self.np(self.person)

    def cup(self, cup: str) -> str:
        r = self.rng
        colour = L.CUP_COLOUR[cup]
        other = "blue" if colour == "red" else "red"
        adj = r.choice(L.ZH_COLOUR[colour])
        oadj = r.choice(L.ZH_COLOUR[other][:3])
        n = r.choice(L.ZH_CUP_NOUNS)
        x = r.random()
        if x < 0.62:
            return r.choice([f"{adj}的{n}", f"{adj}{n}", f"那个{adj}的{n}", f"{adj}的那个{n}"])
        if x < 0.75:
            return f"{r.choice(L.ZH_ORDINALS[L.CUP_ORDINAL[cup]])}{n}"
        return r.choice(
            [
                f"不是{oadj}的那个{n}",
                f"不是{oadj}的{n}",
                f"另一个{n}（不是{oadj}的）",
                f"不是{oadj}的那只{n}",
            ]
        )

    def np(self, name: str) -> str:
        if self.rng.random() < CODE_SWITCH_RATE and name in L.EN_NP:
            return self.rng.choice(L.EN_NP[name]).removeprefix("the ").removeprefix("our ")
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(L.ZH_NP[name])

    def surface(self, name: str) -> str:
        post = L.ZH_SURFACE_POST[name]
        return self.np(name) + post

    def clause(self, intent: tuple, it: bool) -> str:
        r = self.rng
        kind = intent[0]
        p = self.pnp()
        if kind == "place":
            if it:
                return r.choice(ZH.PLACE_IT).format(s=self.surface(intent[2]))
            t = r.choice(ZH.PLACE)
            if intent[2] == "basket" and r.random() < 0.5:
                t = t.replace("放到{s}", "放进{s}")
            return t.format(o=self.np(intent[1]), s=self.surface(intent[2]))
        if kind == "place_many":
            a, b = intent[1]
            both = f"{self.np(a)}和{self.np(b)}"
            if set(intent[1]) <= set(self.spec.containers) and r.random() < 0.5:
                both = r.choice(["两个杯子", "所有杯子", "这两个杯子"])
            return (
                r.choice(ZH.PLACE)
                .format(o=both, s=self.surface(intent[2]))
                .replace("放", "都放", 1)
            )
        if kind in ("give", "give_many"):
            if kind == "give_many":
                a, b = intent[1]
                obj = f"{self.np(a)}和{self.np(b)}"
            else:
                obj = self.np(intent[1])
            if it:
                return r.choice(ZH.GIVE_IT).format(p=p)
            x = r.random()
            if x < PERSON_ME_RATE:
                return r.choice(ZH.GIVE_ME).format(o=obj)
            if x < PERSON_ME_RATE + 0.06:
                return r.choice(ZH.GIVE_DECL).format(o=obj, p=p)
            return r.choice(ZH.GIVE).format(o=obj, p=p)
        if kind == "fill":
            return r.choice(ZH.FILL).format(c=self.cup(intent[1][0]), l=r.choice(L.ZH_LIQUID[:2]))
        if kind == "fill_both":
            return r.choice(ZH.FILL_BOTH)
        if kind == "fill_two":
            return r.choice(ZH.FILL_TWO).format(
                c1=self.cup(intent[1][0]), c2=self.cup(intent[1][1])
            )
        if kind == "serve":
            if intent[1] is None:
                x = r.random()
                if x < PERSON_ME_RATE:
                    return r.choice(ZH.SERVE_ME)
                if x < PERSON_ME_RATE + 0.06:
                    return r.choice(ZH.SERVE_DECL).format(p=p)
                return r.choice(ZH.SERVE).format(p=p)
            if it:
                return r.choice(ZH.GIVE_IT).format(p=p)
            return r.choice(ZH.SERVE_CUP).format(p=p, c=self.cup(intent[1][0]))
        if kind == "say":
            return r.choice(ZH.SAY[intent[1]]).format(p=p)
        if kind == "home":
            return r.choice(ZH.HOME)
        raise ValueError(intent)

    def join(self, clauses: list[str]) -> str:
        text = clauses[0]
        for c in clauses[1:]:
            text = self.rng.choice(ZH.CONNECT).format(a=text, b=c)
        return text

    def polite(self, text: str) -> str:
        r = self.rng
        prefix = r.choice(ZH.POLITE_PREFIX)
        suffix = r.choice(ZH.POLITE_SUFFIX)
        question = prefix in ("你能", "能不能", "可以") or suffix in ("，好吗", "好吗")
        if prefix == "可以" and not question:
            suffix = "吗"
        end = "？" if question else r.choice(["。", "。", "！", ""])
        return prefix + text + suffix + end

    def harmful(self) -> str:
        r = self.rng
        p = r.choice(L.ZH_NP[self.person] + ["我", "他", "她"])
        o = self.np(r.choice(sorted(self.spec.graspable)))
        return r.choice(ZH.HARM).format(o=o, p=p, l=r.choice(L.ZH_LIQUID))

    def unknown(self) -> str:
        r = self.rng
        p = self.np(self.person)
        thing = r.choice(L.ZH_UNKNOWN)
        x = r.random()
        if self.spec.containers and x < 0.15:
            thing = f"{r.choice(L.ZH_OTHER_COLOURS)}的{r.choice(L.ZH_CUP_NOUNS)}"
        elif x < 0.3:
            other = "care" if self.spec.name == "tea" else "tea"
            names = {"tea": ["teapot", "cup_red", "cup_blue"], "care": ["pill_box", "towel"]}[other]
            name = r.choice(names)
            thing = self.cup(name) if name in L.CUP_COLOUR else r.choice(L.ZH_NP[name])
        y = r.random()
        if y < 0.12:
            return r.choice(ZH.GIVE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))), p=r.choice(L.ZH_UNKNOWN_PERSON)
            )
        if y < 0.24:
            return r.choice(ZH.PLACE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))),
                s=r.choice(L.ZH_UNKNOWN_SURFACE) + "上",
            )
        if y < 0.6:
            if r.random() < 0.3:
                return r.choice(ZH.GIVE_ME).format(o=thing)
            return r.choice(ZH.GIVE).format(o=thing, p=p)
        if self.spec.containers and y < 0.7:
            return r.choice(ZH.FILL).format(c=thing, l="茶")
        return r.choice(ZH.PLACE).format(
            o=thing, s=self.surface(r.choice(sorted(self.spec.surfaces)))
        )

    def impossible(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return r.choice(ZH.IMPOSSIBLE)
        if x < 0.42:
            return gibberish(r)
        if x < 0.75:
            s = r.choice(sorted(self.spec.surfaces))
            return r.choice(ZH.IMPOSSIBLE_SLOT).format(
                sn=self.np(s), p=self.np(self.person), s=self.surface(s)
            )
        if self.spec.containers:
            c, c2 = r.sample(sorted(self.spec.containers), 2)
            return r.choice(ZH.IMPOSSIBLE_TEA).format(c=self.cup(c), c2=self.cup(c2))
        return r.choice(ZH.IMPOSSIBLE_CARE).format(o=self.np(r.choice(sorted(self.spec.graspable))))


# -- the generator -----------------------------------------------------------------------------


def realise_en_zh(gen: English | Chinese, intents: list[tuple], prefix: str = "") -> str:
    r = gen.rng
    clauses = []
    prev_obj = None
    for intent in intents:
        obj = main_object(intent)
        it = prev_obj is not None and obj == prev_obj and intent[0] != "serve" and r.random() < 0.7
        clauses.append(gen.clause(intent, it))
        prev_obj = obj
    return gen.polite(prefix + gen.join(clauses))


def sample_valid(
    rng: random.Random, spec: SceneSpec, n_clauses: int
) -> tuple[list[tuple], list[DslStep]]:
    """Intents that chain into a valid plan (retrying until they do)."""
    while True:
        surface_intents: list[tuple] = []
        if n_clauses >= 2 and spec.containers and rng.random() < 0.4:
            # The most common two-step request: fill a cup, then do something with it.
            cup = rng.choice(sorted(spec.containers))
            surface_intents.append(("fill", (cup,)))
            if rng.random() < 0.5:
                surface_intents.append(("place", cup, rng.choice(sorted(spec.surfaces))))
            else:
                surface_intents.append(("give", cup, next(iter(spec.persons))))
        for i in range(len(surface_intents), n_clauses):
            if i > 0 and rng.random() < 0.2:
                code = rng.choice(["hello", "goodbye", "thanks", "welcome", "enjoy"])
                person = next(iter(spec.persons))
                surface_intents.append(rng.choice([("say", code, person), ("home",)]))
                continue
            if i > 0 and rng.random() < 0.45 and (obj := main_object(surface_intents[-1])):
                # A follow-up on the same object: "fill the red cup and give it to the guest".
                follow = rng.choice(["place", "give"])
                if follow == "place":
                    surface_intents.append(("place", obj, rng.choice(sorted(spec.surfaces))))
                else:
                    surface_intents.append(("give", obj, next(iter(spec.persons))))
                continue
            surface_intents.append(sample_intent(rng, spec, allow_serve_default=(i == 0)))
        plan_intents = [p for s in surface_intents for p in to_plan_intents(s)]
        try:
            steps = compile_intents(spec, plan_intents)
        except PlanRejected:
            continue
        if len(steps) > 16:
            continue
        return surface_intents, steps


def generate_one(rng: random.Random) -> Example:
    scene = rng.choices(list(SCENE_WEIGHTS), list(SCENE_WEIGHTS.values()))[0]
    spec = SCENES[scene]
    lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
    gen: English | German | Chinese = {"en": English, "de": German, "zh": Chinese}[lang](rng, spec)
    kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]

    def text_of(intents: list[tuple], prefix: str = "") -> str:
        if isinstance(gen, German):
            return gen.realise(intents, prefix)
        return realise_en_zh(gen, intents, prefix)

    def refusal_text(code: str) -> str:
        made = getattr(gen, code)()
        return made[0] if isinstance(made, tuple) else made

    if kind in ("single", "compose"):
        n = 1 if kind == "single" else rng.choice([2, 2, 2, 3])
        intents, steps = sample_valid(rng, spec, n)
        if rng.random() < CONTEXT_RATE:
            gen.pronoun = True
            context = rng.choice(CONTEXT[(lang, scene)])
            sep = "" if lang == "zh" else " "
            return Example(scene, context + sep + text_of(intents), render(steps), lang, kind)
        return Example(scene, text_of(intents), render(steps), lang, kind)
    if kind in ("harmful", "unknown", "impossible"):
        text = refusal_text(kind)
        if kind == "harmful" and rng.random() < 0.25:
            text = (
                gen.override()
                if isinstance(gen, English)
                else rng.choice(DE.OVERRIDE if lang == "de" else ZH.OVERRIDE)
            ) + text
        if isinstance(gen, German):
            text = finish(text, rng)
        elif isinstance(gen, English):
            text = gen.polite(text)
        else:
            text = gen.polite(text)
        return Example(scene, text, render([DslStep("refuse", (kind,))]), lang, kind)
    if kind == "override":
        intents, _ = sample_valid(rng, spec, 1)
        prefix = rng.choice({"en": EN.OVERRIDE, "de": DE.OVERRIDE, "zh": ZH.OVERRIDE}[lang])
        return Example(
            scene, text_of(intents, prefix), render([DslStep("refuse", ("override",))]), lang, kind
        )
    # refuse_compose: one bad clause spoils the whole request; never a partial plan.
    intents, _ = sample_valid(rng, spec, 1)
    code = rng.choice(["harmful", "unknown"])
    good = text_of(intents)
    bad = refusal_text(code)
    joiner = {"en": " and then ", "de": " und dann ", "zh": "，然后"}[lang]
    text = good.rstrip(".!?。！？") + joiner + bad if rng.random() < 0.7 else bad + joiner + good
    return Example(scene, text, render([DslStep("refuse", (code,))]), lang, kind)


def generate(size: int, seed: int, exclude: EvalFilter) -> tuple[list[Example], int]:
    """`size` distinct examples; returns them and how many were dropped as (near)
    duplicates of evaluation sentences."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Example] = []
    dropped = 0
    attempts = 0
    while len(out) < size and attempts < size * 20:
        attempts += 1
        ex = generate_one(rng)
        key = normalise(ex.instruction)
        if not key:
            continue
        if exclude.duplicate_of(ex.instruction) is not None:
            dropped += 1
            continue
        if (ex.scene, ex.instruction) in seen:
            continue
        seen.add((ex.scene, ex.instruction))
        out.append(ex)
    return out, dropped


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--size", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    examples, dropped = generate(args.size, args.seed, EvalFilter(evaluation_sentences()))
    with args.out.open("w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.__dict__, ensure_ascii=False) + "\n")
    print(f"{len(examples)} examples, {dropped} (near) duplicates of evaluation text dropped")
    print(Counter((e.lang, e.kind) for e in examples))


if __name__ == "__main__":
    main()
