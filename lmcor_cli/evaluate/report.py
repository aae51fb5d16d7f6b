"""Eval results: one record per system, printed as a table or JSON, or drawn as a bar chart."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from lmcor_cli.errors import UsageError

METRICS = ("gleu", "precision", "recall", "f0.5", "changed")  # changed: % of sentences the system altered


@dataclass
class SystemResult:
    system: str
    runs: list[dict[str, float]]  # one metric dict per prompt variant (one run for most systems)
    note: str | None = None
    seconds: float = 0.0
    std: dict[str, float | None] = field(default_factory=dict)

    def mean(self, metric: str) -> float | None:
        values = [run[metric] for run in self.runs if run.get(metric) is not None]
        return round(statistics.fmean(values), 2) if values else None

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {"system": self.system}
        for metric in METRICS:
            record[metric] = self.mean(metric)
        record["prompts"] = len(self.runs)
        record["std"] = {
            m: round(statistics.pstdev([r[m] for r in self.runs]), 2) if len(self.runs) > 1 else None for m in METRICS
        }
        if self.note:
            record["note"] = self.note
        record["seconds"] = round(self.seconds, 2)
        return record


def as_json(dataset: str, n: int, results: list[SystemResult]) -> str:
    return json.dumps({"dataset": dataset, "n": n, "results": [r.to_json() for r in results]}, ensure_ascii=False)


def print_table(console, dataset: str, n: int, results: list[SystemResult]) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    table = Table(title=f"{dataset} ({n} sentences)")
    table.add_column("system")
    for metric in ("GLEU", "P", "R", "F0.5", "changed %"):
        table.add_column(metric, justify="right")
    table.add_column("prompts", justify="right")
    table.add_column("s", justify="right")
    for result in results:
        record = result.to_json()
        std = record["std"]
        cells = []
        for metric in METRICS:
            value = record[metric]
            spread = std.get(metric) if isinstance(std, dict) else None
            cells.append("—" if value is None else f"{value:.2f}" + (f" ± {spread:.2f}" if spread is not None else ""))
        table.add_row(result.system + (f" ({result.note})" if result.note else ""), *cells, str(len(result.runs)),
                      f"{result.seconds:.1f}")
    console.print(table)


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'lmcor[eval]'") from None


def plot(path: Path, dataset: str, results: list[SystemResult]) -> None:
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in results if r.mean("gleu") is not None]
    figure, axis = plt.subplots(figsize=(1.2 * len(shown) + 2, 4))
    means = [r.mean("gleu") or 0.0 for r in shown]
    errors = [r.to_json()["std"]["gleu"] or 0.0 for r in shown]  # type: ignore[index]
    axis.bar([r.system for r in shown], means, yerr=errors, capsize=4, color="#4c72b0")
    axis.set_ylabel("GLEU")
    axis.set_title(dataset)
    for x, value in enumerate(means):
        axis.text(x, value, f"{value:.1f}", ha="center", va="bottom")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
