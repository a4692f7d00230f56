"""The plan language the model writes: a compact word sequence, not JSON.

A plan is words, each preceded by one space; steps are separated by the word ";":

    " pick teapot ; pour teapot cup_red ; place teapot table"
    " say hello"
    " refuse harmful"

Skill arguments are entity names of the scene, in the order of `SKILL_ARGS`; `say`
takes a phrase code (rendered per language by `robot.brain.speech`), `refuse` a reason
code. Keeping the language tiny makes the model small and the grammar mask exact.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.msgs import SKILL_ARGS

STEP_SEPARATOR = ";"
REFUSE = "refuse"
MOTION_SKILLS: tuple[str, ...] = ("pick", "place", "pour", "handover", "go_home")
SAY = "say"

SAY_CODES: tuple[str, ...] = ("hello", "goodbye", "welcome", "thanks", "enjoy")
"""Phrases the robot can say; `robot.brain.speech` renders each in en/de/zh."""

REFUSAL_CODES: tuple[str, ...] = ("harmful", "unknown", "impossible", "override")
"""Why a request is refused: it could hurt someone; it names something not in the
scene; the skills cannot do it; it tries to switch off the safety rules."""

MAX_PLAN_STEPS = 16
"""Upper bound on steps in one plan; longer requests are refused as impossible."""


@dataclass(frozen=True)
class DslStep:
    """One step as the model wrote it: a skill (or `refuse`) and its argument words."""

    skill: str
    words: tuple[str, ...]


def render(steps: list[DslStep] | tuple[DslStep, ...]) -> str:
    """The canonical text of a plan: every word preceded by one space."""
    parts: list[str] = []
    for i, step in enumerate(steps):
        if i:
            parts.append(STEP_SEPARATOR)
        parts.append(step.skill)
        parts.extend(step.words)
    return "".join(" " + w for w in parts)


def parse(text: str) -> list[DslStep]:
    """Split plan text into steps; raises ValueError naming the bad step.

    Only the shape is checked here (skill known, argument count, `refuse` only as the
    whole plan, `say` and `refuse` codes known); names and preconditions are the
    validator's job.
    """
    steps: list[DslStep] = []
    chunks = text.split(f" {STEP_SEPARATOR}")
    for index, chunk in enumerate(chunks):
        words = chunk.split()
        if not words:
            raise ValueError(f"step {index} is empty in plan text {text!r}")
        skill, args = words[0], tuple(words[1:])
        if skill == REFUSE:
            expected = 1
        elif skill in SKILL_ARGS:
            expected = len(SKILL_ARGS[skill])
        else:
            raise ValueError(f"step {index}: unknown skill {skill!r}")
        if len(args) != expected:
            raise ValueError(f"step {index}: {skill} takes {expected} words, got {list(args)}")
        codes = {REFUSE: REFUSAL_CODES, SAY: SAY_CODES}.get(skill)
        if codes is not None and args[0] not in codes:
            raise ValueError(f"step {index}: {skill} takes one of {list(codes)}, got {args[0]!r}")
        if skill == REFUSE and len(chunks) > 1:
            raise ValueError(f"step {index}: refuse is a whole plan, not a step of one")
        steps.append(DslStep(skill, args))
    return steps
