"""A figure is a value measured against a baseline taken in the same run (a ratio), or a count. Its
pass/fail is information for the reader, never an assertion."""

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Figure:
    id: str
    what: str
    unit: str = ""
    baseline: float | None = None
    value: float | None = None
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    note: str = ""
    details: dict = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.value is not None


def not_measured(*, id: str, what: str, target: str, why: str) -> Figure:
    return Figure(id=id, what=what, target=target, note=f"not measured: {why}")


def ratio_of(value: float | None, baseline: float | None) -> float | None:
    if value is None or not baseline:
        return None
    return value / baseline


def _number(x: float | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1):
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _result(figure: Figure) -> str:
    if not figure.measured:
        return "not measured"
    if figure.passed is None:
        return "info"
    return "meets" if figure.passed else "MISSED"


def table_format(figures: list[Figure]) -> str:
    headers = ["id", "what", "unit", "baseline", "value", "ratio", "target", "result"]
    rows = [
        [
            f.id,
            f.what,
            f.unit,
            _number(f.baseline),
            _number(f.value),
            "-" if f.ratio is None else f"{f.ratio:.2f}",
            f.target,
            _result(f),
        ]
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    notes = [f"  {f.id}: {f.note}" for f in figures if f.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def results_write(*, path: Path, machine: dict, scale: dict, seed: dict, figures: list[Figure]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "scale": scale,
        "seed": seed,
        "figures": [{**asdict(f), "measured": f.measured} for f in figures],
    }
    path.write_text(json.dumps(_clean(document), indent=2, ensure_ascii=False) + "\n")
