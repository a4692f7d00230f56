"""The brain's planner: request -> length -> screen -> constrained decoding -> validation -> Plan.

Whatever happens, the result is either a plan that replays cleanly on the brain's world
model or a refused plan with a reason; never a partial or unsafe plan.

A request longer than the model's context allows is refused, not cut. The budget is
counted in the model's tokens (an emoji can take four, a Chinese character one, so
characters say little): the context less the prompt's other parts (scene names, tags)
less the plan's `max_new_tokens`, so the model never sees more than its context. Cutting
would keep the words that fit and drop the rest, and the rest may be the "don't" or the
"not the hot one" that changes what the arm should do; a refusal costs the person one
shorter sentence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from core.errors import PlanRejected
from core.msgs import SKILL_ARGS, Plan, Step
from core.scenes import SceneSpec
from robot.brain import dsl, speech
from robot.brain.decoder import Decoded, decode
from robot.brain.grammar import GrammarState, TokenMasker
from robot.brain.model import DEFAULT_THREADS, KEPT_PREFIXES, OnnxCausalLm
from robot.brain.prompt import PROMPT_FORMATS, PROMPT_PREFIXES, compact_prefix, compact_prompt
from robot.brain.screen import screen
from robot.brain.text import normal_text
from robot.brain.tokens import token_texts
from robot.brain.world import WorldModel, replay

log = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "planner"
"""The committed planner (models/planner) in a source checkout."""
MAX_REQUEST_CHARS = 4096
"""Longer requests are refused before they are tokenised (tokenising takes time in
proportion to the text, seconds for a megabyte); no spoken request is this long."""
TOO_LONG = "too_long"


@dataclass
class PlanResult:
    """A plan and how it was made (for the benchmark and the logs)."""

    plan: Plan
    code: str = ""
    decoded: Decoded | None = None
    source: str = "model"
    extra: dict = field(default_factory=dict)


def refused(instruction: str, lang: str, code: str, detail: str = "", attempt: int = 0) -> Plan:
    reason = speech.refusal_text(code, lang) + (f" ({detail})" if detail else "")
    return Plan(
        instruction=instruction, refused=True, reason=reason, language=lang, attempt=attempt
    )


def refusal(
    instruction: str, language: str, code: str, detail: str, attempt: int, source: str
) -> PlanResult:
    """A refusal made outside the model (`source` says where), in the request's
    language (`language`, or detected from the request)."""
    lang = speech.language_of(instruction, language)
    return PlanResult(refused(instruction, lang, code, detail, attempt), code, source=source)


def to_steps(words: list[dsl.DslStep], lang: str) -> tuple[Step, ...]:
    """Plan-language steps as message steps; `say` codes become sentences in `lang`."""
    steps = []
    for w in words:
        if w.skill == "say":
            steps.append(Step("say", {"text": speech.say_text(w.words[0], lang)}))
        else:
            steps.append(Step(w.skill, dict(zip(SKILL_ARGS[w.skill], w.words, strict=True))))
    return tuple(steps)


class Planner:
    """Plans requests for scenes with one loaded model.

    model_dir: a folder with model.onnx + tokenizer.json (ours or an optimum export).
    use_screen: run the rule screen (robot.brain.screen) before the model.
    """

    def __init__(
        self,
        model_dir: Path | str = DEFAULT_MODEL_DIR,
        threads: int = DEFAULT_THREADS,
        use_screen: bool = True,
        constrained: bool = True,
    ) -> None:
        self.model = OnnxCausalLm(model_dir, threads=threads)
        self.use_screen = use_screen
        self.constrained = constrained
        info = self.model.info
        self.prompt = PROMPT_FORMATS[info.prompt_format]
        self.prefix = PROMPT_PREFIXES[info.prompt_format]
        if info.prompt_format == "compact":  # the listing the model was trained to read
            self.prompt = partial(compact_prompt, features=info.listing)
            self.prefix = partial(compact_prefix, features=info.listing)
        self._prefix_ids: dict[str, list[int]] = {}
        texts = token_texts(self.model.tokenizer, info.vocab_size)
        self.masker = TokenMasker(texts, eos_id=info.eos_ids[0])

    @property
    def load_ms(self) -> float:
        return self.model.load_ms

    def prompt_ids(self, spec: SceneSpec, instruction: str) -> list[int]:
        return self.model.encode(self.prompt(spec, instruction))

    def shared_prefix(self, spec: SceneSpec, instruction: str, ids: list[int]) -> int:
        """How many of the prompt tokens `ids` (of `instruction` in `spec`) are the prompt's
        prefix, whose KV cache the model keeps (0 if the request's text changed how the
        prefix's end is tokenised)."""
        text = self.prefix(spec, instruction)
        prefix = self._prefix_ids.get(text)
        if prefix is None:
            if len(self._prefix_ids) >= KEPT_PREFIXES:
                self._prefix_ids.clear()
            prefix = self._prefix_ids[text] = self.model.encode(text)
        return len(prefix) if ids[: len(prefix)] == prefix else 0

    def fitting_prompt_ids(self, spec: SceneSpec, instruction: str) -> tuple[list[int], str]:
        """The prompt's tokens and "", or no tokens and why the request does not fit the
        context with the plan's `max_new_tokens` (the module docstring says why)."""
        if len(instruction) > MAX_REQUEST_CHARS:
            return [], f"{len(instruction)} characters, at most {MAX_REQUEST_CHARS}"
        ids = self.prompt_ids(spec, instruction)
        info = self.model.info
        if len(ids) + info.max_new_tokens <= info.context_length:
            return ids, ""
        others = len(self.prompt_ids(spec, ""))
        budget = info.context_length - info.max_new_tokens - others
        return [], f"{len(ids) - others} tokens, at most {budget}"

    def plan(
        self,
        spec: SceneSpec,
        instruction: str,
        world: WorldModel | None = None,
        attempt: int = 0,
        language: str = "",
        use_cache: bool = True,
    ) -> PlanResult:
        """Plan `instruction` from `world` (default: the scene as it starts). Everything
        below reads the request in its normal form (`robot.brain.text.normal_text`);
        the plan carries it as it was sent."""
        text = normal_text(instruction)
        lang = speech.language_of(text, language)
        world = world or WorldModel.initial(spec)
        if not text:
            return PlanResult(
                refused(instruction, lang, "impossible", "empty request", attempt),
                "impossible",
                source="screen",
            )
        ids, too_long = self.fitting_prompt_ids(spec, text)
        if too_long:
            plan = refused(instruction, lang, TOO_LONG, too_long, attempt)
            return PlanResult(plan, TOO_LONG, source="length")
        if self.use_screen and (code := screen(text)):
            return PlanResult(
                refused(instruction, lang, code, attempt=attempt), code, source="screen"
            )
        decoded = decode(
            self.model,
            self.masker if self.constrained else None,
            ids,
            GrammarState(world=world),
            self.model.info.max_new_tokens,
            use_cache=use_cache,
            shared_prefix=self.shared_prefix(spec, text, ids),
        )
        if not decoded.finished:
            plan = refused(instruction, lang, "invalid", "the planner did not finish", attempt)
            return PlanResult(plan, "invalid", decoded)
        try:
            words = dsl.parse(decoded.text)
        except ValueError as err:
            return PlanResult(
                refused(instruction, lang, "invalid", str(err), attempt), "invalid", decoded
            )
        if words[0].skill == dsl.REFUSE:
            code = words[0].words[0]
            return PlanResult(refused(instruction, lang, code, attempt=attempt), code, decoded)
        steps = to_steps(words, lang)
        try:
            replay(world, steps)
        except PlanRejected as err:
            log.warning("plan for %r rejected by the validator: %s", instruction, err)
            return PlanResult(
                refused(instruction, lang, "invalid", str(err), attempt), "invalid", decoded
            )
        plan = Plan(instruction=instruction, steps=steps, language=lang, attempt=attempt)
        return PlanResult(plan, "", decoded)
