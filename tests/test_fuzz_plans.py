"""Fuzzing where plans are parsed: the plan language the model writes (`dsl.parse`, then
the planner's `to_steps` and the validator's `replay`), and Plan messages in JSON and
msgpack (`core.msgs.decode_json` / `decode_msgpack`, then `replay`).

Allowed failures: `dsl.parse` raises ValueError (its contract: the planner turns it
into an "invalid" refusal); decoding raises `MessageError` and validating
`PlanRejected` (both `RobotError`s). Nothing else, and nothing hangs.
"""

from __future__ import annotations

import json

import msgspec
import pytest
from fuzz_support import FAST, SLOW, time_limit
from hypothesis import given
from hypothesis import strategies as st

from core.errors import MessageError, PlanRejected
from core.msgs import SKILL_ARGS, Plan, decode_json, decode_msgpack
from core.scenes import SCENES
from robot.brain import dsl
from robot.brain.planner import to_steps
from robot.brain.world import WorldModel, replay

NAMES = sorted({name for spec in SCENES.values() for name in spec.entities})
WORDS = [
    *SKILL_ARGS,
    dsl.REFUSE,
    dsl.STEP_SEPARATOR,
    *dsl.SAY_CODES,
    *dsl.REFUSAL_CODES,
    *NAMES,
    "gripper",
    "fly",
]
"""The plan language's own words, and a few that are not (a state, a skill)."""

scenes = st.sampled_from(sorted(SCENES))
word = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.text(max_size=6))
ARITY = {**{skill: len(args) for skill, args in SKILL_ARGS.items()}, dsl.REFUSE: 1}
CODES = {dsl.REFUSE: dsl.REFUSAL_CODES, dsl.SAY: dsl.SAY_CODES}


def well_formed_step(skill: str) -> st.SearchStrategy[list[str]]:
    """`skill` and as many argument words as it takes, of the kind it takes, mostly."""
    kind = st.sampled_from(CODES.get(skill, NAMES))
    return st.lists(st.one_of(kind, kind, kind, word), min_size=ARITY[skill], max_size=ARITY[skill])


well_formed = st.sampled_from(sorted(ARITY)).flatmap(
    lambda skill: well_formed_step(skill).map(lambda args: [skill, *args])
)
step = st.one_of(well_formed, well_formed, st.lists(word, min_size=1, max_size=4))
separator = st.one_of(st.just(" "), st.just(" "), st.sampled_from(["", "  ", "\n", "\t"]))
plan_texts = st.one_of(
    st.lists(step, min_size=1, max_size=6).map(
        lambda steps: dsl.render([dsl.DslStep(s[0], tuple(s[1:])) for s in steps])
    ),
    st.lists(st.tuples(separator, word), max_size=14).map(
        lambda parts: "".join(sep + w for sep, w in parts)
    ),
    st.text(max_size=60),
)


def check_text(scene: str, text: str) -> None:
    """The planner's path from decoded text to steps (planner.Planner.plan)."""
    with time_limit():
        try:
            words = dsl.parse(text)
        except ValueError:
            return
        assert dsl.parse(dsl.render(words)) == words
        if words[0].skill == dsl.REFUSE:
            assert len(words) == 1 and words[0].words[0] in dsl.REFUSAL_CODES
            return
        steps = to_steps(words, "en")
        try:
            replay(WorldModel.initial(SCENES[scene]), steps)
        except PlanRejected:
            return


@FAST
@given(scenes, plan_texts)
def test_any_plan_text_parses_and_validates_or_is_rejected(scene: str, text: str) -> None:
    check_text(scene, text)


@pytest.mark.slow
@SLOW
@given(scenes, plan_texts)
def test_any_plan_text_parses_and_validates_or_is_rejected_long(scene: str, text: str) -> None:
    check_text(scene, text)


# -- Plan messages ----------------------------------------------------------------------
ints = st.integers(-(2**63), 2**64 - 1)
"""Every integer msgpack carries (the JSON decoder sees the same ones)."""
any_json = st.recursive(
    st.one_of(st.none(), st.booleans(), ints, st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
arg_names = sorted({a for args in SKILL_ARGS.values() for a in args})
steps = st.fixed_dictionaries(
    {
        "skill": st.sampled_from([*SKILL_ARGS, "refuse", "throw"]) | any_json,
        "args": st.dictionaries(
            st.sampled_from(arg_names) | st.text(max_size=6),
            st.sampled_from(NAMES) | st.text(max_size=6) | any_json,
            max_size=3,
        )
        | any_json,
    }
)
plans = st.fixed_dictionaries(
    {"instruction": st.text(max_size=20) | any_json},
    optional={
        "refused": st.booleans() | any_json,
        "reason": st.text(max_size=10),
        "steps": st.lists(steps, max_size=5) | any_json,
        "language": st.sampled_from(["en", "de", "zh"]) | any_json,
        "attempt": ints | any_json,
        "stamp_ns": ints | any_json,
        "seq": ints,
    },
)
payloads = st.one_of(
    plans.map(lambda p: ("json", json.dumps(p).encode())),
    plans.map(lambda p: ("msgpack", msgspec.msgpack.encode(p))),
    st.tuples(st.sampled_from(["json", "msgpack"]), st.binary(max_size=120)),
)


def check_payload(scene: str, payload: tuple[str, bytes]) -> None:
    encoding, data = payload
    decode = decode_json if encoding == "json" else decode_msgpack
    with time_limit():
        try:
            plan = decode(data, Plan)
        except MessageError:
            return
        assert isinstance(plan, Plan) and not (plan.refused and plan.steps)
        try:
            replay(WorldModel.initial(SCENES[scene]), plan.steps)
        except PlanRejected:
            return


@FAST
@given(scenes, payloads)
def test_any_plan_message_decodes_and_validates_or_is_a_typed_error(
    scene: str, payload: tuple[str, bytes]
) -> None:
    check_payload(scene, payload)


@pytest.mark.slow
@SLOW
@given(scenes, payloads)
def test_any_plan_message_decodes_and_validates_or_is_a_typed_error_long(
    scene: str, payload: tuple[str, bytes]
) -> None:
    check_payload(scene, payload)
