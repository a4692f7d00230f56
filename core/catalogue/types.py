"""The catalogue's schema: what a thing file and a scene file may say (docs/catalogue.md).

The types are the schema (msgspec): a file with an unknown, missing or mistyped key
fails at load, naming the file and the key. Units are in the key names: `_m` metres,
`_kg` kilograms, `_deg` degrees, `_ml` millilitres. Colours are RGBA, 0..1.
"""

from __future__ import annotations

from typing import Literal

import msgspec

RGBA = tuple[float, float, float, float]
Vec3 = tuple[float, float, float]

HANDOVER_ABOVE_PALM_M = 0.02
"""A person's `handover_m` is this far above the upper face of the palm they hold out:
where the bottom of a thing handed over rests, give or take."""


class Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


# -- bodies -----------------------------------------------------------------------------


class PartSpec(Struct):
    """One primitive of a body, about the body's reference point (the centre of its
    bottom, z up): a box of full extents `size_m`; a cylinder along z, `size_m` =
    (radius, length, 0); a sphere, `size_m` = (radius, 0, 0). `collide = false`: seen, not
    touched (decoration)."""

    shape: Literal["box", "cylinder", "sphere"]
    size_m: Vec3
    position_m: Vec3
    colour: RGBA
    collide: bool = True


class Parts(Struct, tag="parts", tag_field="shape"):
    """A body made of up to 16 primitives (PyBullet's limit)."""

    parts: list[PartSpec]


class Mesh(Struct, tag="mesh", tag_field="shape"):
    """A body from a Wavefront OBJ file (`file`, relative to the thing file; absolute
    once loaded), its
    reference point at the mesh's origin; `scale` multiplies its coordinates into
    metres. Collisions use the mesh's convex hull (PyBullet's rule for moving meshes)."""

    file: str
    colour: RGBA
    scale: float = 1.0


class Vessel(Struct, tag="vessel", tag_field="shape"):
    """An open round vessel (a cup, a mug, a glass, a bowl): a floor disc and a wall of
    staves, `height_m` tall overall; `handle` adds a square handle on its +x side (the
    side away from the gripper); `trim` a coloured band at the rim (looks only)."""

    inner_radius_m: float
    height_m: float
    colour: RGBA
    handle: bool = False
    trim: RGBA | None = None


class SpoutedPot(Struct, tag="spouted_pot", tag_field="shape"):
    """A lidded octagonal pot (a teapot, a milk jug) that pours only through a window
    under its lid into a closed spout on its +y side, one drop after another: its flats
    face the jaws, its spout the moving jaw's side. `rim_m`: the lid's underside, the
    top of the cavity, above the bottom."""

    inner_radius_m: float
    rim_m: float
    colour: RGBA
    trim: RGBA


class Tray(Struct, tag="tray", tag_field="shape"):
    """A flat board with a low rim; things are placed on its top face."""

    size_m: Vec3
    colour: RGBA
    rim_colour: RGBA
    rim_m: float = 0.006


class Basket(Struct, tag="basket", tag_field="shape"):
    """An open box with walls `wall_m` thick; things are placed on its floor."""

    size_m: Vec3
    colour: RGBA
    wall_m: float = 0.006


class Table(Struct, tag="table", tag_field="shape"):
    """A table with four legs, its top's upper face `height_m` above the floor; its
    reference point is the floor centre under it."""

    size_m: tuple[float, float]
    height_m: float
    colour: RGBA
    leg_colour: RGBA


class Chair(Struct, tag="chair", tag_field="shape"):
    """An armchair facing +x, its seat `seat_m` above the floor (scenery only)."""

    seat_m: float
    colour: RGBA


Body = Parts | Mesh | Vessel | SpoutedPot | Tray | Basket | Table | Chair


# -- what can be done with a thing --------------------------------------------------------


class Grasp(Struct):
    """How the gripper holds it. style: "side" (gripper horizontal, from the arm's side)
    or "top" (pitched down, from above); height_m: the tool frame above the thing's
    bottom; width_m: across the jaws; length_m: along the jaws of a thing held from
    above (0 for side grasps); held_firm: its contact with the pads resists twist, so
    it is carried as pitched as it was picked."""

    style: Literal["side", "top"]
    height_m: float
    width_m: float
    length_m: float = 0.0
    held_firm: bool = False


class Container(Struct):
    """It holds liquid. capacity: particles that make it full (a particle is ~7 ml);
    full_volume_ml: what it holds when full; fill_at_start: 0..1; liquid: what it
    starts with ("tea") and its colour; hot: what it holds is hot (never handed to
    a person, never poured near one); held_at_tilt: [tilt in degrees, fill level] pairs,
    what it keeps tilted that far lip first (core/catalogue/pouring.py), measured; if
    absent, an open vessel's comes from its cavity."""

    capacity: int
    full_volume_ml: float
    fill_at_start: float = 0.0
    liquid: str = "water"
    liquid_colour: RGBA = (0.30, 0.65, 1.00, 1.0)
    hot: bool = False
    held_at_tilt: list[tuple[float, float]] | None = None


