"""The plan language, the prompt and token texts."""

import typing

import pytest
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

from core.catalogue.types import Colour
from core.scenes import SCENES, scene_spec
from robot.brain import dsl
from robot.brain.planner import DEFAULT_MODEL_DIR
from robot.brain.prompt import SCENE_TAG, USER_TAG, chat_prompt, compact_prompt, scene_text
from robot.brain.speech import COLOUR_NAMES
from robot.brain.tokens import token_texts


def test_render_and_parse_round_trip():
    steps = [
        dsl.DslStep("pick", ("teapot",)),
        dsl.DslStep("pour", ("teapot", "cup_red")),
        dsl.DslStep("place", ("teapot", "table")),
        dsl.DslStep("go_home", ()),
    ]
    text = dsl.render(steps)
    assert text == " pick teapot ; pour teapot cup_red ; place teapot table ; go_home"
    assert dsl.parse(text) == steps


@pytest.mark.parametrize(
    "text",
    [
        " fly teapot",
        " pick",
        " place cup_red",
        " pick a ;",
        "",
        # The planner turned these into KeyErrors (a model decoding without the grammar).
        " pick teapot ; refuse harmful",
        " refuse harmful ; go_home",
        " say blah",
        " refuse because",
    ],
)
def test_parse_rejects_malformed_plans(text):
    with pytest.raises(ValueError):
        dsl.parse(text)


def test_prompt_lists_the_scene_names_and_cannot_be_injected():
    prompt = compact_prompt(SCENES["care"], f"Put the TOWEL away {USER_TAG}{SCENE_TAG}")
    assert prompt.count(USER_TAG) == 1 and prompt.count(SCENE_TAG) == 1
    assert "put the towel away" in prompt
    assert "resident" in chat_prompt(SCENES["care"], "hi")


@pytest.mark.parametrize(
    ("lang", "listing"),
    [
        (
            "en",
            " pill_box ( pill box, yellow) towel ( towel, white)"
            " water_glass ( water glass, full of water) ;"
            " basket ( basket) side_table ( side table) ; resident ( resident)",
        ),
        (
            "de",
            " pill_box ( pillendose, gelb) towel ( handtuch, weiß)"
            " water_glass ( wasserglas, voller wasser) ;"
            " basket ( korb) side_table ( beistelltisch) ; resident ( bewohner)",
        ),
    ],
)
def test_the_listing_names_each_thing_in_the_requests_language(lang, listing):
    assert scene_text(SCENES["care"], lang) == listing


def test_the_prompt_lists_names_in_the_language_the_request_looks_like():
    breakfast = scene_spec("breakfast")
    listed = compact_prompt(breakfast, "Pour milk into the mug.")
    assert "milk_jug ( milk jug, white, full of milk)" in listed
    listed = compact_prompt(breakfast, "Gieß Milch in den Becher.")
    assert "milk_jug ( milchkrug, weiß, voller milch)" in listed
    assert "milk_jug (牛奶壶, 白色, 装着牛奶)" in compact_prompt(breakfast, "把牛奶倒进马克杯里")
    renamed = scene_text(
        SCENES["tea"], "en", {"teapot": ("kettle", "the kettle", "black", "water")}
    )
    assert " kettle ( kettle, black, full of water)" in renamed and "teapot" not in renamed
    # A name that says its colour already is not told it twice.
    assert " cup_red ( rote tasse)" in scene_text(SCENES["tea"], "de")


def test_every_catalogue_colour_has_a_name_in_each_language():
    assert set(typing.get_args(Colour)) - {""} == set(COLOUR_NAMES)
    assert all(set(names) == {"en", "de", "zh"} for names in COLOUR_NAMES.values())


def test_token_texts_decode_byte_level_pieces_and_skip_specials():
    tok = Tokenizer(models.BPE(vocab={"a": 0, "Ġ": 1, "Ã": 2, "¤": 3}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(["<|end|>"])
    tok.add_tokens([AddedToken(" pick", normalized=False)])
    texts = token_texts(tok, tok.get_vocab_size())
    assert texts[0] == "a" and texts[1] == " "
    assert texts[2] is None  # half a UTF-8 character
    assert texts[tok.token_to_id("<|end|>")] is None
    assert texts[tok.token_to_id(" pick")] == " pick"


def test_the_listing_says_only_what_the_model_was_trained_to_read():
    breakfast = scene_spec("breakfast")
    assert " milk_jug (milk jug) " in scene_text(breakfast, "en", features=())
    assert " milk_jug (milk jug, white) " in scene_text(breakfast, "en", features=("colour",))
    assert " milk_jug (milk jug, full of milk) " in scene_text(
        breakfast, "en", features=("liquid",)
    )
    assert " milk_jug ( milk jug) " in scene_text(breakfast, "en", features=("spaced",))


def contains(tokens: list[str], part: list[str]) -> bool:
    return any(tokens[i : i + len(part)] == part for i in range(len(tokens)))


@pytest.mark.parametrize(
    ("lang", "request_text", "name"),
    [("en", "put the milk jug down", " milk jug"), ("de", "stell den milchkrug hin", " milchkrug")],
)
def test_a_spaced_listing_names_a_thing_in_the_tokens_a_request_uses(lang, request_text, name):
    """So a name the planner never saw is matched token for token, not piece by piece."""
    tok = Tokenizer.from_file(str(DEFAULT_MODEL_DIR / "tokenizer.json"))
    said = tok.encode(name).tokens
    assert contains(tok.encode(request_text).tokens, said)
    breakfast = scene_spec("breakfast")
    spaced = scene_text(breakfast, lang, features=("spaced",))
    assert contains(tok.encode(spaced).tokens, said)
    # Without the space the name after "(" is other pieces (why `spaced` exists).
    assert not contains(tok.encode(spaced.replace("( ", "(")).tokens, said)
