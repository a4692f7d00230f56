"""Requests longer than the planner's context are refused before the model sees them,
counted in tokens; the model never sees more than its context."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.scenes import SCENES
from robot.brain.planner import DEFAULT_MODEL_DIR, MAX_REQUEST_CHARS, TOO_LONG, Planner

TEA = SCENES["tea"]
VALID = "Bring the guest a cup of tea."


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner(DEFAULT_MODEL_DIR)


@pytest.fixture
def widest_input(planner: Planner, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every position the model is asked to see (past + new tokens), as plans run."""
    seen: list[int] = []
    forward = planner.model.forward

    def spy(ids, cache):
        seen.append(cache[0].shape[2] + len(ids))
        return forward(ids, cache)

    monkeypatch.setattr(planner.model, "forward", spy)
    return seen


def request_budget(planner: Planner) -> int:
    info = planner.model.info
    return info.context_length - info.max_new_tokens - len(planner.prompt_ids(TEA, ""))


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 82,
        "请" * 250,
        "a" * 3000,
        VALID + " And please be very careful with it, thank you so much." * 30,
        f"Please, {' very' * 400} gently: {VALID}",
        "x" * (MAX_REQUEST_CHARS + 1),
    ],
    ids=["82 emoji", "250 Chinese", "3000 ASCII", "valid then chatter", "valid at the end", "huge"],
)
def test_requests_past_the_context_are_refused_with_the_reason(
    planner: Planner, widest_input: list[int], text: str
) -> None:
    result = planner.plan(TEA, text)
    assert result.plan.refused and result.code == TOO_LONG
    assert "too long" in result.plan.reason or "太长" in result.plan.reason
    assert "at most" in result.plan.reason
    assert widest_input == []  # refused before the model ran


def test_the_reason_counts_tokens_and_the_budget(planner: Planner) -> None:
    budget = request_budget(planner)
    reason = planner.plan(TEA, "😀" * 82).plan.reason
    assert f"{len(planner.model.encode('😀' * 82))} tokens, at most {budget}" in reason


def test_a_request_that_just_fits_is_planned_and_the_model_stays_in_its_context(
    planner: Planner, widest_input: list[int]
) -> None:
    budget = request_budget(planner)
    assert len(planner.model.encode("a" * budget)) == budget  # one token per letter
    fits = planner.plan(TEA, "a" * budget)
    assert fits.code != TOO_LONG and fits.decoded is not None
    assert 0 < max(widest_input) <= planner.model.info.context_length
    assert planner.plan(TEA, "a" * (budget + 1)).code == TOO_LONG
    normal = planner.plan(TEA, VALID).plan
    assert not normal.refused and normal.steps


def test_the_model_refuses_input_past_its_context_itself(planner: Planner) -> None:
    model = planner.model
    with pytest.raises(ValueError, match="exceed the model's context"):
        model.forward([0] * (model.info.context_length + 1), model.empty_cache())


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=150, max_size=700))
def test_any_long_text_is_planned_or_refused_within_the_context(
    planner: Planner, widest_input: list[int], text: str
) -> None:
    widest_input.clear()
    result = planner.plan(TEA, text)
    assert result.plan.refused or result.plan.steps
    assert max(widest_input, default=0) <= planner.model.info.context_length
