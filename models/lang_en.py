"""English: noun phrases, clauses, and whole requests (also the refusals)."""

from __future__ import annotations

from models import lexicon as L
from models import noise
from models import templates_en as EN
from models import templates_zh as ZH
from models.intents import cups_of
from models.langbase import Realiser
from models.textutil import (
    CODE_SWITCH_RATE,
    CORRECTION_RATE,
    DESCRIPTION_RATE,
    PERSON_ME_RATE,
    POSSESSIVE_RATE,
    REASON_FIRST_RATE,
    common_choice,
    gibberish,
    without_article,
)

TERSE_RATE = 0.06
BARE_RATE = 0.4
"""Of terse requests to put something somewhere: no articles at all."""
ARTICLES = ("the ", "that ", "this ", "our ", "my ", "her ", "his ", "their ")
TOSS_RATE = 0.05
"""Ordinary clauses that put a thing somewhere with a violent-sounding verb ("chuck")."""


def imperative_words() -> frozenset[str]:
    """First words of the imperative templates: a request starting with one of them can
    take "could you" in front."""
    lists = [EN.PLACE, EN.PLACE_IT, EN.PLACE_TO, EN.GIVE, EN.GIVE_IT, EN.GIVE_ME, EN.FILL]
    lists += [EN.FILL_BOTH, EN.FILL_TWO, EN.SERVE, EN.SERVE_ME, EN.SERVE_CUP, EN.HOME, EN.HARM]
    lists += [EN.TOSS_PLACE, EN.TOSS_FILL, EN.TOSS_GIVE, EN.IMPOSSIBLE, EN.FILL_IT]
    lists += [*EN.SAY.values(), *EN.SAY_LOUD.values(), EN.COVERT_CARE, EN.COVERT_TEA]
    words = {t.split(" ")[0].lower() for ts in lists for t in ts}
    words -= {"i", "i'd", "i'm", "can", "may", "could", "{o}", "{p}", "{s}", "{c}", "what"}
    return frozenset(w for w in words if "{" not in w) | {"first", "then", "now", "just"}


IMPERATIVE = imperative_words()


