"""Generate the instruction -> plan corpus for both scenes, in English, German, Chinese.

Every example is an intent (or a sequence of intents, `models/intents.py`) realised as a
request by the language realisers (`models/lang_{en,de,zh}.py`, their templates in
`templates_*.py`, registers and noise in `noise.py`), and compiled to plan text by the
brain's own world model, so every valid target is a valid plan. Refusals (harmful,
unknown objects, impossible, attempts to switch off safety) map to `refuse CODE`.

Kinds (`KIND_WEIGHTS`): `single` and `compose` (one to three clauses), `reference`
(clauses that lean on earlier ones: "the other cup", "the empty one", "them", a thing set
aside or named first), `toss` (harmless requests with violent-sounding verbs: "chuck the
towel in the basket", "hit me with a cup of tea", "shoot her a quick hello"), `words`
(say something, move nothing), `reason` (a harmless request with a harmless reason),
`harmful`, `covert` (harm with no violent word: withholding medicine or water, smothering
dressed as care, the hot teapot handed over), `unknown`, `impossible`, `override`, and
`refuse_compose` (harmless clauses with a harmful or unknown one anywhere among them).

    python -m models.corpus --out corpus.jsonl --size 60000
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.scenes import SCENES, SceneSpec
from models import rename
from models import templates_de as DE
from models import templates_en as EN
from models import templates_zh as ZH
from models.eval_filter import EvalFilter, evaluation_sentences
from models.intents import (
    SAY_CODES,
    compile_intents,
    compiled,
    main_object,
    person_of,
    sample_intent,
    sample_reference,
    sample_valid,
    to_plan_intents,
)
from models.lang_de import DeClause, German
from models.lang_en import English
from models.lang_zh import Chinese
from models.textutil import add_typos, finish, gibberish, normalise
from robot.brain.dsl import DslStep, render
from robot.brain.prompt import scene_text
from robot.brain.speech import detect_language

__all__ = [
    "Chinese",
    "English",
    "Example",
    "German",
    "add_typos",
    "compile_intents",
    "finish",
    "generate",
    "generate_one",
    "gibberish",
    "main_object",
    "normalise",
    "sample_intent",
    "sample_valid",
    "to_plan_intents",
]

LANGS = ("en", "de", "zh")
LANG_WEIGHTS = (0.36, 0.3, 0.34)
SCENE_WEIGHTS = {"tea": 0.55, "care": 0.45}
KIND_WEIGHTS = {
    "single": 0.22,
    "compose": 0.19,
    "reference": 0.10,
    "toss": 0.07,
    "words": 0.05,
    "reason": 0.04,
    "harmful": 0.07,
    "covert": 0.06,
    "unknown": 0.08,
    "impossible": 0.05,
    "override": 0.03,
    "refuse_compose": 0.04,
}
CONTEXT_RATE = 0.07
"""Requests that first describe the person and then call them "him" / "her"."""
TAKE_BACK_RATE = 0.08
"""Single requests preceded by one the speaker takes back ("..., no wait, ...")."""
SITUATION_RATE = 0.3
"""Covert harm told after a harmless situation, as reasons are ("she's tired, so ..."):
the framing must not decide."""
CONTEXT = {
    ("en", "tea"): [
        ("The guest is thirsty.", "n"),
        ("Our guest just arrived.", "n"),
        ("The visitor is waiting.", "n"),
        ("A guest is sitting at the table.", "n"),
        ("The lady at the table would like something.", "f"),
        ("Our visitor has been waiting a while, he's a regular.", "m"),
        ("She's just sat down.", "f"),
        ("He came in from the cold.", "m"),
    ],
    ("en", "care"): [
        ("The resident is awake.", "n"),
        ("The patient needs some help.", "n"),
        ("Grandma is sitting in bed.", "f"),
        ("Grandpa just woke up from his nap.", "m"),
        ("She's been coughing all morning.", "f"),
        ("He's getting ready for bed.", "m"),
        ("The old lady in the armchair is thirsty.", "f"),
    ],
    ("de", "tea"): [
        ("Der Gast hat Durst.", "m"),
        ("Unser Gast ist gerade angekommen.", "m"),
        ("Der Besucher wartet.", "m"),
        ("Die Dame am Tisch wartet schon.", "f"),
        ("Sie hat gerade Platz genommen.", "f"),
        ("Er kommt gerade aus der Kälte.", "m"),
    ],
    ("de", "care"): [
        ("Der Bewohner ist wach.", "m"),
        ("Der Patient braucht Hilfe.", "m"),
        ("Die Oma sitzt im Sessel.", "f"),
        ("Sie hat Durst.", "f"),
        ("Er ist gerade aufgewacht.", "m"),
    ],
    ("zh", "tea"): [
        ("客人渴了。", "m"),
        ("客人刚到。", "m"),
        ("有位客人在等着。", "m"),
        ("那位女士坐下了。", "f"),
        ("他刚从外面进来。", "m"),
    ],
    ("zh", "care"): [
        ("老人醒了。", "m"),
        ("奶奶需要帮忙。", "f"),
        ("病人在床上。", "m"),
        ("奶奶刚睡醒。", "f"),
        ("爷爷有点渴。", "m"),
    ],
}
JOIN_BAD = {
    "en": [
        " and then ",
        ", then ",
        ". After that, ",
        " and once you've done that, ",
        ", and afterwards ",
    ],
    "de": [" und dann ", ", danach ", ". Anschließend ", " und zum Schluss ", ", dann "],
    "zh": ["，然后", "，再", "，接着", "，之后", "，完了"],
}
JOIN_BAD_FIRST = {"en": "first {a}, then {b}", "de": "zuerst {a}, dann {b}", "zh": "先{a}，再{b}"}


@dataclass(frozen=True)
class Example:
    """One request and its plan. `listing`: the prompt's scene listing for it (in the
    language the request looks like, with the example's renamed things)."""

    scene: str
    instruction: str
    plan: str
    lang: str
    kind: str
    listing: str


