"""What every benchmark shares: percentiles, a printed table, and the `--json FILE` output."""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", metavar="FILE", help="write the figures as a flat JSON object")
    return p


def report(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    json_path: str | None,
    extra: Mapping[str, object] | None = None,
) -> None:
    """Print `rows` (name, value, unit or note) as a table; write {name: value} to json_path.

    `extra`: figures that are not numbers (a verdict, why rows were skipped), printed
    after the table and written to the JSON beside the rows.
    """
    print(
        f"\n{title}  ({platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()})"
    )
    width = max(len(name) for name in [*(row[0] for row in rows), *(extra or {})])
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:>12.3f}  {unit}")
    for name, value in (extra or {}).items():
        print(f"  {name:<{width}}  {value!s:>12}")
    if json_path:
        figures = {name: value for name, value, _ in rows} | dict(extra or {})
        Path(json_path).write_text(json.dumps(figures, indent=2))
        print(f"wrote {json_path}")
