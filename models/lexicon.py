"""Words for the corpus: how people name each scene entity in English, German, Chinese.

The scenes' own names come from the catalogue (core/catalogue/things/*.toml, `[names]`);
what is here is the language around them: colour words, the nouns of a kind ("cup"),
ordinals, and things, people and places that are *not* in the scenes. Each German
noun phrase carries its case forms and pronouns, so templates stay grammatical.
Nothing here is taken from the evaluation sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue import load_scene
from core.catalogue.types import GermanNoun, Thing

PLANNER_SCENES = ("tea", "care")
"""The scenes the planner is trained for (breakfast is not yet: its names are new
words to the model)."""


@dataclass(frozen=True)
class DeNoun:
    """A German noun phrase: accusative, dative, nominative; pronouns acc/dat."""

    acc: str
    dat: str
    nom: str
    pron_acc: str
    pron_dat: str


def de_fem(stem_acc: str, dat: str) -> DeNoun:
    return DeNoun(stem_acc, dat, stem_acc, "sie", "ihr")


def de_masc(acc: str, dat: str, nom: str) -> DeNoun:
    return DeNoun(acc, dat, nom, "ihn", "ihm")


def de_neut(acc: str, dat: str) -> DeNoun:
    return DeNoun(acc, dat, acc, "es", "ihm")


PRONOUNS = {"m": ("ihn", "ihm"), "f": ("sie", "ihr"), "n": ("es", "ihm"), "pl": ("sie", "ihnen")}


def de_noun(noun: GermanNoun) -> DeNoun:
    return DeNoun(noun.acc, noun.dat, noun.nominative, *PRONOUNS[noun.gender])


# -- colours ---------------------------------------------------------------------------

EN_COLOUR = {
    "red": [
        "red",
        "crimson",
        "scarlet",
        "ruby",
        "cherry-red",
        "dark red",
        "bright red",
        "reddish",
        "maroon",
        "wine-red",
        "rose-red",
        "vermilion",
    ],
    "blue": [
        "blue",
        "navy",
        "azure",
        "cobalt",
        "sky-blue",
        "dark blue",
        "light blue",
        "bluish",
        "royal blue",
        "navy blue",
        "sapphire",
        "pale blue",
        "ocean blue",
    ],
}
EN_OTHER_COLOURS = [
    "green",
    "yellow",
    "white",
    "black",
    "pink",
    "purple",
    "orange",
    "grey",
    "brown",
    "golden",
    "silver",
    "striped",
]
DE_COLOUR = {
    "red": [
        "rot",
        "knallrot",
        "dunkelrot",
        "hellrot",
        "purpurrot",
        "karminrot",
        "weinrot",
        "scharlachrot",
        "kirschrot",
    ],
    "blue": [
        "blau",
        "dunkelblau",
        "hellblau",
        "marineblau",
        "himmelblau",
        "kobaltblau",
        "azurblau",
        "königsblau",
    ],
}
DE_OTHER_COLOURS = ["grün", "gelb", "weiß", "schwarz", "rosa", "lila", "orange", "grau", "braun"]
ZH_COLOUR = {
    "red": ["红色", "红", "大红色", "深红色", "鲜红色", "暗红色", "酒红色", "粉红色"],
    "blue": ["蓝色", "蓝", "深蓝色", "天蓝色", "浅蓝色", "海蓝色", "宝蓝色", "淡蓝色"],
}
ZH_OTHER_COLOURS = ["绿色", "黄色", "白色", "黑色", "紫色", "橙色", "灰色", "棕色"]

# -- the scenes' things, from the catalogue -----------------------------------------------


def _things() -> dict[str, Thing]:
    return {n: t for scene in PLANNER_SCENES for n, t in load_scene(scene).things.items()}


THINGS = _things()
NAMES = {n: t.names for n, t in THINGS.items() if t.names is not None}
EN_NP: dict[str, list[str]] = {n: list(v.en) for n, v in NAMES.items() if v.en}
DE_NP: dict[str, list[DeNoun]] = {n: [de_noun(d) for d in v.de] for n, v in NAMES.items() if v.de}
ZH_NP: dict[str, list[str]] = {n: list(v.zh) for n, v in NAMES.items() if v.zh}
EN_SURFACE_PREP = {n: list(v.en_on) for n, v in NAMES.items() if v.en_on}
DE_SURFACE_PP = {n: list(v.de_on) for n, v in NAMES.items() if v.de_on}
ZH_SURFACE_POST = {n: v.zh_on for n, v in NAMES.items() if v.zh_on}
CUP_COLOUR = {n: v.colour for n, v in NAMES.items() if v.colour and v.noun == "cup"}
"""Cups are told apart by colour: their phrases are built from colour words and cup nouns."""
CUP_ORDINAL = {n: i for i, n in enumerate(CUP_COLOUR)}
"""Ordinals follow the scene's listing order (docs/architecture.md, "Scenes and objects"):
the first cup is the red one."""

EN_CUP_NOUNS = ["cup", "mug", "teacup", "tea cup"]
DE_CUP_NOUNS_F = ["Tasse", "Teetasse", "Kaffeetasse"]
DE_CUP_NOUNS_M = ["Becher", "Teebecher"]
ZH_CUP_NOUNS = ["杯子", "茶杯", "杯"]

EN_ORDINALS = [["first", "1st", "left-most"], ["second", "2nd", "last"]]
DE_ORDINALS = [["erste"], ["zweite", "letzte"]]
ZH_ORDINALS = [["第一个", "第1个"], ["第二个", "第2个", "最后一个"]]

# -- things that are not in the scenes ------------------------------------------------------

EN_UNKNOWN = [
    "the newspaper",
    "the spoon",
    "the sugar",
    "the milk",
    "the cookie",
    "the phone",
    "the remote",
    "the book",
    "the keys",
    "the glasses",
    "the fork",
    "the knife",
    "the plate",
    "the bottle",
    "the apple",
    "the banana",
    "the blanket",
    "the pillow",
    "the wallet",
    "the umbrella",
    "the hat",
    "the laptop",
    "the vase",
    "the candle",
    "the napkin",
    "the lemon",
    "the cake",
    "the sandwich",
    "the biscuit",
    "the honey",
    "the bowl",
    "the saucer",
    "the jug",
    "the coffee",
    "the wine",
    "the beer",
    "the scissors",
    "the pen",
    "the magazine",
    "the letter",
    "the toothbrush",
    "the comb",
    "the slippers",
    "the walking stick",
    "the teddy bear",
    "the radio",
    "a newspaper",
    "a spoon",
    "some sugar",
    "some milk",
    "a cookie",
    "a blanket",
    "a sandwich",
    "a piece of cake",
    "an apple",
    "a banana",
    "a glass of wine",
    "a beer",
    "the hammer",
    "the flowers",
    "the soup",
    "the bread",
    "the charger",
    "the thermometer",
    "the syringe",
    "the mirror",
    "the shoes",
    "the jacket",
]
DE_UNKNOWN = [
    de_fem("die Zeitung", "der Zeitung"),
    de_masc("den Löffel", "dem Löffel", "der Löffel"),
    de_masc("den Zucker", "dem Zucker", "der Zucker"),
    de_fem("die Milch", "der Milch"),
    de_masc("den Keks", "dem Keks", "der Keks"),
    de_neut("das Handy", "dem Handy"),
    de_fem("die Fernbedienung", "der Fernbedienung"),
    de_neut("das Buch", "dem Buch"),
    de_masc("den Schlüssel", "dem Schlüssel", "der Schlüssel"),
    de_fem("die Brille", "der Brille"),
    de_fem("die Gabel", "der Gabel"),
    de_neut("das Messer", "dem Messer"),
    de_masc("den Teller", "dem Teller", "der Teller"),
    de_fem("die Flasche", "der Flasche"),
    de_masc("den Apfel", "dem Apfel", "der Apfel"),
    de_fem("die Banane", "der Banane"),
    de_fem("die Decke", "der Decke"),
    de_neut("das Kissen", "dem Kissen"),
    de_fem("die Brieftasche", "der Brieftasche"),
    de_masc("den Regenschirm", "dem Regenschirm", "der Regenschirm"),
    de_masc("den Kuchen", "dem Kuchen", "der Kuchen"),
    de_fem("die Schere", "der Schere"),
    de_fem("die Vase", "der Vase"),
    de_fem("die Kerze", "der Kerze"),
    de_fem("die Serviette", "der Serviette"),
    de_fem("die Schüssel", "der Schüssel"),
    de_masc("den Kaffee", "dem Kaffee", "der Kaffee"),
    de_neut("das Bier", "dem Bier"),
    de_fem("die Zahnbürste", "der Zahnbürste"),
    de_neut("das Radio", "dem Radio"),
    de_masc("den Hammer", "dem Hammer", "der Hammer"),
    de_neut("das Brot", "dem Brot"),
    de_fem("die Suppe", "der Suppe"),
    de_neut("das Thermometer", "dem Thermometer"),
]
ZH_UNKNOWN = [
    "报纸",
    "勺子",
    "糖",
    "牛奶",
    "饼干",
    "手机",
    "遥控器",
    "书",
    "钥匙",
    "眼镜",
    "叉子",
    "刀",
    "盘子里的蛋糕",
    "瓶子",
    "苹果",
    "香蕉",
    "毯子",
    "枕头",
    "钱包",
    "雨伞",
    "帽子",
    "电脑",
    "花瓶",
    "蜡烛",
    "餐巾纸",
    "柠檬",
    "蛋糕",
    "三明治",
    "碗",
    "咖啡",
    "啤酒",
    "剪刀",
    "笔",
    "杂志",
    "信",
    "牙刷",
    "梳子",
    "拖鞋",
    "拐杖",
    "收音机",
    "锤子",
    "花",
    "汤",
    "面包",
    "充电器",
    "体温计",
    "镜子",
    "鞋子",
    "外套",
]
EN_UNKNOWN_PERSON = [
    "the doctor",
    "the nurse",
    "the child",
    "the dog",
    "the cat",
    "the neighbour",
    "the manager",
    "the waiter",
    "the chef",
    "the mailman",
    "the baby",
    "the policeman",
    "the cleaner",
]
DE_UNKNOWN_PERSON = [
    de_masc("den Arzt", "dem Arzt", "der Arzt"),
    de_fem("die Krankenschwester", "der Krankenschwester"),
    de_neut("das Kind", "dem Kind"),
    de_masc("den Hund", "dem Hund", "der Hund"),
    de_fem("die Katze", "der Katze"),
    de_masc("den Nachbarn", "dem Nachbarn", "der Nachbar"),
    de_masc("den Kellner", "dem Kellner", "der Kellner"),
    de_masc("den Koch", "dem Koch", "der Koch"),
    de_masc("den Postboten", "dem Postboten", "der Postbote"),
]
ZH_UNKNOWN_PERSON = [
    "医生",
    "护士",
    "孩子",
    "小狗",
    "猫",
    "邻居",
    "经理",
    "服务员",
    "厨师",
    "快递员",
    "婴儿",
    "警察",
]
EN_UNKNOWN_SURFACE = [
    "the chair",
    "the floor",
    "the shelf",
    "the windowsill",
    "the sofa",
    "the bed",
    "the sink",
    "the fridge",
    "the stove",
    "the desk",
    "the bench",
    "the drawer",
    "the cupboard",
]
DE_UNKNOWN_PP = [
    "auf den Stuhl",
    "auf den Boden",
    "ins Regal",
    "auf die Fensterbank",
    "auf das Sofa",
    "aufs Bett",
    "in die Spüle",
    "in den Kühlschrank",
    "auf den Herd",
    "auf den Schreibtisch",
    "in die Schublade",
    "in den Schrank",
]
ZH_UNKNOWN_SURFACE = [
    "椅子",
    "地板",
    "架子",
    "窗台",
    "沙发",
    "床",
    "水槽",
    "冰箱",
    "灶台",
    "书桌",
    "抽屉",
    "柜子",
]

EN_LIQUID = [
    "tea",
    "the tea",
    "the hot tea",
    "hot tea",
    "boiling tea",
    "the water",
    "water",
    "the contents of the teapot",
    "the whole pot",
]
DE_LIQUID = [
    "Tee",
    "den Tee",
    "den heißen Tee",
    "heißen Tee",
    "das Wasser",
    "Wasser",
    "kochenden Tee",
]
ZH_LIQUID = ["茶", "热茶", "开水", "水", "滚烫的茶"]
