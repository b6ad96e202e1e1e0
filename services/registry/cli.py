"""`ucj registry ...`: create, load and inspect the region registry."""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from typing import Callable, TypeVar

from services.common.config import Settings, environment_help
from services.common.csv_text import DELIMITER_NAMES
from services.registry.csv_files import PLAN_COLUMNS, WORKFORCE_COLUMNS, CsvRejected
from services.registry.edition_store import EditionReport
from services.registry.registry import LoadReport, Registry, RegistryNotInitialized
from services.registry.roles import GROUPS, GrantReport, RolesProblem, existing_groups, grant_roles
from services.registry.schema import BASELINE_REVISION, SchemaUpgrade, head_revision
from services.registry.seed import PROVINCE_CODE
from services.registry.workforce_changes import WorkforceLoadReport
from streams.domain.regions import LEVELS

log = logging.getLogger(__name__)

EXIT_NOT_INITIALIZED = 1
EXIT_BAD_INPUT = 2

Report = TypeVar("Report", LoadReport, WorkforceLoadReport, EditionReport)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    registry = subparsers.add_parser(
        "registry",
        help="create, load and inspect the region registry",
        **help_format(
            "The region registry holds the regions of Kalimantan Barat, the eligible workforce "
            "per region and year (the coverage denominator) and the planned coverage trajectories."
        ),
    )
    commands = registry.add_subparsers(dest="registry_command", metavar="SUBCOMMAND", required=True)
    database = database_option()

    add_command(
        commands,
        database,
        "init",
        _run_init,
        "create or upgrade the schema and load the seed data",
        "Create the tables (or apply the schema migrations an existing registry lacks) and load "
        "every region, the estimated workforce per regency and the default provincial plan. "
        "Safe to run again: it never overwrites figures loaded from CSV.",
    )
    add_command(
        commands,
        database,
        "upgrade",
        _run_upgrade,
        "apply the schema migrations the registry lacks",
        "Bring an existing registry to the schema of this version (Alembic migrations shipped "
        "with the package) without loading any data. A registry created before migrations "
        "existed is recognised and upgraded too. `init` does the same before seeding.",
    )
    load_workforce = add_command(
        commands,
        database,
        "load-workforce",
        _run_load_workforce,
        "load eligible workforce figures from CSV",
        f"Load a CSV with header {','.join(WORKFORCE_COLUMNS)} (one row per region and year, "
        f"a positive whole number of workers), comma or semicolon delimited, UTF-8 with or without "
        "a byte order mark. By default the file merges into what is stored: each region and year in "
        "it is added or updated, and every other figure stays, so a file with only some regions of a "
        "year drops nothing. With --replace-year, the figures of the file's years that the file "
        "leaves out are removed. The log line says which it did, with the regions added, updated, "
        "unchanged and removed, and the delimiter it read. If any row is bad, every bad row is "
        "listed with its line number and nothing is loaded.",
    )
    load_workforce.add_argument("file", metavar="FILE.csv")
    load_workforce.add_argument(
        "--replace-year",
        action="store_true",
        help="make each year in the file exactly what the file says: remove that year's figures of "
        "the regions the file leaves out (default: merge, keeping them)",
    )
    load_plan = add_command(
        commands,
        database,
        "load-plan",
        _run_load_plan,
        "load coverage plans from CSV",
        f"Load a CSV with header {','.join(PLAN_COLUMNS)} (ISO date, ratio from 0 to 1; 0,6 is read "
        "as 0.6), comma or semicolon delimited, UTF-8 with or without a byte order mark. "
        "The whole plan of every region in the file is replaced; other regions keep theirs. "
        "If any row is bad, every bad row is listed and nothing is loaded.",
    )
    load_plan.add_argument("file", metavar="FILE.csv")
    load_regions = add_command(
        commands,
        database,
        "load-regions",
        _run_load_regions,
        "load a new edition of the Kemendagri region codes",
        "Load a CSV with header code,parent,level,name (every region of the province, as "
        "services/data/kalbar_regions.csv) in one transaction. New codes are added, renamed or moved "
        "ones updated. A code that leaves the edition needs rows old_code,new_code[,share] in "
        "--mapping (share: the fraction of its workforce each new code takes; needed when it splits, "
        "and a code that stays but gives away parts lists itself too). Its history follows: its "
        "workforce per year is split by the shares, a new code without a plan takes its "
        "predecessors', its coordinators move or are copied to the new regencies, and sources "
        "allowed it are allowed its successors. The old code is retired, not deleted, so events "
        "that carry it stay valid; with one successor of its level it moves under that successor's "
        "parent, so its participants count in the new regency. The worker does not rewrite the "
        "codes of events: a retired code split in several keeps counting under its old parent. If "
        "anything is wrong, every problem is listed with its line and nothing is loaded.",
    )
    load_regions.add_argument("file", metavar="FILE.csv")
    load_regions.add_argument(
        "--mapping", metavar="FILE.csv", help="old_code,new_code[,share] rows for the codes that leave or split"
    )
    add_command(
        commands,
        database,
        "grant-roles",
        _run_grant_roles,
        "give each service's PostgreSQL group role only what it needs",
        "PostgreSQL only; run as the admin role that owns the schema (the one that runs init and "
        "upgrade). Creates the NOLOGIN group roles ucj_gateway, ucj_worker and ucj_notifier when "
        "they are missing (that needs CREATEROLE; otherwise it says what to run), revokes CREATE on "
        "schema public from PUBLIC, and grants each group exactly what its service reads and writes: "
        "the gateway reads sources and regions (never coordinators or their webhook secrets), the "
        "worker the reference data, the notifier the coordinators and the delivery log, which it "
        "writes. Safe to run again; init and upgrade run it by themselves when the groups exist. "
        "Then make a LOGIN user per service a member of its group, e.g. CREATE ROLE gateway LOGIN "
        "PASSWORD '...' IN ROLE ucj_gateway (docker-compose.yml does this itself).",
    )
    add_command(
        commands,
        database,
        "show",
        _run_show,
        "print what the registry holds",
        "Print the schema revision, the number of regions per level, the workforce years, "
        "every plan point, the number of active coordinators and the number of sources.",
    )


