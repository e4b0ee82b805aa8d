"""Synthetic Norway: one simulated year of social-assistance microdata and everything
derived from it (monthly reports with faults, KOSTRA 11F/11CF files, accounts, truth).

Entry point: ``simulate(SimulationConfig(year, seed, scale, faults), out_dir)``; the CLI is
``sosialpuls simulate``. See docs/simulation.md.
"""

from services.simulator.run import SimulationConfig, SimulationSummary, simulate

__all__ = ["SimulationConfig", "SimulationSummary", "simulate"]
