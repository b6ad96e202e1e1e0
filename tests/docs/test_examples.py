"""The example files of docs/examples/ are the ones the guides name, and hold what the guides say:
events.jsonl is valid for `ucj produce` as it is, and every NIK of the gateway's examples is
well formed (the semicolon CSV's second row once had serial 0000)."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timezone

from services.commands.simulate import add_parser
from services.registry.seed import seed_regions
from streams.domain.nik import digits_of, nik_problem
from streams.domain.validation import Rejected, parse_event
from tests.docs.guides import EXAMPLES, GUIDES, ROOT, text


def test_every_example_a_guide_names_exists_and_every_example_is_named():
    named = {match for path in GUIDES for match in re.findall(r"docs/examples/([\w.-]+\.\w+)", text(path))}
    named |= {match for path in GUIDES for match in re.findall(r"\]\(examples/([\w.-]+\.\w+)\)", text(path))}
    assert named == {path.name for path in EXAMPLES.iterdir()}


def test_events_jsonl_is_valid_as_it_is():
    regions = {region.code for region in seed_regions()}  # the packaged regions, no database
    now = datetime(2026, 6, 30, tzinfo=timezone.utc)
    lines = (EXAMPLES / "events.jsonl").read_bytes().splitlines()
    results = [parse_event(line, regions, now) for line in lines]
    assert len(lines) == 5 and not [r for r in results if isinstance(r, Rejected)]
    assert "5 lines sent, 0 rejected, 0 not delivered" in text(ROOT / "README.md")


def nik_values() -> list[str]:
    niks = [event["nik"] for event in json.loads((EXAMPLES / "events.json").read_text())]
    niks += [
        json.loads(line)["nik"]
        for line in (EXAMPLES / "desa-sungai-duri.jsonl").read_text().splitlines()
        if line.strip()
    ]
    niks += [row["nik"] for row in csv.DictReader((EXAMPLES / "assistance.csv").open(encoding="utf-8"), delimiter=";")]
    return niks


def test_every_nik_of_the_examples_is_well_formed():
    niks = nik_values()
    assert len(niks) == 6
    assert [(nik, nik_problem(digits_of(nik))) for nik in niks if nik_problem(digits_of(nik))] == []


def test_the_gateways_json_lines_name_no_other_source():
    for line in (EXAMPLES / "desa-sungai-duri.jsonl").read_text().splitlines():
        if line.strip():
            assert json.loads(line).get("source", "desa-sungai-duri") == "desa-sungai-duri"


def test_ucj_simulate_says_why_regions_read_critical_outside_the_demo():
    import argparse

    parser = argparse.ArgumentParser(prog="ucj")
    add_parser(parser.add_subparsers())
    simulate = parser._subparsers._group_actions[0].choices["simulate"]
    assert "fraction of a percent" in simulate.format_help() and "load-workforce" in simulate.format_help()