def database_option() -> argparse.ArgumentParser:
    """A parent parser with --database-url, for every command that opens the registry."""
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL of the registry (overrides UCJ_DATABASE_URL)",
    )
    return database


def add_command(
    commands, database, name: str, run: Callable[[argparse.Namespace], int], summary: str, description: str
):
    """A subcommand with --database-url that runs `run(args)`."""
    parser = commands.add_parser(name, help=summary, parents=[database], **help_format(description))
    parser.set_defaults(run=run)
    return parser


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Rows under a header, each column as wide as its widest value."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


def help_format(description: str) -> dict:
    # RawDescriptionHelpFormatter keeps the epilog's layout, so the description is wrapped here.
    return dict(
        description=textwrap.fill(description, width=79),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=environment_help("UCJ_DATABASE_URL", "UCJ_DATA_DIR"),
    )


def open_registry(args: argparse.Namespace) -> Registry:
    # Resolved at run time, so that --help works whatever the environment holds.
    return Registry(args.database_url or Settings.from_env().database_url)


def _run_init(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        _log_upgrade(registry, registry.upgrade())
        if not _regrant(registry):
            return EXIT_BAD_INPUT
        report = registry.init()
        if report.regions_added or report.workforce_added or report.plan_points_added:
            log.info(
                "loaded %s regions, %s workforce figures, %s plan points into %s",
                f"{report.regions_added:,}",
                f"{report.workforce_added:,}",
                f"{report.plan_points_added:,}",
                registry.display_url,
            )
        else:
            log.info("%s is already initialised; nothing to add", registry.display_url)
    return 0


def _run_upgrade(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        upgrade = registry.upgrade()
        _log_upgrade(registry, upgrade)
        if not upgrade.changed:
            log.info("%s is already at schema revision %s; nothing to do", registry.display_url, upgrade.after)
        if not _regrant(registry):
            return EXIT_BAD_INPUT
    return 0


def _run_grant_roles(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        if registry.engine.dialect.name != "postgresql":
            print(
                f"ucj registry grant-roles: database roles are a PostgreSQL feature; {registry.display_url} is "
                f"{registry.engine.dialect.name}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        if registry.schema_revision() != head_revision():
            print(
                f"ucj registry grant-roles: {registry.display_url} is not at schema revision {head_revision()}; "
                "run `ucj registry init` (or upgrade) first, as the admin role",
                file=sys.stderr,
            )
            return EXIT_NOT_INITIALIZED
        try:
            report = grant_roles(registry.engine)
        except RolesProblem as problem:
            print(f"ucj registry grant-roles: {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
        _log_grants(registry, report)
    return 0


def _regrant(registry: Registry) -> bool:
    """After a migration: the service groups (when they exist) get exactly what this version's
    tables need. False, with the reason on stderr, when that fails."""
    if len(existing_groups(registry.engine)) != len(GROUPS):
        return True
    try:
        _log_grants(registry, grant_roles(registry.engine, create_missing=False))
    except RolesProblem as problem:
        print(f"ucj registry: the schema is current, but {problem}", file=sys.stderr)
        return False
    return True


def _log_grants(registry: Registry, report: GrantReport) -> None:
    for group, tables in report.granted.items():
        log.info(
            "%s in %s: %s",
            group,
            registry.display_url,
            "; ".join(f"{privileges} on {table}" for table, privileges in tables.items()),
        )


def _log_upgrade(registry: Registry, upgrade: SchemaUpgrade) -> None:
    where = registry.display_url
    if upgrade.stamped:
        log.info("%s was created before schema migrations; marked it as revision %s", where, BASELINE_REVISION)
    start = BASELINE_REVISION if upgrade.stamped else upgrade.before
    if start is None:
        log.info("created the schema (revision %s) in %s", upgrade.after, where)
    elif start != upgrade.after:
        log.info("upgraded the schema of %s from revision %s to %s", where, start, upgrade.after)


def _run_load_workforce(args: argparse.Namespace) -> int:
    def load(registry: Registry, path: str) -> WorkforceLoadReport:
        return registry.load_workforce_csv(path, replace_year=args.replace_year, progress=progress_log(path))

    return load_csv(args, load, lambda report: report.summary())


def _run_load_plan(args: argparse.Namespace) -> int:
    def load(registry: Registry, path: str) -> LoadReport:
        return registry.load_plan_csv(path, progress=progress_log(path))

    return load_csv(args, load, describe_load("plan points", "regions"))


def _run_load_regions(args: argparse.Namespace) -> int:
    def load(registry: Registry, path: str) -> EditionReport:
        return registry.load_regions_csv(path, args.mapping, progress=progress_log(path))

    def describe(report: EditionReport) -> str:
        return (
            f"loaded a region edition: {report.added:,} regions added, {report.changed:,} changed, "
            f"{report.unchanged:,} unchanged, {report.retired:,} retired; carried {report.workforce_figures_carried:,} "
            f"workforce figures and {report.plans_carried:,} plans, moved {report.coordinators_repointed:,} and copied "
            f"{report.coordinators_copied:,} coordinators, re-pointed {report.source_regions_repointed:,} source regions"
        )

    return load_csv(args, load, describe)


def describe_load(what: str, scope: str, replaced: str = "replacing") -> Callable[[LoadReport], str]:
    """`loaded 2 plan points for regions 61.07, 61.08 (replacing 3 stored rows)`."""
    return lambda report: (
        f"loaded {report.loaded:,} {what} for {scope} {', '.join(report.scope)} "
        f"({replaced} {report.replaced:,} stored rows)"
    )


def progress_log(path: str) -> Callable[[int], None]:
    """Logs how far the reading of a long file has come."""
    return lambda rows: log.info("%s: read %s rows so far", path, f"{rows:,}")


def load_csv(
    args: argparse.Namespace, load: Callable[[Registry, str], Report], describe: Callable[[Report], str]
) -> int:
    """Run a CSV load (one transaction) and report it with the delimiter it read; every bad
    row goes to stderr with its line number, and then nothing is loaded."""
    with open_registry(args) as registry:
        try:
            report = load(registry, args.file)
        except CsvRejected as rejected:
            for line, message in rejected.problems:
                print(f"{rejected.path}:{line}: {message}", file=sys.stderr)
            print(f"nothing loaded: {len(rejected.problems)} bad rows", file=sys.stderr)
            return EXIT_BAD_INPUT
        except OSError as error:
            print(f"{error.filename or args.file}: cannot read: {error.strerror or error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except RegistryNotInitialized as error:
            print(error, file=sys.stderr)
            return EXIT_NOT_INITIALIZED
        log.info(
            "%s, from %s (%s-delimited) into %s",
            describe(report),
            args.file,
            DELIMITER_NAMES[report.delimiter],
            registry.display_url,
        )
    return 0


def _run_show(args: argparse.Namespace) -> int:
    with open_registry(args) as registry:
        try:
            tree = registry.region_tree()
        except RegistryNotInitialized as error:
            print(error, file=sys.stderr)
            return EXIT_NOT_INITIALIZED
        figures = registry.workforce_figures()
        plans = registry.plans()
        revision = registry.schema_revision()
        head = head_revision()
        coordinators = registry.coordinators() if revision == head else None
        sources = registry.sources() if revision == head else None
        retired = registry.retired_regions() if revision == head else {}
        print(f"registry {registry.display_url}")
    if revision == head:
        print(f"schema revision: {revision} (current)")
    else:
        print(
            f"schema revision: {revision or 'none (created before migrations)'}; this version needs {head}: "
            "run `ucj registry upgrade`"
        )
    per_level = ", ".join(f"{len(tree.codes_at(level)):,} {level}" for level in LEVELS)
    print(f"regions: {per_level} ({len(tree):,} in all)")
    if retired:
        print(
            f"  of which {len(retired):,} retired by a newer edition (their events still count; `ucj registry load-regions`)"
        )
    print("workforce figures:" if figures else "workforce figures: none")
    for year, by_region in figures.items():
        print(f"  {year}: {len(by_region):,} regions")
    print("plan points:" if plans else "plan points: none")
    for code, points in plans.items():
        trajectory = ", ".join(f"{day.isoformat()} {ratio:g}" for day, ratio in points)
        print(f"  {code} {tree.regions[code].name}: {trajectory}")
    if coordinators is not None:
        operations = sum(1 for c in coordinators if c.region_code == PROVINCE_CODE)
        regions = len({c.region_code for c in coordinators} - {PROVINCE_CODE})
        print(
            f"active coordinators: {operations} on the operations list ({PROVINCE_CODE}), "
            f"{len(coordinators) - operations} for {regions} regencies (`ucj coordinators list`)"
        )
    if sources is not None:
        active = sum(1 for source in sources if source.active)
        print(f"sources: {active} active, {len(sources) - active} revoked (`ucj sources list`)")
    return 0
