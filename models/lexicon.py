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
    "the cookie",
    "the phone",
    "the remote",
    "the book",
    "the keys",
    "the glasses",
    "the fork",
    "the knife",
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
    "the saucer",
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
    de_masc("den Keks", "dem Keks", "der Keks"),
    de_neut("das Handy", "dem Handy"),
    de_fem("die Fernbedienung", "der Fernbedienung"),
    de_neut("das Buch", "dem Buch"),
    de_masc("den Schlüssel", "dem Schlüssel", "der Schlüssel"),
    de_fem("die Brille", "der Brille"),
    de_fem("die Gabel", "der Gabel"),
    de_neut("das Messer", "dem Messer"),
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
    "饼干",
    "手机",
    "遥控器",
    "书",
    "钥匙",
    "眼镜",
    "叉子",
    "刀",
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

# -- descriptions: things named by what they look like or hold ------------------------------
# From the catalogue's bodies: the pill box is yellow with a green lid, the towel white with
# blue stripes and folded, the glass clear and full, the teapot cream with a green trim.

EN_DESC = {
    "pill_box": [
        "the yellow box",
        "the box with the green lid",
        "the thing with the tablets in it",
        "the little box with the pills",
        "the yellow box with the green lid",
        "the box the pills are in",
    ],
    "towel": [
        "the folded thing",
        "the striped towel",
        "the white towel",
        "the white thing with the blue stripes",
        "the folded cloth",
    ],
    "water_glass": [
        "the clear glass",
        "the full glass",
        "the glass tumbler",
        "the see-through glass",
        "the thing with the water in it",
    ],
    "teapot": [
        "the full pot",
        "the thing with the tea in it",
        "the octagonal pot",
        "the cream-coloured pot",
        "the pot with the green trim",
    ],
    "tray": ["the dark tray", "the flat tray", "the black tray", "the tray with the wooden rim"],
    "basket": ["the wicker one", "the brown basket", "the woven basket"],
    "side_table": ["the table next to the bed", "the little bedside table"],
    "table": ["the big table", "the main table"],
}
DE_DESC = {
    "pill_box": [
        de_fem("die gelbe Dose", "der gelben Dose"),
        de_fem("die Dose mit dem grünen Deckel", "der Dose mit dem grünen Deckel"),
        de_neut("das Ding mit den Tabletten", "dem Ding mit den Tabletten"),
        de_fem("die kleine Dose mit den Pillen", "der kleinen Dose mit den Pillen"),
        de_neut("das gelbe Kästchen", "dem gelben Kästchen"),
    ],
    "towel": [
        de_neut("das gefaltete Tuch", "dem gefalteten Tuch"),
        de_neut("das gestreifte Handtuch", "dem gestreiften Handtuch"),
        de_neut("das weiße Handtuch", "dem weißen Handtuch"),
        de_neut("das zusammengefaltete Handtuch", "dem zusammengefalteten Handtuch"),
    ],
    "water_glass": [
        de_neut("das volle Glas", "dem vollen Glas"),
        de_neut("das durchsichtige Glas", "dem durchsichtigen Glas"),
        de_neut("das Ding mit dem Wasser", "dem Ding mit dem Wasser"),
    ],
    "teapot": [
        de_fem("die volle Kanne", "der vollen Kanne"),
        de_fem("die helle Kanne", "der hellen Kanne"),
        de_fem("die achteckige Kanne", "der achteckigen Kanne"),
        de_neut("das Ding mit dem Tee", "dem Ding mit dem Tee"),
    ],
}
DE_DESC_ON = {
    "tray": ["auf das dunkle Tablett", "auf das flache Tablett"],
    "basket": ["in den geflochtenen Korb", "in den braunen Korb"],
    "side_table": ["auf den Tisch neben dem Bett", "auf das Tischchen am Bett"],
    "table": ["auf den großen Tisch"],
}
ZH_DESC = {
    "pill_box": ["黄色的盒子", "绿盖子的盒子", "装药的盒子", "装着药片的小盒子", "黄盒子"],
    "towel": ["叠好的那块布", "白毛巾", "有蓝条纹的毛巾", "叠着的那条"],
    "water_glass": ["装水的杯子", "透明的杯子", "满满的那杯水", "玻璃水杯"],
    "teapot": ["装茶的壶", "满满的那壶茶", "白色的壶", "八角形的茶壶"],
    "tray": ["黑色的托盘", "深色的托盘", "扁扁的托盘"],
    "basket": ["藤编的篮子", "棕色的篮子", "编织篮"],
    "side_table": ["床边的桌子", "旁边的小桌子"],
    "table": ["大桌子", "那张桌子"],
}

# -- people: grammatical gender of the English names, for pronouns ---------------------------

EN_FEMALE = {
    "grandma",
    "granny",
    "nan",
    "the elderly lady",
    "the old lady",
    "the woman in bed",
    "the lady",
    "the lady in the armchair",
    "the woman at the table",
}
EN_MALE = {
    "grandpa",
    "the old man",
    "the elderly gentleman",
    "the elderly man",
    "the gentleman",
    "the old gentleman",
    "the man in the armchair",
    "the gent",
    "the man at the table",
}
EN_PRONOUNS = {
    "f": {"S": "she", "M": "her", "O": "her"},
    "m": {"S": "he", "M": "him", "O": "his"},
    "n": {"S": "they", "M": "them", "O": "their"},
}
ZH_FEMALE = {"奶奶", "老奶奶", "女士", "阿婆", "婆婆", "外婆", "姥姥", "老太太", "那位女士"}
