"""PNG plots of the benchmark results in bench/results/ (matplotlib, the ``bench`` extra).

Plots what the JSON files hold:

- throughput over time from any cumulative series ``[[seconds, handled], ...]`` under a
  ``series`` key (top level or per entry of ``runs``): ``<bench>_throughput.png``;
- latency distribution from any list of samples under a key ending in ``latencies_s``
  (histogram and CDF), else from the recorded percentiles ``latency_pNN_s``:
  ``<bench>_latency.png``;
- rates side by side from the ``*_per_s`` numbers of a result: ``<bench>_rates.png``.

Run: ``.venv/bin/python -m bench.plots`` (``python -m bench`` calls it after the runs).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).resolve().parent / "results"
PERCENTILE = re.compile(r"^latency_p(\d+)_s$")

Series = list[tuple[float, float]]


def rates(series: Sequence[Sequence[float]], window: float = 5.0) -> Series:
    """Items/s over time from a cumulative series: the slope over the last ``window`` s."""
    out: Series = []
    start = 0
    for i, (t, n) in enumerate(series):
        while start < i and t - series[start][0] > window:
            start += 1
        t0, n0 = series[start]
        if t > t0:
            out.append((float(t), (n - n0) / (t - t0)))
    return out


def labelled_series(data: dict[str, Any]) -> dict[str, list[list[float]]]:
    """Every cumulative series in a result, by label (``runs`` entries by their workers)."""
    found: dict[str, list[list[float]]] = {}
    if isinstance(data.get("series"), list):
        found["run"] = data["series"]
    runs = data.get("runs")
    entries = runs.items() if isinstance(runs, dict) else enumerate(runs or [])
    for key, run in entries:
        if isinstance(run, dict) and isinstance(run.get("series"), list):
            workers = run.get("workers")
            label = f"{workers} worker{'s' if workers != 1 else ''}" if workers else str(key)
            found[label] = run["series"]
    return found


def latency_samples(data: dict[str, Any]) -> list[float]:
    for key, value in data.items():
        if key.endswith("latencies_s") and isinstance(value, list) and value:
            return [float(v) for v in value]
    return []


def latency_percentiles(data: dict[str, Any]) -> list[tuple[int, float]]:
    found = []
    for key, value in data.items():
        match = PERCENTILE.match(key)
        if match and isinstance(value, int | float):
            found.append((int(match.group(1)), float(value)))
    return sorted(found)


def per_second_numbers(data: dict[str, Any]) -> dict[str, float]:
    return {
        k.removesuffix("_per_s").replace("_", " "): float(v)
        for k, v in data.items()
        if k.endswith("_per_s") and isinstance(v, int | float) and not isinstance(v, bool)
    }


def plot_throughput(name: str, found: dict[str, list[list[float]]], out: Path) -> Path:
    fig, (cumulative, rate) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for label, series in found.items():
        cumulative.plot([p[0] for p in series], [p[1] for p in series], label=label)
        slopes = rates(series)
        rate.plot([p[0] for p in slopes], [p[1] for p in slopes], label=label)
    cumulative.set_ylabel("reports handled")
    cumulative.set_title(f"{name}: throughput over time")
    cumulative.legend()
    rate.set_ylabel("reports/s (5 s window)")
    rate.set_xlabel("seconds since the backlog started")
    return _save(fig, out / f"{name}_throughput.png")


def plot_latency(
    name: str, samples: list[float], percentiles: list[tuple[int, float]], out: Path
) -> Path:
    if samples:
        fig, (hist, cdf) = plt.subplots(1, 2, figsize=(10, 4))
        hist.hist(samples, bins=50)
        hist.set_xlabel("latency (s)")
        hist.set_ylabel("reports")
        ordered = sorted(samples)
        cdf.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))])
        cdf.set_xlabel("latency (s)")
        cdf.set_ylabel("fraction ≤ latency")
        hist.set_title(f"{name}: end-to-end latency ({len(samples)} reports)")
    else:
        fig, ax = plt.subplots(figsize=(6, 4))
        labels = [f"p{p}" for p, _ in percentiles]
        bars = ax.bar(labels, [v for _, v in percentiles])
        ax.bar_label(bars, fmt="%.3f s")
        ax.set_ylabel("latency (s)")
        ax.set_title(f"{name}: end-to-end latency (only percentiles recorded)")
    return _save(fig, out / f"{name}_latency.png")


def plot_rates(name: str, numbers: dict[str, float], out: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, 4))
    bars = ax.barh(list(numbers), list(numbers.values()))
    ax.bar_label(bars, fmt="%.0f")
    ax.set_xscale("log")
    ax.set_xlabel("per second (log scale)")
    ax.set_title(f"{name}: rates measured in one run")
    return _save(fig, out / f"{name}_rates.png")


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def render_plots(results: Path = RESULTS) -> list[Path]:
    """Write every plot the result files in ``results`` have data for; returns the PNGs."""
    written: list[Path] = []
    for path in sorted(results.glob("*.json")):
        if path.name == "results.json":
            continue
        data = json.loads(path.read_text())
        if not isinstance(data, dict):
            continue
        name = path.stem
        found = labelled_series(data)
        if found:
            written.append(plot_throughput(name, found, results))
        samples, percentiles = latency_samples(data), latency_percentiles(data)
        if samples or percentiles:
            written.append(plot_latency(name, samples, percentiles, results))
        numbers = per_second_numbers(data)
        if len(numbers) >= 2:
            written.append(plot_rates(name, numbers, results))
    return written


def main() -> int:
    for path in render_plots():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
