"""Municipal accounts, function 281, in 1000 kroner: close to the 11F totals for most.

A realistic handful (about 6 %) are more than ±20 % off, as in SSB's own comparison: below
the forms where an inter-municipal office books the payments in the host municipality,
above where payments under local rules are booked on 281. Pure.
"""

from __future__ import annotations

import random
from typing import Any

from services.simulator.params import FaultParameters

HEADER = "kommunenummer;aar;funksjon;art;belop"
FUNCTION = "281"
ART = "470"


def accounts(
    form_kroner: dict[str, int], year: int, seed: int, params: FaultParameters
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """CSV lines (header first) and the deliberate outliers ``code → {kind, ratio}``."""
    rng = random.Random(f"sosialpuls:{seed}:accounts")
    lines = [HEADER]
    outliers: dict[str, dict[str, Any]] = {}
    for code in sorted(form_kroner):
        kroner = form_kroner[code]
        ratio = 1.0 + max(-0.12, min(0.12, rng.gauss(0.0, 0.04)))
        if kroner > 0 and rng.random() < params.accounts_outlier_share:
            if rng.random() < 0.5:
                kind, ratio = "intermunicipal_cooperation", rng.uniform(0.2, 0.7)
            else:
                kind, ratio = "local_rules", rng.uniform(1.3, 1.9)
            outliers[code] = {"kind": kind, "ratio": round(ratio, 4)}
        lines.append(f"{code};{year};{FUNCTION};{ART};{round(kroner * ratio / 1000)}")
    return lines, outliers
