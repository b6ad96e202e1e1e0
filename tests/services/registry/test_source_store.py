"""Sources in the registry: keys that work until rotated or revoked, names that are never reused,
and nothing of a key stored but its hash."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from alembic import command
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import delete, event, text

from services.registry import Registry, RegistryNotInitialized, source_store
from services.registry.models import SourceRegionRow, SourceRow
from services.registry.schema import _config, head_revision
from services.registry.sources import key_hash, new_key


def test_add_then_the_key_finds_the_source(registry: Registry) -> None:
    before = datetime.now(timezone.utc)
    source, key = registry.add_source("disnaker-bengkayang", ["61.08", " 61.07", "61.07"])

    assert source.name == "disnaker-bengkayang"
    assert source.regions == ("61.07", "61.08")  # trimmed, once each, in order
    assert before <= source.created_at == source.key_issued_at <= datetime.now(timezone.utc)
    assert source.created_at.tzinfo == timezone.utc
    assert source.revoked_at is None and source.active
    assert registry.source_for_key(key) == source
    assert registry.sources() == [source]


def test_only_the_hash_of_the_key_is_stored(registry: Registry) -> None:
    _, key = registry.add_source("desa-sungai-raya", ["61.07.01.2001"])
    with registry.engine.connect() as connection:
        stored = [
            str(value)
            for table in ("sources", "source_regions")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
            for value in row
        ]
    assert key_hash(key) in stored
    assert not any(key in value or key.removeprefix("ucjk_") in value for value in stored)


def test_sources_are_listed_by_name(registry: Registry) -> None:
    names = ["kecamatan-sungai-raya", "Bansos-Provinsi", "disnaker-bengkayang"]
    for name in names:
        registry.add_source(name, ["61"])
    assert [s.name for s in registry.sources()] == sorted(names)


@pytest.mark.parametrize(
    ("name", "regions", "message"),
    [
        ("desa sungai raya", ["61.07"], "a source name is 1 to 64 letters, digits, dots, dashes or underscores"),
        ("desa-6171014101900001", ["61.07"], "must not hold a NIK-shaped number"),
        ("desa", [], "give at least one region the source may publish for"),
        ("desa", ["61.07", "61.99"], "unknown region '61.99'"),
        ("desa", ["62", "61.99"], "unknown regions '61.99', '62'"),
        ("-", ["62"], "starting with a letter or digit, got '-'; unknown region '62'"),
    ],
)
def test_bad_input_is_refused_in_one_sentence(registry: Registry, name, regions, message) -> None:
    with pytest.raises(ValueError) as refused:
        registry.add_source(name, regions)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert registry.sources() == []


def test_a_name_is_never_reused(registry: Registry) -> None:
    registry.add_source("disnaker-bengkayang", ["61.07"])
    with pytest.raises(
        ValueError,
        match=(
            "the source name 'disnaker-bengkayang' is already in use \\(active\\); names are never reused, "
            "because the events of a source carry its name forever"
        ),
    ):
        registry.add_source("disnaker-bengkayang", ["61.08"])

    registry.revoke_source("disnaker-bengkayang")
    with pytest.raises(ValueError, match=r"already in use \(revoked on \d{4}-\d\d-\d\d\); names are never reused"):
        registry.add_source("disnaker-bengkayang", ["61.07"])
    with pytest.raises(ValueError, match="'Disnaker-Bengkayang' is already in use as 'disnaker-bengkayang'"):
        registry.add_source("Disnaker-Bengkayang", ["61.07"])
    assert [s.regions for s in registry.sources()] == [("61.07",)]


def test_two_adds_of_one_name_at_once_leave_one(registry: Registry, monkeypatch) -> None:
    registry.add_source("desa", ["61.07"])
    # The other add passed its check just before this one committed: the primary key refuses it.
    monkeypatch.setattr(source_store, "_name_problems", lambda session, name: [])
    with pytest.raises(ValueError, match="^the source name 'desa' is already in use$"):
        registry.add_source("desa", ["61.08"])
    assert [s.regions for s in registry.sources()] == [("61.07",)]


def test_rotate_gives_a_new_key_and_the_old_one_stops(registry: Registry) -> None:
    added, old_key = registry.add_source("desa", ["61.07.01"])
    rotated, new = registry.rotate_source("desa")

    assert new != old_key
    assert registry.source_for_key(old_key) is None
    assert registry.source_for_key(new) == rotated
    assert rotated.created_at == added.created_at and rotated.regions == added.regions
    assert rotated.key_issued_at >= added.key_issued_at and rotated.active


def test_revoke_stops_the_key_and_keeps_the_source(registry: Registry) -> None:
    _, key = registry.add_source("desa", ["61.07.01"])
    revoked = registry.revoke_source("desa")

    assert not revoked.active and revoked.revoked_at >= revoked.key_issued_at
    assert registry.source_for_key(key) is None
    assert registry.sources() == [revoked]
    with pytest.raises(ValueError, match=r"^source 'desa' is already revoked \(since \d{4}-\d\d-\d\d\)$"):
        registry.revoke_source("desa")
    with pytest.raises(
        ValueError, match=r"^source 'desa' was revoked on \d{4}-\d\d-\d\d; a revoked source gets no new key$"
    ):
        registry.rotate_source("desa")
    assert registry.source_for_key(key) is None


@pytest.mark.parametrize("change", [Registry.rotate_source, Registry.revoke_source])
def test_changing_an_unknown_source_is_refused(registry: Registry, change) -> None:
    with pytest.raises(ValueError, match="^no source named 'desa'$"):
        change(registry, "desa")
    with pytest.raises(ValueError, match=r"^no source named 'nik \*{16}'$"):
        change(registry, "nik 6171014101900001")


def test_changes_are_logged_by_name_never_with_the_key(registry: Registry, caplog) -> None:
    caplog.set_level(logging.INFO, logger="services.registry")
    _, first = registry.add_source("desa", ["61.07.01", "61.08"])
    _, second = registry.rotate_source("desa")
    registry.revoke_source("desa")
    assert [record.getMessage() for record in caplog.records] == [
        "added source desa, allowed to publish for 61.07.01, 61.08",
        "rotated the key of source desa; the previous key no longer works",
        "revoked source desa; its key no longer works",
    ]
    for key in (first, second):
        assert key not in caplog.text and key_hash(key) not in caplog.text


def test_no_other_string_is_a_key(registry: Registry) -> None:
    source, key = registry.add_source("desa", ["61.07"])

    @given(st.text(max_size=100) | st.builds(new_key) | st.just(key[:-1]) | st.just(key + " ") | st.just(key_hash(key)))
    def lookup(candidate: str) -> None:
        assume(candidate != key)
        assert registry.source_for_key(candidate) is None

    lookup()
    assert registry.source_for_key(key) == source


def test_a_registry_at_revision_0002_says_to_upgrade(database_url: str) -> None:
    with Registry(database_url) as registry:
        registry.init()
        with registry.engine.begin() as connection:
            command.downgrade(_config(connection), "0002")
    with Registry(database_url) as registry:
        for call in (
            lambda: registry.add_source("desa", ["61"]),
            registry.sources,
            lambda: registry.source_for_key("k"),
        ):
            with pytest.raises(
                RegistryNotInitialized,
                match=f"has schema revision 0002, this version needs {head_revision()}; run `ucj registry upgrade`",
            ):
                call()


NAMES = ("desa-a", "desa-b", "Desa-A", "disnaker")
REGIONS = ("61", "61.07", "61.07.01", "61.07.01.2001", "61.08")


class KeysAndNames(RuleBasedStateMachine):
    """Adds, rotations and revokes in any order: exactly the newest key of each active source
    authenticates, every key ever issued otherwise fails, and no name is taken twice."""

    registry: Registry  # set by the test

    def __init__(self) -> None:
        super().__init__()
        with self.registry.engine.begin() as connection:
            connection.execute(delete(SourceRegionRow))
            connection.execute(delete(SourceRow))
        self.current: dict[str, str] = {}  # active source -> its key
        self.revoked: set[str] = set()
        self.retired: list[str] = []  # rotated and revoked keys
        self.regions: dict[str, tuple[str, ...]] = {}

    def taken(self, name: str) -> bool:
        return any(name.lower() == other.lower() for other in [*self.current, *self.revoked])

    @rule(name=st.sampled_from(NAMES), regions=st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3))
    def add(self, name: str, regions: list[str]) -> None:
        if self.taken(name):
            with pytest.raises(ValueError, match="is already in use"):
                self.registry.add_source(name, regions)
            return
        source, key = self.registry.add_source(name, regions)
        assert source.regions == tuple(sorted(set(regions)))
        self.current[name], self.regions[name] = key, source.regions

    @precondition(lambda self: self.current or self.revoked)
    @rule(data=st.data())
    def rotate(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted([*self.current, *self.revoked])))
        if name in self.revoked:
            with pytest.raises(ValueError, match="a revoked source gets no new key"):
                self.registry.rotate_source(name)
            return
        _, key = self.registry.rotate_source(name)
        self.retired.append(self.current[name])
        self.current[name] = key

    @precondition(lambda self: self.current or self.revoked)
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted([*self.current, *self.revoked])))
        if name in self.revoked:
            with pytest.raises(ValueError, match="is already revoked"):
                self.registry.revoke_source(name)
            return
        self.registry.revoke_source(name)
        self.retired.append(self.current.pop(name))
        self.revoked.add(name)

    @invariant()
    def only_current_keys_authenticate(self) -> None:
        for name, key in self.current.items():
            found = self.registry.source_for_key(key)
            assert found is not None and (found.name, found.regions, found.active) == (name, self.regions[name], True)
        for key in self.retired:
            assert self.registry.source_for_key(key) is None

    @invariant()
    def every_source_is_listed_once(self) -> None:
        listed = self.registry.sources()
        assert [s.name for s in listed] == sorted([*self.current, *self.revoked])
        assert {s.name for s in listed if not s.active} == self.revoked


def test_only_the_newest_key_of_an_active_source_authenticates(registry: Registry) -> None:
    if registry.engine.dialect.name == "sqlite":  # hundreds of commits: a test needs no fsync
        event.listen(registry.engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous = OFF"))
        registry.engine.dispose()
    KeysAndNames.registry = registry
    run_state_machine_as_test(
        KeysAndNames,
        settings=settings(max_examples=25, stateful_step_count=10, suppress_health_check=[HealthCheck.too_slow]),
    )
