"""The guide for registration systems (docs/registration-systems.md) keeps up with the gateway."""

from __future__ import annotations

from services.gateway.api import INGEST_RESPONSES
from streams.domain.validation import REASONS
from tests.docs.guides import section

SECTION = section("## For registration systems")


def test_every_reason_has_its_line():
    assert [reason for reason in REASONS if f"| `{reason}` |" not in SECTION] == []


def test_every_refusal_is_explained():
    assert [status for status in INGEST_RESPONSES if status != 200 and f"| {status} " not in SECTION] == []


def test_curl_examples_for_each_format():
    for content_type in ("application/json", "application/x-ndjson", "text/csv"):
        assert f'-H "Content-Type: {content_type}"' in SECTION
    assert "dry_run=true" in SECTION and "ucj sources add" in SECTION
