"""Consumer lag from the worker's progress, the group's commits and the high watermark."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest

from services.aggregator.adapters.metrics import PrometheusMetrics
from services.aggregator.progress import Progress, consumer_lag


def test_a_batch_stuck_before_persisting_counts_as_unprocessed() -> None:
    progress = Progress()
    progress.begin([(0, 0), (0, 1), (1, 0)])
    progress.done([(0, 0), (0, 1), (1, 0)])
    progress.begin([(0, 2), (0, 3), (2, 7)])  # PostgreSQL down: never done
    positions = {p: progress.next_offset(p, None, 0) for p in (0, 1, 2, 3)}
    assert positions == {0: 2, 1: 1, 2: 7, 3: 0}
    highwaters = {0: 1902, 1: 1, 2: 10, 3: 5}
    assert consumer_lag(highwaters, positions) == {0: 1900, 1: 0, 2: 3, 3: 5}


def test_a_commit_by_a_previous_owner_moves_the_position_forward() -> None:
    progress = Progress()
    progress.done([(0, 9)])
    assert progress.next_offset(0, 40, 0) == 40
    assert progress.next_offset(0, None, 0) == 10
    assert progress.next_offset(1, None, 5) == 5


def test_revoked_partitions_are_forgotten() -> None:
    progress = Progress()
    progress.done([(0, 9), (1, 3)])
    progress.retain([1])
    assert progress.next_offset(0, None, 0) == 0
    assert progress.next_offset(1, None, 0) == 4


batches = st.lists(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1000)), max_size=20), max_size=10
)


@given(batches, st.integers(0, 3), st.integers(0, 2000))
def test_lag_is_never_negative_and_done_never_moves_back(
    handled: list[list[tuple[int, int]]], partition: int, highwater: int
) -> None:
    progress = Progress()
    previous = 0
    for batch in handled:
        progress.begin(batch)
        progress.done(batch)
        position = progress.next_offset(partition, None, 0)
        assert position >= previous
        previous = position
        seen = [o for p, o in batch if p == partition]
        if seen:
            assert position >= max(seen) + 1
    assert consumer_lag({partition: highwater}, {partition: previous})[partition] >= 0


def test_lag_series_of_unassigned_partitions_disappear() -> None:
    metrics = PrometheusMetrics(CollectorRegistry())
    metrics.lags({0: 5, 1: 7}, keep=[0, 1])
    metrics.lags({1: 2}, keep=[1])
    text = generate_latest(metrics.registry).decode()
    lines = [line for line in text.splitlines() if line.startswith("sosialpuls_consumer_lag{")]
    assert lines == ['sosialpuls_consumer_lag{partition="1"} 2.0']
