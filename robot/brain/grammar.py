"""Grammar-constrained decoding: which tokens may come next so the plan stays valid.

The plan language (robot.brain.dsl) is a small automaton over characters, driven by the
brain's world model: a `pick` may only name an object that can be picked now, a `place`
only the held object and a surface, a `pour` only a held full vessel and an empty
container, the plan may only end with an empty gripper, `refuse` only as the whole plan.
So every finished decode is well-formed, names only what exists, and meets every
precondition.

Tokens are matched by their text, so any tokenizer works (our planner's whole-word tokens
or a pretrained model's BPE pieces): a trie of the vocabulary is walked alongside the
automaton, and the resulting mask is cached per automaton state, so a repeated state
costs one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from core.msgs import SKILL_ARGS, Step
from robot.brain.dsl import MAX_PLAN_STEPS, REFUSAL_CODES, REFUSE, SAY_CODES, STEP_SEPARATOR
from robot.brain.world import WorldModel


@dataclass(frozen=True)
class GrammarState:
    """Where the decoder is in the plan.

    world: the world model after the completed steps. phase: words of the current step
    so far. after_step: a step just ended (";" or the end may follow). refused: the plan
    is a refusal (only the end may follow). partial: letters of the word being written,
    or None at a word boundary (a space must come next).
    """

    world: WorldModel
    phase: tuple[str, ...] = ()
    after_step: bool = False
    refused: bool = False
    steps: int = 0
    partial: str | None = None


@lru_cache(maxsize=4096)
def allowed_words(state: GrammarState) -> tuple[str, ...]:
    """Words that may come next, ignoring the partial word."""
    if state.refused:
        return ()
    w = state.world
    if state.after_step:
        return (STEP_SEPARATOR,) if state.steps < MAX_PLAN_STEPS else ()
    if not state.phase:
        # Steps left including this one; a step after which the gripper still holds
        # something needs one more to put it down, so the plan can always end.
        room = MAX_PLAN_STEPS - state.steps
        holding_after = 2 if w.held is not None else 1
        skills = ["go_home", "say"] if room >= holding_after else []
        if w.can_pick() and room >= 2:
            skills.append("pick")
        if w.held is not None:
            skills += ["place", "handover"]
        if w.pour_targets() and room >= 2:
            skills.append("pour")
        if state.steps == 0:
            skills.append(REFUSE)
        return tuple(skills)
    skill, args = state.phase[0], state.phase[1:]
    if skill == REFUSE:
        return REFUSAL_CODES
    if skill == "say":
        return SAY_CODES
    if skill == "pick":
        return w.can_pick()
    if not args:
        return (w.held,) if w.held is not None else ()
    if skill == "place":
        return tuple(sorted(w.spec.surfaces))
    if skill == "pour":
        return w.pour_targets()
    if skill == "handover":
        return tuple(sorted(w.spec.persons))
    return ()


def is_accepting(state: GrammarState) -> bool:
    """True when the plan may end here (a complete step, nothing held)."""
    if state.partial is not None:
        return False
    return state.refused or (state.after_step and state.world.held is None)


def commit(state: GrammarState, word: str) -> GrammarState:
    """The state after the complete word `word`."""
    if state.after_step:
        return replace(state, after_step=False, phase=())
    phase = (*state.phase, word)
    skill = phase[0]
    if skill == REFUSE:
        return (
            replace(state, phase=(), refused=True, steps=1)
            if len(phase) == 2
            else replace(state, phase=phase)
        )
    n_args = len(SKILL_ARGS[skill])
    if len(phase) - 1 < n_args:
        return replace(state, phase=phase)
    if skill == "say":
        world = state.world
    else:
        names = SKILL_ARGS[skill]
        world = state.world.apply(Step(skill, dict(zip(names, phase[1:], strict=True))))
    return replace(state, world=world, phase=(), after_step=True, steps=state.steps + 1)


@lru_cache(maxsize=65536)
def feed_char(state: GrammarState, ch: str) -> GrammarState | None:
    """The state after one character, or None if the plan cannot continue with it."""
    if ch == " ":
        if state.partial is None:
            return replace(state, partial="") if allowed_words(state) else None
        if state.partial in allowed_words(state):
            nxt = commit(replace(state, partial=None), state.partial)
            return replace(nxt, partial="") if allowed_words(nxt) else None
        return None
    if state.partial is None:
        return None
    prefix = state.partial + ch
    if any(w.startswith(prefix) for w in allowed_words(state)):
        return replace(state, partial=prefix)
    return None


def can_end(state: GrammarState) -> bool:
    """True if the end of text may come now (finishing the partial word if complete)."""
    if state.partial is None:
        return is_accepting(state)
    if state.partial not in allowed_words(state):
        return False
    return is_accepting(commit(replace(state, partial=None), state.partial))


def finish(state: GrammarState) -> GrammarState:
    """Commit the last partial word at the end of text."""
    if state.partial is None:
        return state
    return commit(replace(state, partial=None), state.partial)


class _Trie:
    __slots__ = ("children", "ids")

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.ids: list[int] = []


class TokenMasker:
    """Allowed token ids per grammar state, for one vocabulary.

    token_texts: the text of each token id (None for tokens that can never be part of
    a plan: special tokens, partial UTF-8). eos_id: the end-of-plan token.
    """

    def __init__(self, token_texts: Sequence[str | None], eos_id: int) -> None:
        self.eos_id = eos_id
        self.token_texts = list(token_texts)
        self._root = _Trie()
        for tid, text in enumerate(token_texts):
            if not text or tid == eos_id:
                continue
            node = self._root
            for ch in text:
                node = node.children.setdefault(ch, _Trie())
            node.ids.append(tid)
        self._masks: dict[GrammarState, np.ndarray] = {}
        self._next: dict[tuple[GrammarState, int], GrammarState] = {}

    def allowed(self, state: GrammarState) -> np.ndarray:
        """Token ids that keep the plan valid (int64 array; may include `eos_id`)."""
        ids = self._masks.get(state)
        if ids is None:
            found: list[int] = [self.eos_id] if can_end(state) else []
            stack = [(self._root, state)]
            while stack:
                node, st = stack.pop()
                for ch, child in node.children.items():
                    nxt = feed_char(st, ch)
                    if nxt is None:
                        continue
                    found.extend(child.ids)
                    if child.children:
                        stack.append((child, nxt))
            ids = self._masks[state] = np.array(sorted(found), dtype=np.int64)
        return ids

    def advance(self, state: GrammarState, token_id: int) -> GrammarState:
        """The state after a token that `allowed` returned (not the end token)."""
        key = (state, token_id)
        nxt = self._next.get(key)
        if nxt is None:
            nxt = state
            for ch in self.token_texts[token_id] or "":
                step = feed_char(nxt, ch)
                if step is None:
                    raise ValueError(
                        f"token {token_id} {self.token_texts[token_id]!r} is not allowed here"
                    )
                nxt = step
            self._next[key] = nxt
        return nxt
