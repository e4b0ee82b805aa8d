"""Synthetic recipients of economic social assistance and qualification-programme participants.

One ``Person`` per recipient per area for one year: birth date, gender, children, main
livelihood at last contact, the months with assistance (spells), monthly bidrag and lån,
and months in the qualification programme. Pure: the random generator is passed in, and
nothing here is written anywhere except by the KOSTRA form writer.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from services.simulator.fnr import synthetic_fodselsnummer
from services.simulator.params import AGE_BANDS, QP_END_STATUS, VKLO_SHARES, ModelParameters
from services.simulator.world import Area

ALL_MONTHS = 0xFFF
_EKTSTAT = (("1", 0.60), ("2", 0.12), ("3", 0.10), ("4", 0.16), ("5", 0.02))
_CHILD_COUNTS = (("1", 0.45), ("2", 0.30), ("3", 0.15), ("4", 0.07), ("5", 0.03))


@dataclass(slots=True)
class Person:
    """One simulated person in one area for the year (months are bits 0 = January)."""

    area: int
    birth: date
    female: bool
    fnr: str
    journal: str
    months: int = 0
    bidrag: list[int] = field(default_factory=lambda: [0] * 12)
    laan: list[int] = field(default_factory=lambda: [0] * 12)
    children: int = 0
    vklo: str = "5"
    ektstat: str = "1"
    qp_months: int = 0
    qp_status: str = ""
    qp_start: date | None = None

    @property
    def in_11f(self) -> bool:
        """Whether the person has a record in Skjema 11F (any month with assistance)."""
        return self.months != 0

    @property
    def in_11cf(self) -> bool:
        """Whether the person has a record in Skjema 11CF (any month in the programme)."""
        return self.qp_months != 0


def _chooser(shares: tuple[tuple[str, float], ...]) -> tuple[list[str], list[float]]:
    return [code for code, _ in shares], list(accumulate(share for _, share in shares))


def _pick(rng: random.Random, chooser: tuple[list[str], list[float]]) -> str:
    return rng.choices(chooser[0], cum_weights=chooser[1])[0]


def _stochastic_round(value: float, rng: random.Random) -> int:
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _geometric(rng: random.Random, mean: float) -> int:
    """A duration ≥ 1 month with the given mean."""
    if mean <= 1:
        return 1
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - 1.0 / mean))


def spell_in_year(rng: random.Random, mean: float) -> tuple[int, int, int]:
    """A spell touching the year: (first month index in the year, months in the year,
    start month index, negative when it began in an earlier year).

    Starts are uniform over the two preceding years and this one, so spells already
    running on 1 January are as common as in a steady state and monthly counts are flat.
    """
    while True:
        start = rng.randrange(-24, 12)
        length = _geometric(rng, mean)
        if start + length > 0:
            first = max(start, 0)
            return first, min(length - (first - start), 12 - first), start


def span(start: int, length: int) -> int:
    end = min(11, start + length - 1)
    return ((1 << (end + 1)) - 1) & ~((1 << start) - 1)


class PeopleGenerator:
    """Draws the people of every area; create one per simulation (it owns the RNG)."""

    def __init__(self, year: int, scale: float, seed: int, params: ModelParameters) -> None:
        self.year = year
        self.scale = scale
        self.params = params
        self.rng = random.Random(f"sosialpuls:{seed}:people")
        self.taken: set[str] = set()
        self.journals: dict[str, int] = {}
        self._vklo = _chooser(VKLO_SHARES)
        self._ektstat = _chooser(_EKTSTAT)
        self._children = _chooser(_CHILD_COUNTS)
        self._status = _chooser(QP_END_STATUS)
        self._bands = list(accumulate(share for _, _, share in AGE_BANDS))

    def people(self, areas: list[Area]) -> list[Person]:
        """All persons of all areas, area by area in the order given."""
        result: list[Person] = []
        for index, area in enumerate(areas):
            result.extend(self.area_people(index, area))
        return result

    def area_people(self, index: int, area: Area) -> list[Person]:
        """The recipients and programme participants of one area."""
        p, rng = self.params, self.rng
        expected = area.population * self.scale * area.rate_factor
        n_assisted = _stochastic_round(expected * p.annual_rate, rng)
        n_qp = _stochastic_round(expected * p.qp_rate, rng)
        people = []
        for _ in range(n_assisted):
            person = self._person(index, area)
            person.months = self._assistance_months()
            self._amounts(person, area)
            people.append(person)
        for _ in range(n_qp):
            person = self._person(index, area)
            self._programme(person, area)
            people.append(person)
        return people

    def _person(self, index: int, area: Area) -> Person:
        rng = self.rng
        band = AGE_BANDS[self._pick_band()]
        age = rng.randint(band[0], band[1])
        birth = date(self.year - age, 1, 1) + timedelta(days=rng.randrange(365))
        female = rng.random() < 0.45
        counter = self.journals.get(area.municipality, 0) + 1
        self.journals[area.municipality] = counter
        person = Person(
            area=index,
            birth=birth,
            female=female,
            fnr=synthetic_fodselsnummer(birth, female, rng, self.taken),
            journal=f"{counter:08d}",
        )
        share = self.params.children_share * 1.15 if 22 <= age < 60 else 0.05
        if rng.random() < share:
            person.children = int(_pick(rng, self._children))
        person.vklo = _pick(rng, self._vklo)
        person.ektstat = _pick(rng, self._ektstat)
        return person

    def _pick_band(self) -> int:
        draw = self.rng.random() * self._bands[-1]
        for i, limit in enumerate(self._bands):
            if draw < limit:
                return i
        return len(self._bands) - 1

    def _assistance_months(self) -> int:
        p, rng = self.params, self.rng
        if rng.random() < p.long_term_share:
            return ALL_MONTHS
        first, length, _ = spell_in_year(rng, p.mean_spell_months)
        mask = span(first, length)
        end = mask.bit_length() - 1
        if rng.random() < p.second_spell_share and end < 10:
            second = end + 1 + rng.randint(1, 4)
            if second <= 11:
                mask |= span(second, _geometric(rng, 3.0))
        return mask

    def _amounts(self, person: Person, area: Area) -> None:
        p, rng = self.params, self.rng
        base = p.monthly_amount_median * area.amount_factor
        base *= math.exp(rng.gauss(0.0, p.amount_sigma))
        for m in range(12):
            if person.months >> m & 1:
                person.bidrag[m] = max(50, round(base * rng.uniform(0.7, 1.3)))
                if rng.random() < p.loan_share:
                    person.laan[m] = max(100, round(p.loan_median * math.exp(rng.gauss(0, 0.5))))

    def _programme(self, person: Person, area: Area) -> None:
        """Months in the qualification programme; some also had assistance before it."""
        p, rng = self.params, self.rng
        start, length, began = spell_in_year(rng, p.qp_mean_months)
        person.qp_months = span(start, length)
        offset = round(began * 30.44) + rng.randrange(28)
        person.qp_start = date(self.year, 1, 1) + timedelta(days=offset)
        if person.qp_months >> 11 & 1:
            person.qp_status = "1"
            person.vklo = "8"
        else:
            person.qp_status = _pick(rng, self._status)
        if start > 0 and rng.random() < p.qp_also_assistance_share:
            person.months = span(rng.randrange(start), 12) & ((1 << start) - 1)
            self._amounts(person, area)
