"""Prompt formats: how an instruction and the scene's names become model input text.

The prompt lists the scene's things, each by its plan word and by its name in the
request's language (the catalogue's `names.say`), so the model reads names from it rather
than memorising them: a scene it was never trained on is planned from its listing. Two
formats:

- `compact` (our planner): ``<|scene|> objects ; surfaces ; persons<|user|>request<|plan|>``,
  each thing written ``plan_word (name)``; the model continues with plan text
  (robot.brain.dsl) and ``<|end|>``.
- `chat` (a general instruction-tuned model exported by optimum, e.g. Qwen2.5-Instruct):
  a ChatML conversation that explains the plan language, then ``Plan:``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from core.scenes import SceneSpec
from robot.brain.chat_examples import chat_examples
from robot.brain.dsl import REFUSAL_CODES, SAY_CODES
from robot.brain.speech import (
    COLOUR_NAMES,
    FULL_OF,
    colour_of,
    detect_language,
    full_of,
    name,
)

SCENE_TAG = "<|scene|>"
USER_TAG = "<|user|>"
PLAN_TAG = "<|plan|>"
END_TAG = "<|end|>"
PAD_TAG = "<|pad|>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD_TAG, SCENE_TAG, USER_TAG, PLAN_TAG, END_TAG)


def entity_groups(spec: SceneSpec) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(objects, surfaces, persons), each sorted: the order the prompt lists them in."""
    return (
        tuple(sorted(spec.graspable)),
        tuple(sorted(spec.surfaces)),
        tuple(sorted(spec.persons)),
    )


ARTICLES = ("the ", "den ", "die ", "das ", "der ", "dem ")
"""Dropped from the front of a listed name: the listing names things, sentences use them."""


def listed_name(said: str) -> str:
    """ "the red cup" -> "red cup", "den Milchkrug" -> "milchkrug" (lower case, as requests)."""
    for article in ARTICLES:
        if said.lower().startswith(article):
            said = said[len(article) :]
            break
    return said.lower()


def listing_entry(word: str, said: str, colour: str, liquid: str, lang: str, spaced: bool) -> str:
    """One thing as the prompt lists it: " mug ( mug, yellow)", " cup_red ( red cup)",
    " milk_jug ( milk jug, white, full of milk)", " mug (马克杯, 黄色)".

    The colour (a COLOUR_NAMES key) is added unless the name already says it, so a request
    may call a thing by its colour alone ("the green one"); `liquid` (in `lang`) is what a
    full vessel holds, so "pour the milk" finds its jug whatever the jug is called.
    spaced: the name is written as a request writes it, after a space in English and
    German and after none in Chinese, so it is the same tokens in both: "(mug" is other
    pieces than the request's " mug", and a name the planner never saw can only be
    matched piece by piece.
    """
    named = listed_name(said)
    shade = COLOUR_NAMES[colour][lang] if colour else ""
    if shade and shade.lower() not in named:
        named = f"{named}, {shade}"
    if liquid:
        named = f"{named}, {FULL_OF[lang].format(liquid.lower())}"
    space = " " if spaced and lang != "zh" else ""
    return f" {word} ({space}{named})"


ListingFeature = Literal["colour", "liquid", "spaced"]
LISTING_FEATURES: tuple[ListingFeature, ...] = ("colour", "liquid", "spaced")
"""How a listing writes a thing besides its name: its colour, what a full vessel holds,
the name spaced as requests space it (`listing_entry`). A model folder's config.json
names those its model was trained with (`robot_planner.listing`); these are what the
corpus gives today."""

Listed = tuple[str, str, str, str]
"""How a renamed thing is listed: (plan word, name, colour, liquid in the language)."""


def scene_text(
    spec: SceneSpec,
    lang: str,
    renamed: Mapping[str, Listed] | None = None,
    features: Sequence[ListingFeature] = LISTING_FEATURES,
) -> str:
    """The scene's things as the prompt lists them, by group, each with its name in `lang`:
    " cup_blue ( blue cup) cup_red ( red cup) teapot ( teapot, full of tea) ; table
    ( table) tray ( tray) ; guest ( guest)".

    renamed: plan word -> what is listed instead (the corpus renames things so the model
    learns to read the listing, models/rename.py). features: how names are written and
    what is said besides them.
    """
    renamed = renamed or {}
    spaced = "spaced" in features
    groups = []
    for group in entity_groups(spec):
        entries = []
        for entity in group:
            word, said, colour, liquid = renamed.get(entity) or (
                entity,
                name(entity, lang, spec.name),
                colour_of(entity, spec.name),
                full_of(entity, spec.name, lang),
            )
            colour = colour if "colour" in features else ""
            liquid = liquid if "liquid" in features else ""
            entries.append(listing_entry(word, said, colour, liquid, lang, spaced))
        groups.append("".join(sorted(entries)))
    return " ;".join(groups)


