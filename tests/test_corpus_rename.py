"""Renamed things in the corpus: the plan always names what the prompt lists, and the
names of the scene kept for grounding (breakfast) never appear in training."""

import os
import random
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from core.catalogue import load_scene
from core.scenes import SCENES, scene_spec
from models import corpus, rename
from models import lexicon as L
from models.intents import compiled
from robot.brain.dsl import MOTION_SKILLS, REFUSAL_CODES, REFUSE, SAY, SAY_CODES, STEP_SEPARATOR
from robot.brain.prompt import listed_name

ROOT = Path(__file__).resolve().parents[1]
PLAN_LANGUAGE = {*MOTION_SKILLS, SAY, REFUSE, STEP_SEPARATOR, *SAY_CODES, *REFUSAL_CODES}


@pytest.fixture(scope="module")
def examples() -> list[corpus.Example]:
    rng = random.Random(11)
    return [corpus.generate_one(rng) for _ in range(600)]


def listed_words(listing: str) -> set[str]:
    return set(re.findall(r" (\w+) \(", listing))


def listed_names(listing: str) -> list[str]:
    """The names in a listing's parentheses, without their colours."""
    return [name.split(",")[0].strip() for name in re.findall(r"\(([^)]*)\)", listing)]


def test_every_thing_a_plan_names_is_in_its_prompts_listing(examples) -> None:
    renamed = 0
    for ex in examples:
        listed = listed_words(ex.listing)
        named = set(ex.plan.split()) - PLAN_LANGUAGE
        assert named <= listed, (ex.instruction, ex.plan, ex.listing)
        scene = SCENES[ex.scene].entities
        renamed += bool(listed - scene)
    # About RENAME_RATE of the examples rename something.
    assert 0.3 < renamed / len(examples) < 0.6


def test_a_thing_refused_as_unknown_is_never_one_the_listing_holds(examples) -> None:
    scene_names = {
        listed_name(thing.names.say[lang])
        for scene in SCENES
        for thing in load_scene(scene).things.values()
        if thing.names is not None
        for lang in ("en", "de", "zh")
    }
    for ex in examples:
        if "unknown" not in ex.plan:
            continue
        # Only aliases: a scene's own short names ("tray") may be part of an unknown one.
        aliases = [n for n in listed_names(ex.listing) if n not in scene_names]
        assert not any(n in ex.instruction.lower() for n in aliases), (ex.instruction, ex.listing)


def test_renaming_swaps_the_lexicon_only_inside_the_block() -> None:
    before = (dict(L.EN_NP), dict(L.CUP_COLOUR), dict(L.DE_SURFACE_PP), set(L.EN_FEMALE))
    alias = rename.ALIASES["container"][0]
    anna = rename.ALIASES["person"][1]
    with pytest.raises(RuntimeError), rename.renamed({"cup_red": alias, "guest": anna}):
        assert L.EN_NP["cup_red"] == [alias.en]
        assert "cup_red" not in L.CUP_COLOUR  # no longer told apart by its colour
        assert "Anna" in L.EN_FEMALE
        raise RuntimeError
    assert before == (L.EN_NP, L.CUP_COLOUR, L.DE_SURFACE_PP, L.EN_FEMALE)


def untrained_names() -> set[str]:
    """The breakfast scene's plan words and names, and its liquid and jug, in every language."""
    breakfast = load_scene("breakfast")
    untrained = set(scene_spec("breakfast").entities) | {"milk", "milch", "牛奶", "jug", "krug"}
    for thing in breakfast.things.values():
        if thing.names is not None:
            untrained |= {listed_name(s) for s in thing.names.say.values()}
    return untrained


def alias_names(alias: rename.Alias) -> set[str]:
    return {alias.word, listed_name(alias.en), listed_name(alias.de[0]), alias.zh, *alias.liquid}


def test_aliases_keep_the_thing_role_and_never_use_breakfast_names() -> None:
    untrained = untrained_names()
    for group in rename.ALIASES.values():
        for alias in group:
            assert not alias_names(alias) & untrained, alias
    rng = random.Random(3)
    made_up = 0
    for spec in SCENES.values():
        for _ in range(300):
            for name, alias in rename.choose(spec, rng).items():
                role = rename.role_of(spec, name)
                assert (name in spec.persons) == (role == "person")
                made_up += alias not in rename.ALIASES[role]
                assert not any(
                    word in untrained for n in alias_names(alias) for word in n.split()
                ), alias
    assert made_up > 100


def test_a_coloured_alias_is_said_in_its_colour_with_german_endings() -> None:
    brolin = rename.Alias(
        "brolin", "the brolin", ("den Brolin", "dem Brolin", "der Brolin", "m"), "布罗林"
    )
    vase = rename.Alias("vase", "die Vase", ("die Vase", "der Vase", "die Vase", "f"), "花瓶")
    assert rename.coloured_de(replace(brolin, colour="green")) == (
        "den grünen Brolin",
        "dem grünen Brolin",
        "der grüne Brolin",
    )
    assert rename.coloured_de(replace(vase, colour="orange"))[:2] == (
        "die orange Vase",
        "der orangen Vase",
    )
    with rename.renamed({"cup_red": replace(brolin, colour="green")}):
        assert L.EN_NP["cup_red"] == ["the brolin", "the green brolin"]
        assert "绿色的布罗林" in L.ZH_NP["cup_red"]


def test_the_corpus_is_the_same_whatever_the_hash_seed() -> None:
    """Two renamed cups once had no order but the set's, which follows the hash seed."""
    script = (
        "import random, json; from models import corpus; rng = random.Random(5); "
        "print(json.dumps([corpus.generate_one(rng).__dict__ for _ in range(400)]))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]


class Scripted(random.Random):
    """Chooses what it is told to, in order."""

    def __init__(self, picks: list[object]) -> None:
        super().__init__(0)
        self.picks = picks

    def choice(self, seq):  # type: ignore[override]
        pick = self.picks.pop(0)
        assert pick in seq
        return pick


def test_a_made_up_name_is_never_a_breakfast_word() -> None:
    assert {"diner", "mug", "bowl", "milk"} <= rename.UNTRAINED_WORDS
    # "di" + "ner" would make the breakfast scene's person; the next draw is taken.
    rng = Scripted([2, "d", "i", "", "n", "e", "r", 1, "t", "e", "s"])
    assert rename.made_up_stem(rng) == "tes"


def test_some_scenes_list_one_more_surface_and_plans_put_things_on_it(examples) -> None:
    """Breakfast lists three surfaces, the trained scenes two: the planner must not
    count on two."""
    wider = [ex for ex in examples if len(listed_words(ex.listing.split(";")[1])) == 3]
    assert 0.15 < len(wider) / len(examples) < 0.35
    rng = random.Random(3)
    tea, extra = SCENES["tea"], {}
    while not extra:
        spec, extra = rename.widened(tea, rng)
    (word,) = extra
    assert spec.surfaces == tea.surfaces | {word} and word in spec.order
    steps = compiled(spec, [("place", "cup_red", word)])
    assert steps is not None and steps[-1].words == ("cup_red", word)
