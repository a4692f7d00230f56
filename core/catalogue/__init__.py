"""The catalogue: every thing and scene described once, as data (docs/catalogue.md).

A *thing* file (`things/<name>.toml`) says what one thing is: its body, mass, how it
is grasped, what it holds, where things go on it, who it is, and what people call it
in English, German and Chinese. A *scene* file (`scenes/<name>.toml`) says which
things stand where and how a seed moves them. The twin builds from these files, the
skills take their grasp and pour figures from them, the brain and its speech their
names, the judge its targets, the corpus its vocabulary.

A scene is named by its file's stem when it ships here ("tea"), or by the path of its
file; `load_scene` takes either, and the name a scene is loaded by is the name it has
everywhere (in `WorldState.scene`, reports, launch files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import msgspec

from core.catalogue.types import Mesh, Placed, SceneFile, SpoutedPot, Thing
from core.errors import ConfigError
from core.toml_file import load_toml

CATALOGUE_DIR = Path(__file__).parent
THINGS_DIR = CATALOGUE_DIR / "things"
SCENES_DIR = CATALOGUE_DIR / "scenes"
PLAN_WORD = re.compile(r"[a-z][a-z0-9_]*")
"""Names in a scene are plan words: lower case, digits and underscores."""


@dataclass(frozen=True)
class SceneDescription:
    """A scene file with its things resolved: `things` maps each name the scene uses
    (objects, fixtures, persons) to its `Thing`, in the order they are built."""

    name: str
    path: Path
    file: SceneFile
    things: dict[str, Thing]
    scenery: tuple[tuple[Placed, Thing], ...]


def scene_names() -> list[str]:
    """The scenes that ship with the stack."""
    return sorted(p.stem for p in SCENES_DIR.glob("*.toml"))


def scene_path(ref: str | Path) -> Path:
    """The file of scene `ref`: a shipped scene's name, or a path to a scene file."""
    ref = str(ref)
    if ref.endswith(".toml") or "/" in ref:
        return Path(ref)
    path = SCENES_DIR / f"{ref}.toml"
    if not path.exists():
        raise ConfigError(
            f"unknown scene {ref!r}: scenes are {scene_names()}, or give a scene file's path"
        )
    return path


@cache
def load_scene(ref: str) -> SceneDescription:
    """Scene `ref` (a name or a file's path), its things resolved and checked.

    Raises `ConfigError` naming the file and the key: a file that cannot be read or does
    not fit the schema, a thing that no file describes, a name used twice or not a plan
    word, an object on something that is no surface, a person without a `[person]`.
    """
    path = scene_path(ref)
    file = load_toml(path, SceneFile, "scene file")
    things: dict[str, Thing] = {}
    sections = (("fixtures", file.fixtures), ("objects", file.objects), ("persons", file.persons))
    for key, placements in sections:
        for i, placed in enumerate(placements):
            where = f"{path}: $.{key}[{i}]"
            thing = _thing(path, placed.thing, where)
            name = placed.name
            if not PLAN_WORD.fullmatch(name):
                raise ConfigError(f"{where}: name {name!r} is not a plan word (a-z, 0-9, _)")
            if name in things:
                raise ConfigError(f"{where}: {name!r} is in the scene twice")
            _check_role(key, thing, placed, where)
            if thing.names is None:
                raise ConfigError(f"{where}: {name!r} has no [names]; only scenery goes without")
            things[name] = thing
    fixtures = {placed.name for placed in file.fixtures}
    for i, placed in enumerate(file.objects):
        if placed.on not in fixtures or things[placed.on].surface is None:
            raise ConfigError(
                f"{path}: $.objects[{i}].on: {placed.on!r} is not a fixture with a [surface]"
            )
    scenery = tuple(
        (placed, _thing(path, placed.thing, f"{path}: $.scenery[{i}]"))
        for i, placed in enumerate(file.scenery)
    )
    return SceneDescription(name=str(ref), path=path, file=file, things=things, scenery=scenery)


def _check_role(key: str, thing: Thing, placed: Placed, where: str) -> None:
    if key == "persons" and thing.person is None:
        raise ConfigError(f"{where}: {thing.name!r} is placed as a person but has no [person]")
    if key == "persons" and (placed.facing_m is None or placed.handover_m is None):
        raise ConfigError(f"{where}: person {thing.name!r} needs facing_m and handover_m")
    if key == "objects" and thing.grasp is None and thing.surface is None:
        raise ConfigError(f"{where}: object {thing.name!r} has neither [grasp] nor [surface]")
    if key == "objects" and thing.mass_kg <= 0:
        raise ConfigError(f"{where}: object {thing.name!r} needs mass_kg > 0")
    if key != "objects" and thing.mass_kg > 0:
        raise ConfigError(f"{where}: {thing.name!r} has a mass, so it belongs in objects")
    if thing.container is not None and thing.grasp is None and thing.container.fill_at_start:
        raise ConfigError(f"{where}: {thing.name!r} starts full but cannot be grasped")


def _thing(scene_file: Path, name: str, where: str) -> Thing:
    """Thing `name` from `things/` beside the scene file, else from the catalogue's."""
    for folder in (scene_file.parent / "things", THINGS_DIR):
        path = folder / f"{name}.toml"
        if path.exists():
            return load_thing(path)
    raise ConfigError(
        f"{where}.thing: no file describes {name!r} "
        f"(looked for things/{name}.toml beside the scene file and in {THINGS_DIR})"
    )


def thing(name: str) -> Thing:
    """A thing the catalogue ships (`things/<name>.toml`)."""
    path = THINGS_DIR / f"{name}.toml"
    if not path.exists():
        known = sorted(p.stem for p in THINGS_DIR.glob("*.toml"))
        raise ConfigError(f"no thing {name!r} in the catalogue: things are {known}")
    return load_thing(path)


@cache
def load_thing(path: Path) -> Thing:
    """One thing file; its name is the file's stem."""
    thing = load_toml(path, Thing, "thing file")
    if thing.name and thing.name != path.stem:
        raise ConfigError(f"{path}: $.name {thing.name!r} differs from the file's name")
    if thing.body is None and thing.person is None:
        raise ConfigError(f"{path}: $.body is missing (only a person may go without one)")
    if thing.names is not None:
        for lang in ("en", "de", "zh"):
            if lang not in thing.names.say:
                raise ConfigError(f"{path}: $.names.say needs {lang!r}: how the robot names it")
    container = thing.container
    if container is not None and container.held_at_tilt is not None:
        curve = container.held_at_tilt
        tilts, kept = [d for d, _ in curve], [f for _, f in curve]
        rising = all(a < b for a, b in pairwise(tilts))
        falling = all(a >= b for a, b in pairwise(kept))
        if curve[0] != (0.0, 1.0) or not rising or not falling:
            raise ConfigError(
                f"{path}: $.container.held_at_tilt must start at [0, 1.0] and rise in tilt "
                "while what is kept falls"
            )
    elif container is not None and isinstance(thing.body, SpoutedPot):
        raise ConfigError(
            f"{path}: $.container.held_at_tilt is missing: a spouted pot's flow depends on "
            "its spout, so measure it (python -m sim.pour_curve)"
        )
    body = thing.body
    if isinstance(body, Mesh):
        mesh = path.parent / body.file
        if not mesh.is_file():
            raise ConfigError(f"{path}: $.body.file: no mesh file {mesh}")
        body = msgspec.structs.replace(body, file=str(mesh))
    return msgspec.structs.replace(thing, name=path.stem, body=body)
