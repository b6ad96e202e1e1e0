"""Where a participant's events belong: the partition of its participant_id under Kafka's default partitioner."""

from __future__ import annotations

import struct
from typing import Final

from mypy_extensions import i64

_M: Final = 0x5BD1E995  # murmur2's mixing constant, as in the Java client's Utils.murmur2
_MASK: Final = 0xFFFFFFFF
_WORDS = {n: struct.Struct(f"<{n}I") for n in range(64)}  # little-endian 4-byte words of a key


def partition_of(participant_id: str, partitions: int) -> int:
    # the same murmur2 hash as the Java client, kafka-python and aiokafka use for keyed records
    return (murmur2(participant_id.encode()) & 0x7FFFFFFF) % partitions


def murmur2(data: bytes) -> int:
    """kafka-python's murmur2 (kafka/partitioner/default.py), a word at a time: the worker hashes every event's id.

    In 64-bit integers (i64: machine integers when compiled, plain ints otherwise): every product
    is of two numbers below 2**32 and 2**31, so below 2**63.
    """
    length: i64 = len(data)
    whole = length - length % 4
    h: i64 = 0x9747B28C ^ length
    words = _WORDS.get(whole // 4) or struct.Struct(f"<{whole // 4}I")
    k: i64
    for k in words.unpack_from(data):
        k = (k * _M) & _MASK
        k ^= k >> 24
        h = ((h * _M) & _MASK) ^ ((k * _M) & _MASK)
    rest = length % 4
    if rest:
        if rest == 3:
            h ^= data[whole + 2] << 16
        if rest >= 2:
            h ^= data[whole + 1] << 8
        h = ((h ^ data[whole]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)
