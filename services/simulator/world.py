"""The simulated country: one *area* per reporting unit that has residents of its own.

An area is a municipality, or a city district for the municipalities that report per
district (Oslo, Bergen, Stavanger, Trondheim). Each carries its population and how common
social assistance is there relative to the nation. Pure apart from reading the registry.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

from contracts.registry import District, Registry
from services.simulator.params import ModelParameters

AreaType = Literal["municipality", "district"]
OSLO = "0301"


@dataclass(frozen=True, slots=True)
class Area:
    """A reporting unit with residents: where simulated recipients live.

    ``bydelsnr`` is the 2-digit KOSTRA district number (Oslo 01–15), ``""`` for a
    municipality, or None for a district that has no KOSTRA number (Oslo's Sentrum and
    Marka): such a district has no social services of its own and no recipients.
    """

    unit_type: AreaType
    code: str
    municipality: str
    bydelsnr: str | None
    population: int
    rate_factor: float
    amount_factor: float

    @property
    def key(self) -> str:
        return f"{self.unit_type}:{self.code}"


def kostra_bydelsnr(district_code: str) -> str | None:
    """The BYDELSNR a district uses in KOSTRA files: Oslo's 01–15, None for the others."""
    if district_code[:4] != OSLO:
        return None
    number = int(district_code[4:])
    return f"{number:02d}" if 1 <= number <= 15 else None


def _lognormal(rng: random.Random, sigma: float) -> float:
    return math.exp(rng.gauss(-sigma * sigma / 2, sigma))


def build_areas(registry: Registry, year: int, params: ModelParameters, seed: int) -> list[Area]:
    """Every area valid in ``year`` (January structure), sorted by unit key.

    Rate factors are normalised so that the population-weighted mean is 1 nationally and,
    inside a city, districts keep the city's own factor on average.
    """
    rng = random.Random(f"sosialpuls:{seed}:world")
    period = f"{year}-01"
    by_city: dict[str, list[District]] = {}
    for district in registry.districts(period):
        by_city.setdefault(district.municipality, []).append(district)
    raw: dict[str, tuple[int, float]] = {}
    for municipality in sorted(registry.municipalities(period), key=lambda m: m.code):
        group = registry.kostra_group_of(municipality.code, period) or ""
        factor = params.kostra_group_factor.get(group, 1.0)
        factor *= _lognormal(rng, params.municipality_spread)
        population = registry.population("municipality", municipality.code, year) or 0
        raw[municipality.code] = (population, factor)
    total_population = sum(p for p, _ in raw.values())
    weighted = sum(p * f for p, f in raw.values())
    norm = total_population / weighted if weighted else 1.0
    areas: list[Area] = []
    for code, (population, factor) in raw.items():
        amount_factor = params.oslo_amount_factor if code == OSLO else 1.0
        districts = sorted(by_city.get(code, []), key=lambda d: d.code)
        if not districts:
            areas.append(
                Area("municipality", code, code, "", population, factor * norm, amount_factor)
            )
            continue
        areas.extend(
            _district_areas(registry, districts, year, factor * norm, amount_factor, rng, params)
        )
    return sorted(areas, key=lambda a: a.key)


def _district_areas(
    registry: Registry,
    districts: list[District],
    year: int,
    city_factor: float,
    amount_factor: float,
    rng: random.Random,
    params: ModelParameters,
) -> list[Area]:
    rows = []
    for district in districts:
        population = registry.population("district", district.code, year) or 0
        rows.append((district, population, _lognormal(rng, params.district_spread)))
    served = [(d, p, f) for d, p, f in rows if d.municipality != OSLO or kostra_bydelsnr(d.code)]
    weighted = sum(p * f for _, p, f in served)
    total = sum(p for _, p, _ in rows)
    norm = total / weighted if weighted else 1.0
    areas = []
    for district, population, factor in rows:
        bydelsnr = kostra_bydelsnr(district.code) if district.municipality == OSLO else ""
        rate = city_factor * factor * norm if bydelsnr is not None else 0.0
        areas.append(
            Area(
                "district",
                district.code,
                district.municipality,
                bydelsnr,
                population,
                rate,
                amount_factor,
            )
        )
    return areas
