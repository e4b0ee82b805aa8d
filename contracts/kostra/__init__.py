"""KOSTRA Skjema 11F/11CF: SSB's layouts and a fixed-width codec.

Used by the simulator to write form files and by the compactor to read them; neither
imports the other.
"""

from contracts.kostra.codec import (
    ENCODING,
    RecordError,
    decode_record,
    encode_record,
    iter_decoded,
    iter_records,
    write_records,
)
from contracts.kostra.layout import FORMS, YEARS, FieldSpec, Layout, load_layout, parse_layout

__all__ = [
    "ENCODING",
    "FORMS",
    "YEARS",
    "FieldSpec",
    "Layout",
    "RecordError",
    "decode_record",
    "encode_record",
    "iter_decoded",
    "iter_records",
    "load_layout",
    "parse_layout",
    "write_records",
]
