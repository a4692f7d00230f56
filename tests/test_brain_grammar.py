"""The grammar mask: whatever the model prefers, only valid plans can come out."""

import random

import pytest

from core.errors import PlanRejected
from core.scenes import SCENES
from robot.brain import dsl
from robot.brain.grammar import GrammarState, TokenMasker
from robot.brain.planner import to_steps
from robot.brain.world import WorldModel, replay

WORDS = [
    "pick",
    "place",
    "pour",
    "handover",
    "go_home",
    "say",
    "refuse",
    ";",
    "teapot",
    "cup_red",
    "cup_blue",
    "tray",
    "table",
    "guest",
    "water_glass",
    "pill_box",
    "towel",
    "basket",
    "side_table",
    "resident",
    "newspaper",
    "throw",
    *dsl.SAY_CODES,
    *dsl.REFUSAL_CODES,
]


def whole_word_vocab() -> list[str | None]:
    """Like our planner: one token per plan word, plus junk the mask must reject."""
    return [None, *(" " + w for w in WORDS), "hello", " the", "pick", "<junk>", " 茶"]


def piece_vocab() -> list[str | None]:
    """Like a pretrained BPE: words split into pieces, spaces glued to the front."""
    pieces = {
        " ",
        ";",
        " ;",
        " p",
        "ick",
        " pick",
        "our",
        "lace",
        " te",
        "apot",
        " cup",
        "_red",
        "_blue",
        " tr",
        "ay",
        " table",
        " g",
        "uest",
        " go",
        "_home",
        " say",
        " hello",
        " ref",
        "use",
        " harmful",
        "s",
        "a",
        "e",
        "o",
        "c",
        "k",
        "t",
        "r",
        "d",
        "u",
        "p",
        "l",
        "b",
        "g",
        "h",
        "n",
        "m",
        "w",
        "i",
        "f",
        "y",
        "_",
        " pour",
        " handover",
        " place",
    }
    pieces |= set("abcdefghijklmnopqrstuvwxyz_")  # byte fallback: every word can be finished
    return [None, *sorted(pieces)]


def random_plan(masker: TokenMasker, scene: str, rng: random.Random) -> str:
    state = GrammarState(world=WorldModel.initial(SCENES[scene]))
    text = ""
    for _ in range(400):
        allowed = masker.allowed(state)
        assert allowed.size, f"dead end after {text!r}"
        token = int(rng.choice(allowed))
        if token == masker.eos_id:
            return text
        text += masker.token_texts[token]
        state = masker.advance(state, token)
    raise AssertionError(f"no end after 400 tokens: {text!r}")


@pytest.mark.parametrize("vocab", [whole_word_vocab, piece_vocab])
@pytest.mark.parametrize("scene", ["tea", "care"])
def test_random_walks_through_the_mask_are_always_valid_plans(vocab, scene):
    """Every plan the grammar lets through replays cleanly, but for the one rule only the
    validator holds: a full vessel of something hot is never handed over."""
    masker = TokenMasker(vocab(), eos_id=0)
    rng = random.Random(1)
    finished = 0
    for _ in range(150):
        try:
            text = random_plan(masker, scene, rng)
        except AssertionError as err:
            if "no end" in str(err):
                continue  # a random walk may ramble; the decoder bounds its tokens
            raise
        finished += 1
        words = dsl.parse(text)
        if words[0].skill == dsl.REFUSE:
            assert len(words) == 1 and words[0].words[0] in dsl.REFUSAL_CODES
            continue
        try:
            replay(WorldModel.initial(SCENES[scene]), to_steps(words, "en"))
        except PlanRejected as err:
            assert "full of something hot" in str(err), err
            hot = [s for s in words if s.skill == "handover" and s.words[0] in SCENES[scene].hot]
            assert hot, err
        names = {w for step in words for w in step.words if step.skill != "say"}
        assert names <= SCENES[scene].entities
    assert finished > 50


def test_mask_rejects_unknown_names_and_junk():
    masker = TokenMasker(whole_word_vocab(), eos_id=0)
    texts = masker.token_texts
    start = GrammarState(world=WorldModel.initial(SCENES["tea"]))
    first = {texts[i] for i in masker.allowed(start)}
    assert " pick" in first and " refuse" in first
    assert " place" not in first  # nothing is held yet
    assert not first & {" newspaper", " throw", "hello", "<junk>", " 茶"}
    after_pick = masker.advance(start, texts.index(" pick"))
    assert {texts[i] for i in masker.allowed(after_pick)} == {" teapot", " cup_red", " cup_blue"}


def test_the_plan_cannot_end_while_holding():
    masker = TokenMasker(whole_word_vocab(), eos_id=0)
    texts = masker.token_texts
    state = GrammarState(world=WorldModel.initial(SCENES["tea"]))
    for word in (" pick", " teapot"):
        state = masker.advance(state, texts.index(word))
    assert {texts[i] for i in masker.allowed(state)} == {" ;"}


def test_pour_needs_a_full_held_vessel_and_an_empty_container():
    masker = TokenMasker(whole_word_vocab(), eos_id=0)
    texts = masker.token_texts
    state = GrammarState(world=WorldModel.initial(SCENES["tea"]))
    for word in (" pick", " cup_red", " ;"):
        state = masker.advance(state, texts.index(word))
    assert " pour" not in {texts[i] for i in masker.allowed(state)}  # the red cup is empty


def test_masks_are_cached_per_state():
    masker = TokenMasker(piece_vocab(), eos_id=0)
    state = GrammarState(world=WorldModel.initial(SCENES["care"]))
    assert masker.allowed(state) is masker.allowed(state)