class Surface(Struct):
    """Things can be placed on it: the centre of its top `top_m` above the reference
    point, `half_extents_m` its usable half sizes (x, y) in its own frame."""

    top_m: float
    half_extents_m: tuple[float, float]


class Person(Struct):
    """Someone who can be handed things: seated or standing, their clothes and hair."""

    posture: Literal["standing", "seated"]
    shirt: RGBA
    hair: RGBA = (0.20, 0.13, 0.08, 1.0)


# -- names -------------------------------------------------------------------------------


class GermanNoun(Struct):
    """A German noun phrase in the cases the sentences need; `nom` defaults to `acc`.
    gender "pl" is a plural (pronouns sie/ihnen)."""

    acc: str
    dat: str
    gender: Literal["m", "f", "n", "pl"]
    nom: str = ""

    @property
    def nominative(self) -> str:
        return self.nom or self.acc


Colour = Literal[
    "", "red", "blue", "green", "yellow", "white", "black", "brown", "grey", "orange", "purple"
]
"""The colours a thing's name may give ("": none)."""


class Names(Struct):
    """What people call it. `say`: how the robot names it (en, de accusative, zh).
    en / de / zh: the noun phrases people use, most common first. `colour`: the colour
    people see it as (a `robot.brain.speech.COLOUR_NAMES` key), which the planner's prompt
    lists. `noun`: with a colour, a thing told apart by it among things of one kind
    ("cup"), whose phrases the corpus builds from colour words and the kind's nouns
    (models/lexicon.py). For surfaces: `en_on` the English prepositions, `de_on`
    the German prepositional phrases, `zh_on` the Chinese postposition."""

    say: dict[str, str]
    en: list[str] = []
    de: list[GermanNoun] = []
    zh: list[str] = []
    colour: Colour = ""
    noun: str = ""
    en_on: list[str] = []
    de_on: list[str] = []
    zh_on: str = ""


Axis = Literal["+x", "-x", "+y", "-y", "+z", "-z"]


class Marker(Struct):
    """The fiducial stuck on a thing, for a camera to find it: an AprilTag of the 36h11
    family, `size_m` the side of its black square (a white margin of one cell, an
    eighth of that, goes round it). `centre_m`: its centre in the thing's frame;
    `facing`: the thing's axis it faces out along; `up`: the axis its top edge points
    to (the tag's own +y)."""

    id: int
    size_m: float
    centre_m: Vec3
    facing: Axis
    up: Axis = "+z"


class Thing(Struct):
    """One thing a scene can hold, described once: its body and mass, and which of
    grasp / container / surface / person apply; `marker`, the fiducial on it, if any."""

    body: Body | None = None
    """None only for a person, whose body the twin builds from `person`."""
    names: Names | None = None
    """None only for scenery, which nobody names."""
    mass_kg: float = 0.0
    """0: it never moves (furniture, people)."""
    grasp: Grasp | None = None
    container: Container | None = None
    surface: Surface | None = None
    person: Person | None = None
    spinning_friction_m: float | None = None
    """The twist (m, per newton of squeeze) its contacts resist, when PyBullet's point
    contact (none) is not good enough: a rubber pad pressed on a vertical edge makes a
    strip of length L, which resists about mu * L / 4."""
    marker: Marker | None = None
    name: str = ""
    """Filled in from the file's name when it is loaded."""


# -- scenes -------------------------------------------------------------------------------


class Randomise(Struct):
    """How a seed moves each object: up to +-position_m in x and y, +-yaw_deg about z,
    its mass by up to +-mass (a fraction), its friction drawn from `friction`."""

    position_m: float = 0.03
    yaw_deg: float = 15.0
    mass: float = 0.15
    friction: tuple[float, float] = (0.6, 0.9)


class Placed(Struct):
    """One thing in a scene, named by the thing.

    Objects stand on `on` (a fixture's name) at `radius_m` from the arm's base,
    `bearing_deg` left of +x, their grasp side towards the arm, moved by the scene's
    randomisation. Fixtures and scenery stand at `position_m` turned by `yaw_deg`.
    Persons stand (or sit) with their feet at `position_m`, facing `facing_m` (a floor
    point), a palm held out under `handover_m`."""

    thing: str
    on: str = ""
    radius_m: float = 0.0
    bearing_deg: float = 0.0
    position_m: Vec3 = (0.0, 0.0, 0.0)
    yaw_deg: float = 0.0
    facing_m: tuple[float, float] | None = None
    handover_m: Vec3 | None = None

    @property
    def name(self) -> str:
        """Its name in the scene and in plans: the thing's name."""
        return self.thing


class SceneFile(Struct):
    """A scene: the arm's base, and what stands where, built in the order listed
    (`fixtures`, then `objects`, then `scenery` and `persons`); the order is part of a
    seed's meaning. Things come from `things/` beside the scene file, then from the
    catalogue's own."""

    arm_base_m: Vec3
    fixtures: list[Placed]
    objects: list[Placed]
    persons: list[Placed]
    scenery: list[Placed] = []
    randomise: Randomise = Randomise()
    description: str = ""