class English(Realiser):
    lang = "en"
    take_backs = EN.CLAUSE_CORRECT
    asides = EN.ASIDE_EN
    topics = EN.TOPIC_EN
    descriptions = L.EN_DESC

    # -- people -------------------------------------------------------------------------------
    def person_np(self) -> str:
        if self.pronoun:
            return L.EN_PRONOUNS[self.gender]["M"]
        np = self.rng.choice(L.EN_NP[self.person])
        if np in L.EN_FEMALE:
            self.gender = "f"
        elif np in L.EN_MALE:
            self.gender = "m"
        return np

    pnp = person_np

    def pron(self) -> dict[str, str]:
        return L.EN_PRONOUNS[self.gender]

    # -- things ------------------------------------------------------------------------------
    def mark(self) -> str:
        return self.rng.choice(EN.CORRECT_MARK)

    def cup(self, cup: str, ref: bool = False, simple: bool = False) -> str:
        if cup not in L.CUP_COLOUR:  # renamed (models/rename.py): called by its name
            return self.np(cup, plain=simple)
        r = self.rng
        colour = L.CUP_COLOUR[cup]
        other = "blue" if colour == "red" else "red"
        noun = r.choice(L.EN_CUP_NOUNS)
        adj = r.choice(L.EN_COLOUR[colour])
        oadj = r.choice(L.EN_COLOUR[other][:6])
        if simple:
            return f"the {adj} {noun}"
        if ref and (kind := self.ref_kind(cup)):
            table = {"other": EN.REF_OTHER, "empty": EN.REF_EMPTY, "full": EN.REF_FULL}
            return r.choice(table.get(kind, EN.REF_SAME)).format(n=noun)
        if self.corrections and r.random() < CORRECTION_RATE:
            m = self.mark()
            return r.choice(
                [
                    f"the {oadj}, {m}, the {adj} {noun}",
                    f"the {oadj} {noun}, {m}, the {adj} one",
                    f"the {oadj} - {m} - the {adj} {noun}",
                    f"the {oadj}, er, {adj} {noun}",
                    f"the {adj} {noun}, not the {oadj} one,",
                ]
            )
        x = r.random()
        if x < 0.6:
            return f"the {adj} {noun}"
        if x < 0.67:
            return r.choice([f"the {noun} that is {adj}", f"the {adj} one", f"that {adj} {noun}"])
        if x < 0.75:
            return f"the {r.choice(L.EN_ORDINALS[L.CUP_ORDINAL[cup]])} {noun}"
        return r.choice(EN.NOT_ONE).format(n=noun, x=oadj, a=adj)

    def np(self, name: str, plain: bool = False) -> str:
        r = self.rng
        if r.random() < CODE_SWITCH_RATE and not plain:
            other = r.choice([ZH, None])
            if name in L.CUP_COLOUR:
                colour = L.CUP_COLOUR[name]
                if other is ZH:
                    adj = r.choice(L.ZH_COLOUR[colour][:3])
                    return f"the {adj}{r.choice(L.ZH_CUP_NOUNS)}"
                return f"the {r.choice(L.DE_COLOUR[colour][:3])}e Tasse"
            if other is ZH and name in L.ZH_NP:
                return "the " + r.choice(L.ZH_NP[name])
            if name in L.DE_NP:
                return "the " + r.choice(L.DE_NP[name]).acc.split(" ", 1)[1]
        if name in L.CUP_COLOUR:
            return self.cup(name)
        if not plain and self.corrections and r.random() < CORRECTION_RATE:
            wrong = self.wrong_one(name)
            if wrong:
                a, b = self.np(wrong, plain=True), self.np(name, plain=True)
                return r.choice(
                    [f"{a}, {self.mark()}, {b}", f"{a} - {self.mark()} - {b}", f"{b}, not {a},"]
                )
        if not plain and name in L.EN_DESC and r.random() < DESCRIPTION_RATE:
            return r.choice(L.EN_DESC[name])
        return common_choice(r, L.EN_NP[name])

    def surface(self, name: str) -> str:
        r = self.rng
        prep = r.choice(L.EN_SURFACE_PREP[name])
        if self.corrections and r.random() < CORRECTION_RATE:
            wrong = self.wrong_one(name)
            if wrong:
                wprep = r.choice(L.EN_SURFACE_PREP[wrong])
                a, b = self.np(wrong, plain=True), self.np(name, plain=True)
                return r.choice(
                    [
                        f"{wprep} {a}, {self.mark()}, {prep} {b}",
                        f"{wprep} {a} - {self.mark()} - {prep} {b}",
                        f"{prep} {b}, not {a}",
                        f"{prep} {b}, not {wprep} {a}",
                    ]
                )
        return f"{prep} {self.np(name)}"

    def its(self, table: list[str]) -> list[str]:
        """Pronoun clauses; not "then ..." at the start of a request."""
        if self.ctx.first:
            return [t for t in table if not t.startswith("then ")]
        return table

    def objs(self, names: tuple[str, ...], all_: bool = False) -> str:
        r = self.rng
        if all_ and r.random() < 0.7:
            return r.choice(EN.ALL_OBJECTS)
        if set(names) == set(self.spec.containers) and r.random() < 0.5:
            return r.choice(EN.BOTH_CUPS)
        parts = [self.np(n, plain=True) for n in names]
        if len(parts) == 2:
            return r.choice([f"{parts[0]} and {parts[1]}", f"both {parts[0]} and {parts[1]}"])
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    # -- clauses -------------------------------------------------------------------------------
    def tea(self) -> str:
        return self.rng.choice(["tea", "some tea", "hot tea", "the tea", "green tea"])

    def clause(self, intent: tuple, it: bool) -> str:
        r = self.rng
        kind = intent[0]
        terse = r.random() < TERSE_RATE
        if kind == "place":
            if it:
                return r.choice(self.its(EN.PLACE_IT)).format(s=self.surface(intent[2]))
            o = self.obj(intent[1])
            if terse and r.random() < BARE_RATE:
                bare = self.np(intent[2], plain=True)
                return self.decl(
                    r.choice(EN.PLACE_BARE),
                    o=without_article(o, ARTICLES),
                    n=without_article(bare, ARTICLES),
                )
            if terse:
                return self.decl(r.choice(EN.PLACE_TERSE), o=o, s=self.surface(intent[2]))
            if r.random() < 0.12:
                return r.choice(EN.PLACE_TO).format(o=o, n=self.np(intent[2]))
            t = r.choice(EN.TOSS_PLACE if r.random() < TOSS_RATE else EN.PLACE)
            if t.startswith("{o}") or t.startswith("I "):
                self.last_decl = True
            return t.format(o=o, s=self.surface(intent[2]))
        if kind in ("place_many", "place_all"):
            if it:
                return r.choice(self.its(EN.PLACE_MANY_IT)).format(s=self.surface(intent[2]))
            both = self.objs(intent[1], all_=kind == "place_all")
            t = common_choice(r, EN.PLACE)
            if t.startswith("{o}") or t.startswith("I "):
                self.last_decl = True
            return t.replace(" it ", " them ").format(o=both, s=self.surface(intent[2]))
        if kind in ("give", "give_many"):
            if it:
                its = EN.GIVE_IT if kind == "give" else EN.GIVE_MANY_IT
                return r.choice(self.its(its)).format(p=self.pnp())
            if kind == "give_many":
                obj = self.objs(intent[1])
            else:
                obj = self.obj(intent[1])
                if obj.startswith("the ") and r.random() < POSSESSIVE_RATE:
                    obj = r.choice(["her ", "his ", "their "]) + obj[4:]
            x = r.random()
            if x < PERSON_ME_RATE:
                if r.random() < 0.35:
                    return self.decl(r.choice(EN.GIVE_ME_DECL), o=obj)
                return r.choice(EN.GIVE_ME).format(o=obj)
            p = self.pnp()
            if x < PERSON_ME_RATE + 0.07:
                return self.decl(r.choice(EN.GIVE_DECL), P=p, o=obj)
            if terse:
                return self.decl(r.choice(EN.GIVE_TERSE), o=obj, p=p)
            t = common_choice(r, EN.GIVE)
            if kind == "give_many":
                t = t.replace(" it ", " them ")
            return t.format(o=obj, p=p)
        if kind in ("fill", "fill_any"):
            if it:
                return r.choice(self.its(EN.FILL_IT)).format(t=self.tea())
            c = r.choice(EN.FILL_ANY) if kind == "fill_any" else self.cup(intent[1][0], ref=True)
            if terse:
                return self.decl(r.choice(EN.FILL_TERSE), c=c)
            if r.random() < 0.05:
                return self.decl(r.choice(EN.FILL_DECL), c=c)
            return common_choice(r, EN.FILL).format(c=c, t=self.tea())
        if kind == "fill_both":
            if it:
                return r.choice(EN.FILL_BOTH_IT)
            return r.choice(EN.FILL_BOTH).format(t=self.tea())
        if kind == "fill_two":
            return r.choice(EN.FILL_TWO).format(
                c1=self.cup(intent[1][0]), c2=self.cup(intent[1][1]), t=self.tea()
            )
        if kind == "serve":
            p = self.pnp()
            if intent[1] is None:
                x = r.random()
                if x < PERSON_ME_RATE:
                    if r.random() < 0.45:
                        return self.decl(r.choice(EN.SERVE_ME_DECL))
                    return r.choice(EN.SERVE_ME)
                if x < PERSON_ME_RATE + 0.07:
                    return self.decl(r.choice(EN.SERVE_DECL), P=p)
                if terse:
                    return self.decl(r.choice(EN.SERVE_TERSE), p=p)
                return common_choice(r, EN.SERVE).format(p=p)
            return r.choice(EN.SERVE_CUP).format(p=p, c=self.cup(intent[1][0], ref=True))
        if kind == "say":
            return r.choice(EN.SAY[intent[1]]).format(p=self.pnp())
        if kind == "home":
            return r.choice(EN.HOME)
        raise ValueError(intent)

    def ellipsis(self, previous: str, intent: tuple) -> str:
        return self.rng.choice(EN.ELLIPSIS[intent[0]]).format(a=previous, o=self.obj(intent[1]))

    def join(self, clauses: list[tuple[str, bool]]) -> str:
        r = self.rng
        texts = [c for c, _ in clauses]
        if len(texts) == 1:
            return texts[0]
        if len(texts) == 3 and r.random() < 0.5:
            return r.choice(EN.CONNECT3).format(a=texts[0], b=texts[1], c=texts[2])
        if len(texts) == 2:
            x = r.random()
            if x < 0.1 and not clauses[1][1] and not clauses[0][1]:
                return r.choice(EN.CONNECT_BACKWARD).format(a=texts[0], b=texts[1])
            if x < 0.25:
                return r.choice(EN.CONNECT_FIRST).format(a=texts[0], b=texts[1])
        text = texts[0]
        for c in texts[1:]:
            text = r.choice(EN.CONNECT).format(a=text, b=c)
        return text

    def style(self, text: str, imperative: bool = True) -> str:
        """The request as someone would type or say it (noise.py)."""
        return noise.style_en(self.rng, text, imperative and self.starts_imperative(text))

    polite = style

    @staticmethod
    def starts_imperative(text: str) -> bool:
        first = text.strip().split(" ")[0].lower().strip(",.:;!?")
        return first in IMPERATIVE

    # -- kinds beyond plain requests ------------------------------------------------------------
    def words(self, code: str, loud: bool = False, tail: bool = True) -> str:
        """A request for words only: say something, move nothing."""
        r = self.rng
        table = EN.SAY_LOUD if loud else EN.SAY
        text = r.choice(table[code]).format(p=self.pnp())
        if not tail:
            return text
        if r.random() < 0.25:
            text = r.choice(EN.WORDS_ONLY_PREFIX) + text
        elif r.random() < 0.3:
            text += r.choice(EN.WORDS_ONLY_SUFFIX)
        return text

    def toss(self, intent: tuple) -> str:
        """A harmless request with a violent-sounding verb."""
        r = self.rng
        kind = intent[0]
        if kind == "place":
            return r.choice(EN.TOSS_PLACE).format(o=self.obj(intent[1]), s=self.surface(intent[2]))
        if kind == "fill":
            return r.choice(EN.TOSS_FILL).format(c=self.cup(intent[1][0]))
        if kind == "give":
            if intent[1] == "water_glass" and r.random() < 0.3:
                return self.decl(r.choice(EN.TOSS_GIVE_ME), o=self.np(intent[1]))
            return r.choice(EN.TOSS_GIVE).format(o=self.obj(intent[1]), p=self.pnp())
        if kind == "serve":
            return self.decl(r.choice(EN.TOSS_SERVE_ME))
        raise ValueError(intent)

    def reason(self, intent: tuple, text: str) -> str:
        """A harmless request with a harmless reason attached."""
        r = self.rng
        kind = intent[0]
        if r.random() < REASON_FIRST_RATE:
            return self.situation_first(text)
        if (
            kind == "give"
            and intent[1] in ("pill_box", "water_glass", "towel")
            and r.random() < 0.6
        ):
            table = {
                "pill_box": EN.REASON_GIVE_PILLS,
                "water_glass": EN.REASON_GIVE_WATER,
                "towel": EN.REASON_GIVE_TOWEL,
            }[intent[1]]
        else:
            table = EN.REASON_OK[kind]
        return r.choice(table).format(a=text, **self.pron())

    def situation_first(self, text: str) -> str:
        """`text` after a harmless situation ("she gets tired after lunch, so ..."): the
        framing says nothing of whether the request is safe."""
        text = self.rng.choice(EN.REASON_FIRST).format(a=text, P=self.pnp())
        return self.decl(text[:1].upper() + text[1:])

    def topic_person(self, name: str, person: str, text: str) -> str:
        frame = self.rng.choice(EN.TOPIC_PERSON_EN)
        text = frame.format(P=person, o=self.topic_np(name), b=text)
        return text[:1].upper() + text[1:]

    # -- refusals -------------------------------------------------------------------------------
    def harmful(self) -> str:
        r = self.rng
        person = r.choice([*L.EN_NP[self.person], "me", "him", "her"])
        obj = self.np(r.choice(sorted(self.spec.graspable)))
        return r.choice(EN.HARM).format(o=obj, p=person, l=r.choice(L.EN_LIQUID))

    def harm_it(self) -> str:
        return self.rng.choice(EN.HARM_IT).format(p=self.pnp())

    def covert(self) -> str:
        """Harm with no violent word: withholding, smothering dressed as care, hot things."""
        r = self.rng
        p = self.person_np()
        table = EN.COVERT_TEA if self.spec.name == "tea" else EN.COVERT_CARE
        return r.choice(table).format(P=p, **self.pron())

    def unknown(self) -> str:
        r = self.rng
        x = r.random()
        person = self.person_np()
        thing = r.choice(L.EN_UNKNOWN)
        if self.spec.containers and x < 0.25:
            t = r.choice(EN.UNKNOWN_CUP)
            thing = t.format(x=r.choice(L.EN_OTHER_COLOURS))
        elif x < 0.38:
            thing = self.foreign_np()
        y = r.random()
        if y < 0.12:
            return common_choice(r, EN.GIVE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))), p=r.choice(L.EN_UNKNOWN_PERSON)
            )
        if y < 0.24:
            return common_choice(r, EN.PLACE).format(
                o=self.np(r.choice(sorted(self.spec.graspable))),
                s=r.choice(["on", "onto", "in", "into"]) + " " + r.choice(L.EN_UNKNOWN_SURFACE),
            )
        if y < 0.32 and self.spec.containers:
            u = r.choice(["sugar", "a spoonful of honey", "some lemon", "ice", "coffee"])
            return r.choice(EN.UNKNOWN_ACTION).format(u=u, c=self.cup(r.choice(cups_of(self.spec))))
        if y < 0.62:
            if r.random() < 0.3:
                return r.choice(EN.GIVE_ME + EN.GIVE_ME_DECL).format(o=thing)
            return common_choice(r, EN.GIVE).format(o=thing, p=person)
        if self.spec.containers and y < 0.75:
            return common_choice(r, EN.FILL).format(c=thing, t="tea")
        surface = r.choice(sorted(self.spec.surfaces))
        return r.choice(EN.PLACE + EN.TOSS_PLACE).format(o=thing, s=self.surface(surface))

    def foreign_np(self) -> str:
        other = "care" if self.spec.name == "tea" else "tea"
        names = {
            "tea": ["teapot", "cup_red", "cup_blue", "tray"],
            "care": ["water_glass", "pill_box", "towel", "basket"],
        }[other]
        name = self.rng.choice(names)
        if name in L.CUP_COLOUR:
            return self.cup(name)
        return self.rng.choice(
            [
                p
                for p in L.EN_NP[name]
                if "table" not in p and not p.endswith(" glass") and p != "the drink"
            ]
        )

    def impossible(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.35:
            return r.choice(EN.IMPOSSIBLE)
        if x < 0.42:
            return gibberish(r)
        if x < 0.72:
            surfaces = sorted(self.spec.surfaces)
            s = r.choice(surfaces)
            s2 = r.choice(surfaces)
            return r.choice(EN.IMPOSSIBLE_SLOT).format(
                s=self.np(s), sp=self.surface(s), s2=self.np(s2), p=r.choice(L.EN_NP[self.person])
            )
        if self.spec.containers:
            c, c2 = r.sample(cups_of(self.spec), 2)
            return r.choice(EN.IMPOSSIBLE_TEA).format(c=self.cup(c), c2=self.cup(c2))
        return r.choice(EN.IMPOSSIBLE_CARE).format(o=self.np(r.choice(sorted(self.spec.graspable))))

    def override(self) -> str:
        return self.rng.choice(EN.OVERRIDE)