def clean_instruction(text: str, lowercase: bool) -> str:
    """NFKC-normalised, single-spaced; lower case for our planner.

    Never cut: the planner refuses a request that does not fit its context (in tokens).
    """
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    # Our tags must never be injected through the request text.
    for tag in SPECIAL_TOKENS:
        text = text.replace(tag, " ")
    return text.lower() if lowercase else text


def compact_prefix(
    spec: SceneSpec, instruction: str, features: Sequence[ListingFeature] = LISTING_FEATURES
) -> str:
    """The compact prompt up to the request: the listing in the language `instruction`
    looks like. It ends in a special token, so its tokens are the same whatever follows."""
    listing = scene_text(spec, detect_language(instruction), features=features)
    return f"{SCENE_TAG}{listing}{USER_TAG}"


def compact_prompt(
    spec: SceneSpec,
    instruction: str,
    scene: str | None = None,
    features: Sequence[ListingFeature] = LISTING_FEATURES,
) -> str:
    """Our planner's prompt; `scene`: the listing, by default `scene_text` in the
    language the request looks like (the corpus gives it for renamed things)."""
    text = clean_instruction(instruction, True)
    if scene is None:
        return f"{compact_prefix(spec, instruction, features)}{text}{PLAN_TAG}"
    return f"{SCENE_TAG}{scene}{USER_TAG}{text}{PLAN_TAG}"


CHAT_SYSTEM = (
    "You control a robot arm. Answer with a plan in this language and nothing else: steps "
    "separated by ' ; ', each step one of: pick OBJECT | place OBJECT SURFACE | pour SOURCE "
    "CONTAINER | handover OBJECT PERSON | go_home | say CODE ({say}) | refuse REASON "
    "({refuse}). Pick only with an empty gripper, never end holding something, and refuse "
    "anything that could hurt a person or names something not in the scene. Use only the "
    "names of the scene."
)
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
PLAN_CUE = "Plan:"
"""Begins every answer; the model continues it with the plan text."""


def _turn(role: str, text: str) -> str:
    return f"{IM_START}{role}\n{text}{IM_END}\n"


def chat_prefix(spec: SceneSpec) -> str:
    """The part of the chat prompt that depends on the scene alone: the system message
    with the scene's names, then the few-shot examples as earlier turns
    (robot.brain.chat_examples). It ends where the request's turn begins, after a
    special token, so its tokens are the same whatever request follows and their KV
    cache can be kept per scene."""
    objects, surfaces, persons = entity_groups(spec)
    system = CHAT_SYSTEM.format(say=", ".join(SAY_CODES), refuse=", ".join(REFUSAL_CODES))
    scene = (
        f"Objects: {' '.join(objects)}. Containers: {' '.join(sorted(spec.containers))}. "
        f"Full vessels: {' '.join(sorted(spec.vessels))}. Surfaces: {' '.join(surfaces)}. "
        f"Persons: {' '.join(persons)}."
    )
    shots = "".join(
        _turn("user", f"Request: {e.request}") + _turn("assistant", f"{PLAN_CUE} {e.plan}")
        for e in chat_examples(spec)
    )
    head = _turn("system", f"{system}\nScene: {scene}")
    return f"{head}{shots}{IM_START}user"


def chat_prompt(spec: SceneSpec, instruction: str) -> str:
    """ChatML prompt for instruction-tuned models (SmolLM2, Qwen2.5 and others using
    <|im_start|>): `chat_prefix`, then the request and the start of the answer."""
    request = clean_instruction(instruction, False).replace(IM_START, " ").replace(IM_END, " ")
    return f"{chat_prefix(spec)}\nRequest: {request}{IM_END}\n{IM_START}assistant\n{PLAN_CUE}"


PromptFormat = Literal["compact", "chat"]
PROMPT_FORMATS: dict[PromptFormat, Callable[[SceneSpec, str], str]] = {
    "compact": compact_prompt,
    "chat": chat_prompt,
}
PROMPT_PREFIXES: dict[PromptFormat, Callable[[SceneSpec, str], str]] = {
    "compact": compact_prefix,
    "chat": lambda spec, _instruction: chat_prefix(spec),
}
"""Per format, the part of a request's prompt that comes before the request: the same
for every request in a scene (and, compact, in a language), so the planner keeps its KV
cache and runs only the rest."""
