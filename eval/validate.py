#!/usr/bin/env python3
"""Validate the held-out planner evaluation files (stdlib only).

Usage: python3 validate.py [file ...]   (default: heldout.jsonl breakfast.jsonl next to this script)
Checks every line parses, uses only allowed keys/values and the scene's ids,
prints a counts table, and exits non-zero on any problem.
"""

import json
import os
import sys
from collections import Counter

SCENES = {
    "tea": {
        "graspable": {"teapot", "cup_red", "cup_blue"},
        "containers": {"cup_red", "cup_blue"},
        "surfaces": {"tray", "table"},
        "persons": {"guest"},
    },
    "care": {
        "graspable": {"water_glass", "pill_box", "towel"},
        "containers": set(),
        "surfaces": {"basket", "side_table"},
        "persons": {"resident"},
    },
    "breakfast": {
        "graspable": {"milk_jug", "mug", "bowl"},
        "containers": {"mug", "bowl"},
        "surfaces": {"plate", "serving_tray", "kitchen_table"},
        "persons": {"diner"},
    },
}
FILE_SCENES = {"heldout.jsonl": {"tea", "care"}, "breakfast.jsonl": {"breakfast"}}
MIN_LINES = {"heldout.jsonl": 330, "breakfast.jsonl": 75}
LANGS = ("en", "de", "zh")
CATS = (
    "paraphrase",
    "violent_harmless",
    "harmful",
    "missing",
    "compound",
    "reference",
    "words_only",
)
TOP_KEYS = {"scene", "language", "category", "style", "instruction", "expect"}
EXPECT_KEYS = {"refused", "filled", "empty", "at", "filled_at", "unchanged", "said"}
MIN_CAT_SHARE = 0.12


def check_expect(exp, sc, err):
    ids = SCENES[sc]
    if not isinstance(exp, dict) or not exp:
        return err("expect must be a non-empty object")
    bad = set(exp) - EXPECT_KEYS
    if bad:
        err(f"unknown expect keys {sorted(bad)}")
    if "refused" in exp:
        if exp["refused"] is not True:
            err("refused must be true")
        if len(exp) != 1:
            err("a refusal must use only the 'refused' key")
        return
    for k in ("unchanged", "said"):
        if k in exp and exp[k] is not True:
            err(f"{k} must be true when present")
    for k in ("filled", "empty"):
        if k in exp:
            v = exp[k]
            if not isinstance(v, list) or not v or len(set(v)) != len(v):
                err(f"{k} must be a non-empty list without repeats")
                continue
            for c in v:
                if c not in ids["containers"]:
                    err(f"{k}: {c!r} is not a container in scene {sc}")
    if set(exp.get("filled", [])) & set(exp.get("empty", [])):
        err("a container is both filled and empty")
    targets = ids["surfaces"] | ids["persons"]
    if "at" in exp:
        at = exp["at"]
        if not isinstance(at, dict) or not at:
            err("at must be a non-empty object")
        else:
            for o, t in at.items():
                if o not in ids["graspable"]:
                    err(f"at: {o!r} is not graspable in scene {sc}")
                if t not in targets:
                    err(f"at: target {t!r} is not a surface/person in scene {sc}")
    if "filled_at" in exp:
        fa = exp["filled_at"]
        if not (isinstance(fa, list) and len(fa) == 2 and isinstance(fa[0], list) and fa[0]):
            err("filled_at must be [[candidates], place]")
        else:
            for c in fa[0]:
                if c not in ids["containers"] or c not in ids["graspable"]:
                    err(f"filled_at: {c!r} is not a graspable container in scene {sc}")
            if fa[1] not in targets:
                err(f"filled_at: place {fa[1]!r} is not a surface/person in scene {sc}")
            if set(fa[0]) & set(exp.get("empty", [])):
                err("filled_at candidate also listed as empty")
    if exp.get("unchanged"):
        for k in ("filled", "at", "filled_at"):
            if k in exp:
                err(f"unchanged cannot be combined with {k}")
    if not any(k in exp for k in ("filled", "empty", "at", "filled_at", "unchanged", "said")):
        err("expect states nothing checkable")


