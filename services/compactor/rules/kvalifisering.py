"""SSB's record rules specific to Skjema 11CF (kvalifiseringsstønad).

Placeholder: AREA 3 fills ``KVALIFISERING_RULES`` with the 11CF-only rules (006, 007,
014–039) built on ``rules.base``. Rules common to both forms are in ``rules.common``;
duplicates (005A, 005B) and file rules (000, 001) in ``rules.duplicates`` /
``rules.file_level``.
"""

from __future__ import annotations

from services.compactor.rules.base import Rule

KVALIFISERING_RULES: tuple[Rule, ...] = ()
