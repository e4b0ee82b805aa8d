"""The feeds' answer models follow the contract's names (a new indicator fails here until
the answers describe it)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from contracts.rules import INDICATORS
from services.feeds.schemas import Indicators, IndicatorStatus, Rates


@pytest.mark.parametrize("model", [Indicators, IndicatorStatus, Rates])
def test_per_indicator_models_name_every_indicator(model: type[BaseModel]) -> None:
    assert tuple(model.model_fields) == INDICATORS