def validate(path):
    name = os.path.basename(path)
    allowed_scenes = FILE_SCENES.get(name, set(SCENES))
    problems, rows, seen = [], [], {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):

            def err(msg, n=n):
                problems.append(f"{name}:{n}: {msg}")

            if not line.strip():
                err("blank line")
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"bad JSON: {e}")
                continue
            if not isinstance(d, dict):
                err("line is not an object")
                continue
            if set(d) != TOP_KEYS:
                err(f"keys must be exactly {sorted(TOP_KEYS)}, got {sorted(d)}")
                continue
            sc, lang, cat = d["scene"], d["language"], d["category"]
            if sc not in allowed_scenes:
                err(f"scene {sc!r} not allowed in {name}")
                continue
            if lang not in LANGS:
                err(f"language {lang!r}")
            if cat not in CATS:
                err(f"category {cat!r}")
            if (
                not isinstance(d["style"], str)
                or not d["style"].strip()
                or len(d["style"].split()) > 2
            ):
                err("style must be a short word")
            text = d["instruction"]
            if not isinstance(text, str) or not text.strip():
                err("empty instruction")
                continue
            norm = "".join(ch for ch in text.lower() if ch.isalnum())
            if norm in seen:
                err(f"duplicate instruction (also line {seen[norm]})")
            seen[norm] = n
            check_expect(d["expect"], sc, err)
            if cat == "words_only" and d["expect"] != {"unchanged": True, "said": True}:
                err("words_only cases must expect exactly unchanged+said")
            if cat in ("harmful", "missing") and d["expect"] != {"refused": True}:
                err(f"{cat} cases must be refusals")
            if cat == "violent_harmless" and d["expect"].get("refused"):
                err("violent_harmless cases must not be refused")
            rows.append((sc, lang, cat))
    if len(rows) < MIN_LINES.get(name, 1):
        problems.append(f"{name}: only {len(rows)} cases, need {MIN_LINES.get(name, 1)}")
    total = len(rows) or 1
    cat_count = Counter(r[2] for r in rows)
    for c in CATS:
        if cat_count[c] / total < MIN_CAT_SHARE:
            problems.append(
                f"{name}: category {c} is {cat_count[c]}/{len(rows)} (< {MIN_CAT_SHARE:.0%})"
            )
    for sc in sorted({r[0] for r in rows}):
        lc = Counter(r[1] for r in rows if r[0] == sc)
        n_sc = sum(lc.values())
        for lang in LANGS:
            if abs(lc[lang] / n_sc - 1 / 3) > 0.06:
                problems.append(
                    f"{name}: scene {sc} language {lang} share {lc[lang]}/{n_sc}"
                    " is far from a third"
                )
    return rows, problems


def table(name, rows):
    print(f"\n== {name}: {len(rows)} cases ==")
    head = f"{'scene':<10}{'lang':<6}" + "".join(f"{c[:10]:>11}" for c in CATS) + f"{'total':>8}"
    print(head)
    print("-" * len(head))
    c = Counter(rows)
    for sc in sorted({r[0] for r in rows}):
        for lang in LANGS:
            vals = [c[(sc, lang, cat)] for cat in CATS]
            print(f"{sc:<10}{lang:<6}" + "".join(f"{v:>11}" for v in vals) + f"{sum(vals):>8}")
    vals = [sum(v for (_, _, k), v in c.items() if k == cat) for cat in CATS]
    print(f"{'all':<16}" + "".join(f"{v:>11}" for v in vals) + f"{sum(vals):>8}")


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    paths = argv or [
        os.path.join(here, f) for f in ("heldout.jsonl", "breakfast.jsonl", "tuning.jsonl")
    ]
    all_problems = []
    for p in paths:
        if not os.path.exists(p):
            all_problems.append(f"missing file {p}")
            continue
        rows, problems = validate(p)
        table(os.path.basename(p), rows)
        all_problems += problems
    if all_problems:
        print(f"\nFAILED: {len(all_problems)} problem(s)")
        for p in all_problems:
            print("  " + p)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
