"""The Tansu front's ApiVersions rewrite (deploy/local/kafka_front.py), on Tansu 0.6.0's own
answer captured from the wire, read the way librdkafka 2.0 reads it."""

from __future__ import annotations

import struct

import pytest

from deploy.local.kafka_front import DEFAULT_TAGS, read_uvarint, rewrite_api_versions

# ApiVersions v3 response of Tansu 0.6.0 (after the size prefix), as the broker sent it.
TANSU = bytes.fromhex(
    "00000001000025001d000000030000030000000c00000f0000000500003c000000010000020000000900000d"
    "0000000500001e0000000300002a000000020000190000000400000e0000000500001a000000040000450000"
    "000000002c000000010000200000000400001c00000004000024000000020000080000000900004b00000000"
    "000009000000090000000000000b000011000000010000180000000500003300000000000015000000020000"
    "2e0000000000003200000000000010000000050000160000000500000c000000040000130000000700001400"
    "0000060000010000001100000b0000000900000a000000060000470000000000001200000004000000000004"
    "0001010108ffffffffffffffff020101030100"
)


def read_apis(payload: bytes, pos: int) -> tuple[list[tuple[int, int, int]], int]:
    """The ApiKeys compact array at ``pos`` (key, min, max; each entry's tag byte skipped)
    and the throttle time after it; returns the entries and the position of the tags."""
    count, pos = read_uvarint(payload, pos)
    apis = []
    for _ in range(count - 1):
        apis.append(struct.unpack(">hhh", payload[pos : pos + 6]))
        pos += 7
    return apis, pos + 4


def read_like_librdkafka_2_0(payload: bytes) -> list[tuple[int, int, int]]:
    """The api versions, parsed as librdkafka 2.0.2 does: its tag skipping skips
    length - 1 bytes of each tagged field (fixed in later versions)."""
    pos = 4
    error = struct.unpack(">h", payload[pos : pos + 2])[0]
    assert error == 0
    apis, pos = read_apis(payload, pos + 2)
    tags, pos = read_uvarint(payload, pos)
    for _ in range(tags):
        _tag, pos = read_uvarint(payload, pos)
        length, pos = read_uvarint(payload, pos)
        if length > 1:
            pos += length - 1
        if pos > len(payload):
            raise ValueError(f"Read underflow: {length - 1} bytes > {len(payload) - pos}")
    assert pos == len(payload), "trailing bytes"
    return apis


def read_correctly(payload: bytes) -> tuple[list[tuple[int, int, int]], dict[int, bytes]]:
    apis, pos = read_apis(payload, 6)
    tags, pos = read_uvarint(payload, pos)
    fields = {}
    for _ in range(tags):
        tag, pos = read_uvarint(payload, pos)
        length, pos = read_uvarint(payload, pos)
        fields[tag] = payload[pos : pos + length]
        pos += length
    assert pos == len(payload)
    return apis, fields


def test_tansus_answer_is_what_librdkafka_2_0_cannot_read() -> None:
    with pytest.raises(ValueError, match="Read underflow"):
        read_like_librdkafka_2_0(TANSU)


def test_the_rewritten_answer_reads_and_keeps_every_api_version() -> None:
    rewritten = rewrite_api_versions(TANSU)
    apis, fields = read_correctly(rewritten)
    assert read_like_librdkafka_2_0(rewritten) == apis
    assert (apis, fields) == (read_correctly(TANSU)[0], {})
    assert len(apis) == 36 and (18, 0, 4) in apis  # ApiVersions itself, v0-v4
    assert read_correctly(TANSU)[1] == DEFAULT_TAGS  # only defaults were left out
    assert rewritten[:4] == TANSU[:4]  # the correlation id


def test_tagged_fields_with_other_values_are_kept() -> None:
    head = TANSU[: len(TANSU) - 20]  # up to the tag count
    ready = b"\x03\x01\x01"  # ZkMigrationReady = true
    epoch = b"\x01\x08" + struct.pack(">q", 7)
    payload = head + b"\x03" + b"\x00\x01\x01" + epoch + ready
    rewritten = rewrite_api_versions(payload)
    assert read_correctly(rewritten)[1] == {1: struct.pack(">q", 7), 3: b"\x01"}


@pytest.mark.parametrize("payload", [b"", b"\x00\x00\x00\x01", TANSU[:-3], TANSU + b"\x00"])
def test_anything_that_does_not_parse_passes_unchanged(payload: bytes) -> None:
    assert rewrite_api_versions(payload) == payload
