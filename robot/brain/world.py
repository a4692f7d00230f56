"""The brain's symbolic world model: what is held, what is full, where things went.

It is the single source of truth for "is this step allowed now": the grammar mask asks
it which steps may come next, the validator replays a whole plan through it. The
rules (docs/architecture.md, "Plan JSON"): pick only a graspable object with an empty
gripper; place only the held object onto a surface; pour only from a held, full vessel
into a container (never into a person, never into one already full); hand the held
object to a person, never a full vessel of something hot (the catalogue says what is
hot); a plan never ends holding something; `say` needs text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.errors import PlanRejected
from core.msgs import Step, WorldState
from core.scenes import SceneSpec

FULL_FRACTION = 0.5
"""An object whose `filled` level (0..1) is at least this counts as full."""

START = "start"
"""Location of an object that has not been moved by the plan."""
GRIPPER = "gripper"
SOMEWHERE = "somewhere"
"""Location of an object that left the gripper without being put anywhere (it slipped
or was dropped): not where it started, not with a person, so it may be picked again."""


@dataclass(frozen=True)
class WorldModel:
    """Immutable, hashable state of one scene as the brain believes it.

    held: the object in the gripper or None. filled: names of full objects.
    located: (object, where) pairs; where is START, GRIPPER, SOMEWHERE, a surface or a
    person.
    """

    spec: SceneSpec
    held: str | None
    filled: frozenset[str]
    located: tuple[tuple[str, str], ...]

    @classmethod
    def initial(cls, spec: SceneSpec) -> WorldModel:
        """The scene as it starts: nothing held, vessels full, everything in place."""
        return cls(
            spec=spec,
            held=None,
            filled=frozenset(spec.vessels),
            located=tuple((o, START) for o in sorted(spec.graspable)),
        )

    def with_world_state(self, state: WorldState) -> WorldModel:
        """Take fill levels from a measured `WorldState`, keep what the brain tracked."""
        filled = {n for n, o in state.objects.items() if o.filled >= FULL_FRACTION}
        known = {n for n in state.objects}
        merged = (self.filled - known) | (filled & self.spec.graspable)
        return replace(self, filled=frozenset(merged))

    def with_holding(self, holding: str | None) -> WorldModel:
        """Take what the gripper holds from the cerebellum's grasp check (a
        `SkillStatus.holding`): an object the model held that is no longer held is
        SOMEWHERE; an object now held is in the GRIPPER. Raises ValueError for a name
        that is not a graspable object of the scene."""
        if holding == self.held:
            return self
        if holding is not None and holding not in self.spec.graspable:
            raise ValueError(
                f"the cerebellum reports holding {holding!r}, which is not a graspable "
                f"object of scene {self.spec.name!r}"
            )
        located = self.located
        if self.held is not None:
            located = tuple((o, SOMEWHERE if o == self.held else w) for o, w in located)
        if holding is not None:
            located = tuple((o, GRIPPER if o == holding else w) for o, w in located)
        return replace(self, held=holding, located=located)

    def where(self, obj: str) -> str:
        return dict(self.located).get(obj, START)

    def _move(self, obj: str, to: str) -> tuple[tuple[str, str], ...]:
        return tuple((o, to if o == obj else w) for o, w in self.located)

    # -- what may come next (used by the grammar mask) ---------------------------

    def can_pick(self) -> tuple[str, ...]:
        """Objects a `pick` may name now (empty gripper, object not with a person)."""
        if self.held is not None:
            return ()
        return tuple(
            o for o in sorted(self.spec.graspable) if self.where(o) not in self.spec.persons
        )

    def pour_targets(self) -> tuple[str, ...]:
        """Containers the held object may be poured into now (held and full; target empty)."""
        if self.held is None or self.held not in self.filled:
            return ()
        return tuple(
            c
            for c in sorted(self.spec.containers)
            if c != self.held and c not in self.filled and self.where(c) not in self.spec.persons
        )

    # -- the transition ------------------------------------------------------------

    def apply(self, step: Step, index: int = 0) -> WorldModel:
        """The state after `step`; raises `PlanRejected` naming the step and the rule."""
        a = step.args
        if step.skill == "pick":
            obj = a["object"]
            if obj not in self.spec.graspable:
                raise PlanRejected(f"{obj!r} is not something I can pick up here", index)
            if self.held is not None:
                raise PlanRejected(f"cannot pick {obj} while holding {self.held}", index)
            if self.where(obj) in self.spec.persons:
                raise PlanRejected(
                    f"{obj} is with {self.where(obj)}; I will not take it back", index
                )
            return replace(self, held=obj, located=self._move(obj, GRIPPER))
        if step.skill == "place":
            obj, target = a["object"], a["target"]
            if self.held != obj:
                raise PlanRejected(f"cannot place {obj}: holding {self.held}", index)
            if target not in self.spec.surfaces:
                raise PlanRejected(f"{target!r} is not a surface of this scene", index)
            return replace(self, held=None, located=self._move(obj, target))
        if step.skill == "pour":
            source, target = a["source"], a["target"]
            if self.held != source or source not in self.filled:
                raise PlanRejected(f"cannot pour from {source}: it is not held and full", index)
            if target in self.spec.persons:
                raise PlanRejected(f"refusing to pour onto {target}, a person", index)
            if target not in self.spec.containers or target == source:
                raise PlanRejected(f"{target!r} is not a container I can pour into", index)
            if target in self.filled:
                raise PlanRejected(f"{target} is already full; pouring would spill", index)
            # A vessel that starts full (a pot) holds several servings; a cup empties.
            emptied = frozenset() if source in self.spec.vessels else frozenset({source})
            return replace(self, filled=(self.filled | {target}) - emptied)
        if step.skill == "handover":
            obj, person = a["object"], a["person"]
            if self.held != obj:
                raise PlanRejected(f"cannot hand over {obj}: holding {self.held}", index)
            if person not in self.spec.persons:
                raise PlanRejected(f"{person!r} is not a person in this scene", index)
            return replace(self, held=None, located=self._move(obj, person))
        if step.skill == "say":
            if not a["text"].strip():
                raise PlanRejected("say needs text", index)
            return self
        if step.skill == "go_home":
            return self
        raise PlanRejected(f"unknown skill {step.skill!r}", index)


def replay(model: WorldModel, steps: tuple[Step, ...] | list[Step]) -> WorldModel:
    """Apply every step; raises `PlanRejected` at the first that breaks a rule, or when
    the plan would end still holding something, or hands a person a full vessel of
    something hot. That last rule is the validator's alone: masked in the grammar, the
    model asked for the hot teapot wanders (pours, babbles); refused, the person hears
    why."""
    for i, step in enumerate(steps):
        held = step.args.get("object")
        if step.skill == "handover" and held in model.filled and held in model.spec.hot:
            raise PlanRejected(f"{held} is full of something hot: I will not hand it over", i)
        model = model.apply(step, i)
    if model.held is not None:
        raise PlanRejected(f"the plan ends still holding {model.held}", len(steps))
    return model
