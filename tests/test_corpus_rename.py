"""Renamed things in the corpus: the plan always names what the prompt lists, and the
names of the scene kept for grounding (breakfast) never appear in training."""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from core.catalogue import load_scene
from core.scenes import SCENES, scene_spec
from models import corpus, rename
from models import lexicon as L
from robot.brain.dsl import MOTION_SKILLS, REFUSAL_CODES, REFUSE, SAY, SAY_CODES, STEP_SEPARATOR
from robot.brain.prompt import listed_name

ROOT = Path(__file__).resolve().parents[1]
PLAN_LANGUAGE = {*MOTION_SKILLS, SAY, REFUSE, STEP_SEPARATOR, *SAY_CODES, *REFUSAL_CODES}


@pytest.fixture(scope="module")
def examples() -> list[corpus.Example]:
    rng = random.Random(11)
    return [corpus.generate_one(rng) for _ in range(600)]


def listed_words(listing: str) -> set[str]:
    return {w for w in listing.split() if not w.startswith("(") and not w.endswith(")")} - {";"}


def test_every_thing_a_plan_names_is_in_its_prompts_listing(examples) -> None:
    renamed = 0
    for ex in examples:
        listed = listed_words(ex.listing)
        named = set(ex.plan.split()) - PLAN_LANGUAGE
        assert named <= listed, (ex.instruction, ex.plan, ex.listing)
        scene = SCENES[ex.scene].entities
        renamed += bool(listed - scene)
    # About RENAME_RATE of the examples rename something.
    assert 0.2 < renamed / len(examples) < 0.5


def test_a_thing_refused_as_unknown_is_never_one_the_listing_holds(examples) -> None:
    aliases = {a.word: a for group in rename.ALIASES.values() for a in group}
    for ex in examples:
        if "unknown" not in ex.plan:
            continue
        listed = [aliases[w] for w in listed_words(ex.listing) if w in aliases]
        assert not rename.says_any(ex.instruction, listed), (ex.instruction, ex.listing)


def test_renaming_swaps_the_lexicon_only_inside_the_block() -> None:
    before = (dict(L.EN_NP), dict(L.CUP_COLOUR), dict(L.DE_SURFACE_PP))
    alias = rename.ALIASES["container"][0]
    with pytest.raises(RuntimeError), rename.renamed({"cup_red": alias}):
        assert L.EN_NP["cup_red"] == [alias.en]
        assert "cup_red" not in L.CUP_COLOUR  # no longer told apart by its colour
        raise RuntimeError
    assert before == (L.EN_NP, L.CUP_COLOUR, L.DE_SURFACE_PP)


def test_aliases_keep_the_thing_role_and_never_use_breakfast_names() -> None:
    breakfast = load_scene("breakfast")
    spec = scene_spec("breakfast")
    untrained = set(spec.entities)
    for thing in breakfast.things.values():
        if thing.names is not None:
            untrained |= {listed_name(s) for s in thing.names.say.values()}
    for group in rename.ALIASES.values():
        for alias in group:
            names = {alias.word, listed_name(alias.en), listed_name(alias.de[0]), alias.zh}
            assert not names & untrained, alias
    rng = random.Random(3)
    for spec in SCENES.values():
        for _ in range(50):
            for name, alias in rename.choose(spec, rng).items():
                assert alias in rename.ALIASES[rename.role_of(spec, name)]
                assert name not in spec.persons


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