Gen = English | German | Chinese


def new_gen(lang: str, rng: random.Random, spec: SceneSpec) -> Gen:
    return {"en": English, "de": German, "zh": Chinese}[lang](rng, spec)


def raw_text(gen: Gen, intents: list[tuple], hints: dict | None = None) -> str:
    """The clauses joined, without politeness, register or punctuation (for building on)."""
    gen.raw = True
    try:
        return gen.realise(intents, "", hints)
    finally:
        gen.raw = False


def dress(gen: Gen, text: str, imperative: bool = True) -> str:
    """A hand-built request in the register of a random speaker."""
    if isinstance(gen, German):
        return gen.style(finish(text, gen.rng) if gen.rng.random() < 0.5 else text)
    return gen.style(text, imperative=imperative)


def request(gen: Gen, clauses: list, decl_first: bool = False) -> str:
    """Clauses made outside `realise` (str, or DeClause in German) as one request."""
    gen.decl_first = decl_first
    return gen.compose([(c, False) for c in clauses], "")


def is_decl(gen: Gen, clause) -> bool:
    return not clause.inf if isinstance(clause, DeClause) else gen.last_decl


# -- kinds ---------------------------------------------------------------------------------------


def k_plain(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    n = 1 if kind == "single" else rng.choice([2, 2, 3])
    intents, steps = sample_valid(rng, spec, n)
    if kind == "single" and rng.random() < TAKE_BACK_RATE:
        wrong, _ = sample_valid(rng, spec, 1)
        if wrong != intents:
            text = gen.take_back(raw_text(gen, wrong), raw_text(gen, intents))
            return dress(gen, text), render(steps), "take_back"
    if rng.random() < CONTEXT_RATE:
        context, gender = rng.choice(CONTEXT[(gen.lang, spec.name)])
        gen.pronoun = True
        gen.gender = gender if gen.lang == "en" or gender != "n" else rng.choice("fm")
        sep = "" if gen.lang == "zh" else " "
        return context + sep + gen.realise(intents), render(steps), kind
    return gen.realise(intents), render(steps), kind


def single_with_object(rng: random.Random, spec: SceneSpec) -> tuple[list[tuple], list, str]:
    """One clause about one object (not a handed-over hot teapot), and that object."""
    while True:
        intents, steps = sample_valid(rng, spec, 1)
        obj = main_object(intents[0])
        if obj is not None and intents[0][0] != "serve":
            return intents, steps, obj


def k_reference(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    x = rng.random()
    if x < 0.22:
        intents, steps, obj = single_with_object(rng, spec)
        pool = spec.containers if obj in spec.containers else spec.graspable
        aside = rng.choice(sorted(pool - {obj}))
        hints = {"aside": aside} if aside in spec.containers else {}
        text = gen.aside(aside) + gen.realise(intents, hints=hints)
        return text, render(steps), kind
    if x < 0.4:
        intents, steps, obj = single_with_object(rng, spec)
        gen.prepare_topic(obj)
        text = gen.topic(obj, gen.realise(intents, hints={"topic": obj}))
        return text, render(steps), kind
    if x < 0.5:
        # "The guest asked for the red cup. Fill it and give it to her."
        obj = rng.choice(sorted(spec.graspable - spec.hot))
        intents = [("give", obj, person_of(spec))]
        if obj in spec.containers and rng.random() < 0.5:
            intents.insert(0, ("fill", (obj,)))
        steps = compiled(spec, intents)
        assert steps is not None
        person = gen.person_slots() if isinstance(gen, German) else gen.pnp()
        gen.pronoun = rng.random() < 0.6
        gen.prepare_topic(obj)
        text = gen.topic_person(obj, person, gen.realise(intents, hints={"topic": obj}))
        return text, render(steps), kind
    intents, steps = sample_reference(rng, spec)
    return gen.realise(intents), render(steps), kind


def k_toss(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    person = person_of(spec)
    if spec.containers:
        what = rng.choices(
            ["place", "fill", "give", "serve", "say"], [0.42, 0.28, 0.1, 0.05, 0.15]
        )[0]
    else:
        what = rng.choices(["place", "give", "say"], [0.58, 0.27, 0.15])[0]
    if what == "say":
        code = rng.choice(SAY_CODES)
        clause = gen.words(code, loud=True)
        return request(gen, [clause]), render([DslStep("say", (code,))]), kind
    graspable = sorted(spec.graspable - spec.hot) if what == "give" else sorted(spec.graspable)
    if what == "place":
        intent: tuple = ("place", rng.choice(graspable), rng.choice(sorted(spec.surfaces)))
    elif what == "fill":
        intent = ("fill", (rng.choice(sorted(spec.containers)),))
    elif what == "give":
        intent = ("give", rng.choice(graspable), person)
    else:
        intent = ("serve", None, person)
    intents = [intent]
    gen.last_decl = False
    clauses = [gen.toss(intent)]
    decl = is_decl(gen, clauses[0])
    if rng.random() < 0.2:
        more, _ = sample_valid(rng, spec, 1)
        if compiled(spec, [intent, *more]) is not None:
            intents.append(more[0])
            clauses.append(gen.clause(more[0], False))
    steps = compiled(spec, intents)
    assert steps is not None
    return request(gen, clauses, decl), render(steps), kind


def k_words(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    codes = rng.sample(SAY_CODES, 2) if rng.random() < 0.2 else [rng.choice(SAY_CODES)]
    loud = rng.random() < 0.1
    prefix = ""
    if rng.random() < 0.1:
        prefix, gender = rng.choice(CONTEXT[(gen.lang, spec.name)])
        gen.pronoun = True
        gen.gender = gender if gen.lang == "en" or gender != "n" else rng.choice("fm")
        prefix += "" if gen.lang == "zh" else " "
    clauses = [gen.words(c, loud=loud, tail=i == len(codes) - 1) for i, c in enumerate(codes)]
    steps = [DslStep("say", (c,)) for c in codes]
    return prefix + request(gen, clauses), render(steps), kind


def k_reason(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    while True:
        intents, steps = sample_valid(rng, spec, 1)
        intent = intents[0]
        if intent[0] not in ("place", "give", "fill", "serve"):
            continue
        if (
            intent[0] == "place"
            and intent[1] in ("pill_box", "water_glass")
            and intent[2] == "basket"
        ):
            continue  # moving medicine or water away from her: never with a made-up reason
        break
    clause = gen.reason(intent, gen.clause(intent, False))
    return request(gen, [clause], is_decl(gen, clause)), render(steps), kind


def k_harmful(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    text = gen.harmful()
    if rng.random() < 0.25:
        text = gen.override() + text
    text = dress(gen, text)
    return text, render([DslStep("refuse", ("harmful",))]), kind


def k_covert(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    gen.last_decl = False
    clause = gen.covert()
    if rng.random() < SITUATION_RATE:
        clause = gen.situation_first(clause)
    return (
        request(gen, [clause], is_decl(gen, clause)),
        render([DslStep("refuse", ("harmful",))]),
        kind,
    )


def k_unknown(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    if isinstance(gen, German):
        text = request(gen, [gen.unknown_clause()])
    else:
        text = dress(gen, gen.unknown())
    return text, render([DslStep("refuse", ("unknown",))]), kind


def k_impossible(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    return dress(gen, gen.impossible()), render([DslStep("refuse", ("impossible",))]), kind


def k_override(gen: Gen, rng: random.Random, spec: SceneSpec, kind: str) -> tuple[str, str, str]:
    plan = render([DslStep("refuse", ("override",))])
    if rng.random() < 0.3:
        alone = {"en": EN.OVERRIDE_ALONE, "de": DE.OVERRIDE_ALONE, "zh": ZH.OVERRIDE_ALONE}
        return dress(gen, rng.choice(alone[gen.lang])), plan, kind
    intents, _ = sample_valid(rng, spec, rng.choice([1, 1, 2]))
    prefix = rng.choice({"en": EN.OVERRIDE, "de": DE.OVERRIDE, "zh": ZH.OVERRIDE}[gen.lang])
    return gen.realise(intents, prefix), plan, kind


def bad_clause(gen: Gen, rng: random.Random, code: str, after: tuple | None) -> str:
    """A harmful or unknown clause without politeness; "it" when it follows `after`."""
    if code == "unknown":
        return gen.unknown_clause().imp if isinstance(gen, German) else gen.unknown()
    x = rng.random()
    if after is not None and main_object(after) is not None and x < 0.35:
        if isinstance(gen, German):
            prev = getattr(gen, "prev_np", None) or gen.np(main_object(after))
            return gen.harm_it(prev).imp
        return gen.harm_it()
    if x < 0.65:
        made = gen.covert()
        return made.imp if isinstance(made, DeClause) else made
    return gen.harmful()


def k_refuse_compose(
    gen: Gen, rng: random.Random, spec: SceneSpec, kind: str
) -> tuple[str, str, str]:
    """One bad clause spoils the whole request, wherever it is; never a partial plan."""
    intents, _ = sample_valid(rng, spec, rng.choice([1, 1, 2]))
    code = "harmful" if rng.random() < 0.65 else "unknown"
    good = raw_text(gen, intents)
    x = rng.random()
    joins = JOIN_BAD[gen.lang]
    if x < 0.7:
        bad = bad_clause(gen, rng, code, intents[-1])
        text = good + rng.choice(joins) + bad
    elif x < 0.85 or len(intents) < 2:
        bad = bad_clause(gen, rng, code, None)
        text = (
            JOIN_BAD_FIRST[gen.lang].format(a=bad, b=good)
            if rng.random() < 0.3
            else bad + rng.choice(joins) + good
        )
    else:
        first, second = raw_text(gen, intents[:1]), raw_text(gen, intents[1:])
        bad = bad_clause(gen, rng, code, intents[0])
        text = first + rng.choice(joins) + bad + rng.choice(joins) + second
    return dress(gen, text), render([DslStep("refuse", (code,))]), kind


KINDS = {
    "single": k_plain,
    "compose": k_plain,
    "reference": k_reference,
    "toss": k_toss,
    "words": k_words,
    "reason": k_reason,
    "harmful": k_harmful,
    "covert": k_covert,
    "unknown": k_unknown,
    "impossible": k_impossible,
    "override": k_override,
    "refuse_compose": k_refuse_compose,
}


def generate_one(rng: random.Random) -> Example:
    scene = rng.choices(list(SCENE_WEIGHTS), list(SCENE_WEIGHTS.values()))[0]
    lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
    kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
    while True:
        spec, extra = rename.widened(SCENES[scene], rng)
        gen = new_gen(lang, rng, spec)
        aliases = extra | rename.choose(spec, rng)
        with rename.renamed(aliases):
            text, plan, label = KINDS[kind](gen, rng, spec, kind)
        if "unknown" not in plan or not rename.says_any(text, aliases.values()):
            break  # else a thing "not here" is one the listing has under its new name
    text = rename.with_liquids(text, lang, spec, aliases)
    said = detect_language(text)
    shown = {n: rename.listed(a, n, spec, said) for n, a in aliases.items()}
    plan = " ".join(shown[w][0] if w in shown else w for w in plan.split(" "))
    return Example(scene, text, plan, lang, label, scene_text(spec, said, shown))


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
