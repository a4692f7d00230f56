"""Prompt formats: how an instruction and the scene's names become model input text.

The prompt carries the scene's entity names, so the model copies names from it rather
than memorising them. Two formats:

- `compact` (our planner): ``<|scene|> objects ; surfaces ; persons<|user|>request<|plan|>``,
  the model continues with plan text (robot.brain.dsl) and ``<|end|>``.
- `chat` (a general instruction-tuned model exported by optimum, e.g. Qwen2.5-Instruct):
  a ChatML conversation that explains the plan language, then ``Plan:``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Literal

from core.scenes import SceneSpec
from robot.brain.chat_examples import chat_examples
from robot.brain.dsl import REFUSAL_CODES, SAY_CODES

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


def scene_text(spec: SceneSpec) -> str:
    """The scene's names as plan words: " cup_blue cup_red teapot ; table tray ; guest"."""
    return " ;".join("".join(" " + n for n in group) for group in entity_groups(spec))


def clean_instruction(text: str, lowercase: bool) -> str:
    """NFKC-normalised, single-spaced; lower case for our planner.

    Never cut: the planner refuses a request that does not fit its context (in tokens).
    """
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    # Our tags must never be injected through the request text.
    for tag in SPECIAL_TOKENS:
        text = text.replace(tag, " ")
    return text.lower() if lowercase else text


def compact_prompt(spec: SceneSpec, instruction: str) -> str:
    return (
        f"{SCENE_TAG}{scene_text(spec)}{USER_TAG}{clean_instruction(instruction, True)}{PLAN_TAG}"
    )


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
PROMPT_PREFIXES: dict[PromptFormat, Callable[[SceneSpec], str]] = {"chat": chat_prefix}
"""Per format, the scene's part of the prompt that every request's prompt begins with
(the planner keeps its KV cache per scene); a format without one is computed whole."""
