"""The Grafana dashboards, as code: `python -m dashboards.build` (or `ucj dashboards build`)
writes dashboards/generated/<uid>.json, which is committed and provisioned.

Every query reads raw metrics (no recording rules), from the Prometheus data source with
uid `prometheus`. `ucj_active_participants` is exported by each worker for its own
partitions, so it is always summed by region; the region-stage gauges come from one worker.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import geomap, prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.geomap import TooltipMode
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH, BEHIND_PP, CRITICAL_PP

GENERATED = Path(__file__).parent / "generated"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid="prometheus")
PROVINCE = "61"
TAGS = ["ucj", "generated"]

STATUS_RULE = f"on track: gap at most {BEHIND_PP:g} pp; behind: above; critical: above {CRITICAL_PP:g} pp, or behind with pace <= 0"

# Status as a number, one series per region: 0 on_track, 1 behind, 2 critical.
# Table cells, stats and map markers colour it with STATUS_MAPPINGS.
STATUS_COLORS = {"on_track": "green", "behind": "orange", "critical": "red"}
STATUS_TEXT = {"on_track": "on track", "behind": "behind", "critical": "critical"}
STATUS_MAPPINGS: list[model.ValueMapping] = [
    model.ValueMap(
        options={
            **{
                str(i): model.ValueMappingResult(text=STATUS_TEXT[s], color=STATUS_COLORS[s], index=i)
                for i, s in enumerate(STATUS_COLORS)
            },
            **{
                s: model.ValueMappingResult(text=STATUS_TEXT[s], color=STATUS_COLORS[s], index=3 + i)
                for i, s in enumerate(STATUS_COLORS)
            },
        }
    )
]


def status_code(selector: str) -> str:
    """0/1/2 per region for the regions `selector` picks (e.g. `level="regency"`)."""
    return (
        f'sum by (region) (ucj_region_status{{status="behind", {selector}}})'
        f' + 2 * sum by (region) (ucj_region_status{{status="critical", {selector}}})'
    )


def names(level: str, extra: str = "") -> str:
    """One series per region with its name, to join on: `... * on(region) group_left(name) <this>`."""
    return f'max by (region, name) (ucj_region_info{{level="{level}"{extra}}})'


def query(
    expr: str, legend: str | None = None, ref: str = "A", instant: bool = False, table_format: bool = False
) -> prometheus.Dataquery:
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE)
    if legend is not None:
        q = q.legend_format(legend)
    if instant:
        q = q.instant()
    else:
        q = q.range()
    if table_format:
        q = q.format(PromQueryFormat.TABLE)
    return q


def override(name: str, **properties) -> db.DashboardFieldConfigSourceOverrides:
    return (
        db.DashboardFieldConfigSourceOverrides()
        .matcher(model.MatcherConfig(id_val="byName", options=name))
        .properties(
            [model.DynamicConfigValue(id_val=key.replace("__", "."), value=value) for key, value in properties.items()]
        )
    )


def thresholds(*steps: tuple[float | None, str]) -> db.ThresholdsConfig:
    return (
        db.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=v, color=c) for v, c in steps])
    )


def stat_panel(title: str, expr: str, unit: str, width: int = 4, description: str = "", **options) -> stat.Panel:
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(query(expr, instant=True))
        .unit(unit)
        .span(width)
        .height(4)
        .graph_mode(common.BigValueGraphMode.NONE)
        .color_mode(common.BigValueColorMode.VALUE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(thresholds((None, "text")))
    )
    for key, value in options.items():
        panel = getattr(panel, key)(*value) if isinstance(value, tuple) else getattr(panel, key)(value)
    return panel


def gap_thresholds() -> db.ThresholdsConfig:
    """Gap in percentage points: the domain's status thresholds (streams.domain.trajectory)."""
    return thresholds((None, "green"), (BEHIND_PP, "orange"), (CRITICAL_PP, "red"))


def status_stat(title: str, region: str, width: int = 4) -> stat.Panel:
    return (
        stat_panel(title, status_code(f'region="{region}"'), "none", width, STATUS_RULE)
        .mappings(STATUS_MAPPINGS)
        .thresholds(thresholds((None, "green"), (1, "orange"), (2, "red")))
    )


def series_panel(title: str, unit: str, width: int = 12, height: int = 8, description: str = "") -> timeseries.Panel:
    return (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .span(width)
        .height(height)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
    )


def plan_lines(panel: timeseries.Panel, regex: str) -> timeseries.Panel:
    """Dashed lines for the series whose name matches `regex` (the plan)."""
    return panel.override_by_regexp(
        regex, [model.DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]})]
    )


def regency_link() -> db.DashboardLink:
    return (
        db.DashboardLink("Regency drill-down")
        .type(model.DashboardLinkType.DASHBOARDS)
        .tags(["ucj"])
        .as_dropdown(True)
        .include_vars(False)
        .keep_time(True)
    )


# ---------------------------------------------------------------------------------------
def province() -> db.Dashboard:
    regency = 'level="regency"'
    table_queries = [
        ("A", names("regency"), "Name"),
        ("B", f"sum by (region) (ucj_coverage_ratio{{{regency}}})", "Coverage"),
        ("C", f"sum by (region) (ucj_planned_ratio{{{regency}}})", "Plan"),
        ("D", f"100 * sum by (region) (ucj_gap_ratio{{{regency}}})", "Gap (pp)"),
        ("E", f"sum by (region) (ucj_gap_workers{{{regency}}})", "Gap workers"),
        ("F", status_code(regency), "Status"),
        ("G", f"1000 * sum by (region) (ucj_eta_timestamp_seconds{{{regency}}})", "ETA"),
        ("H", f"sum by (region) (ucj_active_participants{{{regency}}})", "Active"),
    ]
    regency_table = (
        table.Panel()
        .title("Regencies")
        .description(
            "Coverage against plan per regency, now. The region code opens the regency drill-down. ETA: when coverage reaches the next plan target at the current pace (empty when it does not)."
        )
        .datasource(DATASOURCE)
        .targets([query(expr, ref=ref, instant=True, table_format=True) for ref, expr, _ in table_queries])
        .with_transformation(model.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True, "Value #A": True},
                    "renameByName": {
                        "region": "Region",
                        "name": "Name",
                        **{f"Value #{ref}": label for ref, _, label in table_queries[1:]},
                    },
                    "indexByName": {
                        "region": 0,
                        "name": 1,
                        **{f"Value #{ref}": i + 2 for i, (ref, _, _) in enumerate(table_queries)},
                    },
                },
            )
        )
        .sort_by([common_builders.TableSortByFieldState().display_name("Gap (pp)").desc(True)])
        .span(24)
        .height(12)
        .overrides(
            [
                override("Coverage", unit="percentunit", decimals=2),
                override("Plan", unit="percentunit", decimals=2),
                override("Gap (pp)", unit="none", decimals=2),
                override("Gap workers", unit="locale", decimals=0),
                override("Active", unit="locale", decimals=0),
                override("Status", mappings=STATUS_MAPPINGS, custom__cellOptions={"type": "color-text"}),
                override("ETA", unit="time:YYYY-MM-DD", noValue="not at this pace"),
                override(
                    "Region",
                    links=[
                        {
                            "title": "Regency drill-down",
                            "url": "/d/ucj-regency?var-regency=${__value.raw}&${__url_time_range}",
                        }
                    ],
                ),
            ]
        )
    )
    map_panel = (
        geomap.Panel()
        .title("Regency status")
        .description(
            "Markers at each regency seat, coloured by status (from ucj_region_status joined with ucj_region_location)."
        )
        .datasource(DATASOURCE)
        .with_target(
            query(
                f"(ucj_region_status{{{regency}}} == 1) * on(region) group_left(latitude, longitude, seat) max by (region, latitude, longitude, seat) (ucj_region_location)",
                instant=True,
                table_format=True,
            )
        )
        .with_transformation(
            model.DataTransformerConfig(
                id_val="convertFieldType",
                options={
                    "conversions": [
                        {"targetField": "latitude", "destinationType": "number"},
                        {"targetField": "longitude", "destinationType": "number"},
                    ],
                    "fields": {},
                },
            )
        )
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={"excludeByName": {"Time": True, "Value": True, "instance": True, "job": True, "level": True}},
            )
        )
        .mappings(STATUS_MAPPINGS)
        # the SDK types lat, lon and zoom as int; Grafana takes (and the map needs) fractions
        .view(geomap.MapViewConfig().id("coords").lat(0.0).lon(110.4).zoom(6.5))  # type: ignore[arg-type]
        .tooltip(geomap.TooltipOptions().mode(TooltipMode.DETAILS))
        .basemap(common_builders.MapLayerOptions().type("default").name("Basemap"))
        .layers(
            [
                common_builders.MapLayerOptions()
                .type("markers")
                .name("Regencies")
                .location(
                    common_builders.FrameGeometrySource()
                    .mode(common.FrameGeometrySourceMode.COORDS)
                    .latitude("latitude")
                    .longitude("longitude")
                )
                .tooltip(True)
                .config(
                    {
                        "showLegend": True,
                        "style": {
                            "color": {"field": "status", "fixed": "dark-green"},
                            "size": {"fixed": 9, "min": 2, "max": 15},
                            "symbol": {"fixed": "img/icons/marker/circle.svg", "mode": "fixed"},
                            "opacity": 0.8,
                            "text": {"field": "seat", "fixed": "", "mode": "field"},
                            "textConfig": {
                                "fontSize": 11,
                                "offsetY": -14,
                                "textAlign": "center",
                                "textBaseline": "bottom",
                            },
                        },
                    }
                )
            ]
        )
        .span(10)
        .height(14)
    )
    coverage_trend = plan_lines(
        series_panel("Coverage against plan per regency", "percentunit", width=14, height=14)
        .with_target(
            query(f"ucj_coverage_ratio{{{regency}}} * on(region) group_left(name) {names('regency')}", "{{name}}", "A")
        )
        .with_target(query(f'max(ucj_planned_ratio{{region="{PROVINCE}"}})', "plan (province)", "B")),
        "^plan",
    )
    gap_trend = (
        series_panel("Gap per regency (percentage points, above 0 is behind plan)", "none", width=24)
        .with_target(
            query(f"100 * ucj_gap_ratio{{{regency}}} * on(region) group_left(name) {names('regency')}", "{{name}}")
        )
        .thresholds(gap_thresholds())
        .thresholds_style(common_builders.GraphThresholdsStyleConfig().mode(common.GraphThresholdsStyleMode.LINE))
    )
    province_selector = f'region="{PROVINCE}"'
    return (
        db.Dashboard("Province overview")
        .uid("ucj-province")
        .description("UCJ coverage of Kalimantan Barat against the planned trajectory, per regency")
        .tags(TAGS)
        .time("now-7d", "now")
        .refresh("1m")
        .timezone("Asia/Pontianak")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .link(regency_link())
        .with_row(db.Row("Province"))
        .with_panel(stat_panel("Coverage", f"ucj_coverage_ratio{{{province_selector}}}", "percentunit", decimals=2))
        .with_panel(stat_panel("Plan today", f"ucj_planned_ratio{{{province_selector}}}", "percentunit", decimals=2))
        .with_panel(
            stat_panel("Gap (pp)", f"100 * ucj_gap_ratio{{{province_selector}}}", "none", decimals=2).thresholds(
                gap_thresholds()
            )
        )
        .with_panel(stat_panel("Gap (workers)", f"ucj_gap_workers{{{province_selector}}}", "locale", decimals=0))
        .with_panel(
            stat_panel(
                "Active participants",
                f"sum(ucj_active_participants{{{province_selector}}})",
                "locale",
                decimals=0,
                description="Summed over every worker",
            )
        )
        .with_panel(status_stat("Status", PROVINCE))
        .with_panel(
            plan_lines(
                series_panel("Province coverage against plan", "percentunit", width=24)
                .with_target(query(f"ucj_coverage_ratio{{{province_selector}}}", "coverage", "A"))
                .with_target(query(f"ucj_planned_ratio{{{province_selector}}}", "plan", "B")),
                "^plan",
            )
        )
        .with_row(db.Row("Per regency"))
        .with_panel(regency_table)
        .with_panel(map_panel)
        .with_panel(coverage_trend)
        .with_panel(gap_trend)
    )


# ---------------------------------------------------------------------------------------
def regency() -> db.Dashboard:
    here = 'region="$regency"'
    variable = (
        db.QueryVariable("regency")
        .label("Regency")
        .datasource(DATASOURCE)
        .query(
            {
                "query": f"query_result({names('regency')})",
                "refId": "PrometheusVariableQueryEditor-VariableQuery",
                "qryType": 3,
            }
        )
        .regex('/name="(?<text>[^"]+)".*region="(?<value>[^"]+)"/')
        .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .current(model.VariableOption(selected=True, text="Kabupaten Bengkayang", value="61.07"))
    )
    alerts = (
        db.AnnotationQuery()
        .name("Open alerts")
        .datasource(DATASOURCE)
        .enable(True)
        .icon_color("red")
        .expr(f"ucj_alerts_open{{{here}}}")
    )
    of_regency = names("district", ', parent="$regency"')
    districts_queries = [
        (
            "A",
            f'sum by (region) (ucj_active_participants{{level="district"}}) * on(region) group_left(name) {of_regency}',
            "Active",
        ),
        (
            "B",
            'sum by (region) (ucj_active_participants{level="district", funding="assisted"}) and on(region) ucj_region_info{parent="$regency"}',
            "Assisted",
        ),
        (
            "C",
            'sum by (region) (ucj_active_participants{level="district", funding="self_paid"}) and on(region) ucj_region_info{parent="$regency"}',
            "Self-paid",
        ),
    ]
    districts = (
        table.Panel()
        .title("Districts")
        .description(
            "Active participants per district of the regency (districts have no workforce figure of their own, so no coverage ratio)"
        )
        .datasource(DATASOURCE)
        .targets([query(expr, ref=ref, instant=True, table_format=True) for ref, expr, _ in districts_queries])
        .with_transformation(model.DataTransformerConfig(id_val="merge", options={}))
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True},
                    "renameByName": {
                        "region": "District",
                        "name": "Name",
                        **{f"Value #{ref}": label for ref, _, label in districts_queries},
                    },
                    "indexByName": {
                        "region": 0,
                        "name": 1,
                        **{f"Value #{ref}": i + 2 for i, (ref, _, _) in enumerate(districts_queries)},
                    },
                },
            )
        )
        .sort_by([common_builders.TableSortByFieldState().display_name("Active").desc(True)])
        .unit("locale")
        .decimals(0)
        .span(12)
        .height(10)
    )
    open_alerts = (
        table.Panel()
        .title("Open alerts")
        .description("Alerts the region stage has open for this regency, with the worst status notified")
        .datasource(DATASOURCE)
        .with_target(query(f"max by (kind, status) (ucj_alerts_open{{{here}}})", instant=True, table_format=True))
        .with_transformation(
            model.DataTransformerConfig(id_val="organize", options={"excludeByName": {"Time": True, "Value": True}})
        )
        .override_by_name(
            "status",
            [
                model.DynamicConfigValue(id_val="mappings", value=STATUS_MAPPINGS),
                model.DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-text"}),
            ],
        )
        .span(8)
        .height(6)
    )
    dashboard = (
        db.Dashboard("Regency drill-down")
        .uid("ucj-regency")
        .description(
            "One regency: coverage against plan, what drives it, its districts, the lapse cliff and its alerts"
        )
        .tags(TAGS)
        .time("now-7d", "now")
        .refresh("1m")
        .timezone("Asia/Pontianak")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .with_variable(variable)
        .annotation(alerts)
        .link(
            db.DashboardLink("Province overview")
            .type(model.DashboardLinkType.LINK)
            .url("/d/ucj-province")
            .keep_time(True)
        )
        .with_row(db.Row("Now"))
        .with_panel(stat_panel("Coverage", f"ucj_coverage_ratio{{{here}}}", "percentunit", width=3, decimals=2))
        .with_panel(stat_panel("Plan today", f"ucj_planned_ratio{{{here}}}", "percentunit", width=3, decimals=2))
        .with_panel(
            stat_panel("Gap (pp)", f"100 * ucj_gap_ratio{{{here}}}", "none", width=3, decimals=2).thresholds(
                gap_thresholds()
            )
        )
        .with_panel(stat_panel("Gap (workers)", f"ucj_gap_workers{{{here}}}", "locale", width=3, decimals=0))
        .with_panel(status_stat("Status", "$regency", width=3))
        .with_panel(
            stat_panel("Active participants", f"sum(ucj_active_participants{{{here}}})", "locale", width=3, decimals=0)
        )
        .with_panel(
            stat_panel("Eligible workforce", f"max(ucj_eligible_workforce{{{here}}})", "locale", width=3, decimals=0)
        )
        .with_panel(
            stat_panel(
                "Open alerts", f"count(ucj_alerts_open{{{here}}}) or vector(0)", "none", width=3, decimals=0
            ).thresholds(thresholds((None, "green"), (1, "red")))
        )
        .with_row(db.Row("Outlook"))
        .with_panel(
            stat_panel(
                "Pace (workers/day)",
                f"ucj_pace_per_day{{{here}}}",
                "none",
                decimals=1,
                description="Net change in active participants per day over the trailing 30 days",
            )
        )
        .with_panel(
            stat_panel(
                "ETA at this pace",
                f"1000 * ucj_eta_timestamp_seconds{{{here}}}",
                "time:YYYY-MM-DD",
                no_value="not at this pace",
                description="When coverage reaches the next plan target at the current pace",
            )
        )
        .with_panel(stat_panel("Next target", f"1000 * ucj_target_timestamp_seconds{{{here}}}", "time:YYYY-MM-DD"))
        .with_panel(
            stat_panel("Required pace (workers/day)", f"ucj_required_pace_per_day{{{here}}}", "none", decimals=1)
        )
        .with_panel(
            stat_panel(
                "Enrollments needed / month", f"ucj_enrollments_needed_per_month{{{here}}}", "locale", decimals=0
            )
        )
        .with_panel(
            stat_panel(
                "Assistance budget to close the gap",
                f"ucj_assistance_budget_idr{{{here}}}",
                "prefix:Rp ",
                decimals=0,
                description=f"Gap workers x Rp {ASSISTANCE_IDR_PER_WORKER_MONTH:,} x months left to the target date",
            )
        )
        .with_row(db.Row("Trends"))
        .with_panel(
            plan_lines(
                series_panel("Coverage against plan", "percentunit")
                .with_target(query(f"ucj_coverage_ratio{{{here}}}", "coverage", "A"))
                .with_target(query(f"ucj_planned_ratio{{{here}}}", "plan", "B")),
                "^plan",
            )
        )
        .with_panel(
            series_panel("Assisted and self-paid participants", "locale")
            .with_target(query(f"sum by (funding) (ucj_active_participants{{{here}}})", "{{funding}}"))
            .stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
            .fill_opacity(30)
        )
        .with_panel(
            series_panel("Active participants by segment", "locale")
            .with_target(query(f"sum by (segment) (ucj_active_participants{{{here}}})", "{{segment}}"))
            .stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
            .fill_opacity(30)
        )
        .with_panel(
            series_panel(
                "Lapse cliff: assistance ending within 60 days, by payer",
                "locale",
                description="Active participants whose assistance ends within 60 days with nothing after it",
            )
            .with_target(query(f"sum by (payer) (ucj_lapse_cliff_participants{{{here}}})", "{{payer}}"))
            .draw_style(common.GraphDrawStyle.BARS)
            .stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
            .fill_opacity(60)
        )
        .with_row(db.Row("Districts and alerts"))
        .with_panel(districts)
        .with_panel(open_alerts)
    )
    return dashboard


# ---------------------------------------------------------------------------------------
def pipeline() -> db.Dashboard:
    dashboard = (
        db.Dashboard("Pipeline health")
        .uid("ucj-pipeline")
        .description(
            "Workers, notifier and ingest gateway: throughput, invalid input, lag, rebalances, deliveries, rejected events by source and reason"
        )
        .tags(TAGS)
        .time("now-6h", "now")
        .refresh("30s")
        .timezone("Asia/Pontianak")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .with_row(db.Row("Workers"))
        .with_panel(stat_panel("Workers up", 'sum(up{job="ucj-worker"})', "none", width=4, decimals=0))
        .with_panel(
            stat_panel(
                "Owned partitions",
                "sum(ucj_owned_partitions)",
                "none",
                width=4,
                decimals=0,
                description="Event partitions counted, over all workers (8 when all are owned)",
            )
        )
        .with_panel(stat_panel("Consumer lag", "sum(ucj_consumer_lag_messages)", "locale", width=4, decimals=0))
        .with_panel(stat_panel("Age of the last event", "time() - max(ucj_last_event_timestamp_seconds)", "s", width=4))
        .with_panel(stat_panel("Notifier up", 'sum(up{job="ucj-notifier"})', "none", width=4, decimals=0))
        .with_panel(
            stat_panel(
                "Pending deliveries", "sum(ucj_notifier_pending_deliveries)", "none", width=4, decimals=0
            ).thresholds(thresholds((None, "green"), (1, "orange")))
        )
        .with_panel(
            series_panel("Events per second by type and outcome", "ops").with_target(
                query("sum by (type, outcome) (rate(ucj_events_total[$__rate_interval]))", "{{type}} {{outcome}}")
            )
        )
        .with_panel(
            series_panel("Dead letters per second by reason", "ops").with_target(
                query("sum by (reason) (rate(ucj_dead_letters_total[$__rate_interval]))", "{{reason}}")
            )
        )
        .with_panel(
            series_panel("Processing lag and event delay", "s")
            .with_target(query("max by (instance) (ucj_processing_lag_seconds)", "processing lag {{instance}}", "A"))
            .with_target(
                query(
                    "histogram_quantile(0.99, sum by (le) (rate(ucj_event_delay_seconds_bucket[$__rate_interval])))",
                    "event delay p99",
                    "B",
                )
            )
            .with_target(
                query(
                    "histogram_quantile(0.5, sum by (le) (rate(ucj_event_delay_seconds_bucket[$__rate_interval])))",
                    "event delay p50",
                    "C",
                )
            )
        )
        .with_panel(
            series_panel("Consumer lag (messages) per worker", "locale").with_target(
                query("sum by (instance) (ucj_consumer_lag_messages)", "{{instance}}")
            )
        )
        .with_panel(
            series_panel("Owned partitions per worker", "none").with_target(
                query("sum by (instance) (ucj_owned_partitions)", "{{instance}}")
            )
        )
        .with_panel(
            series_panel("Rebalances", "none", description="Rebalances each worker took part in, per interval")
            .with_target(query("sum by (instance) (increase(ucj_rebalances_total[$__rate_interval]))", "{{instance}}"))
            .draw_style(common.GraphDrawStyle.BARS)
        )
        .with_panel(
            series_panel("Alert transitions published", "none")
            .with_target(
                query(
                    "sum by (kind, transition) (increase(ucj_alert_transitions_total[$__rate_interval]))",
                    "{{kind}} {{transition}}",
                )
            )
            .draw_style(common.GraphDrawStyle.BARS)
        )
        .with_panel(
            series_panel("Open alerts by kind and status", "none").with_target(
                query("count by (kind, status) (ucj_alerts_open)", "{{kind}} {{status}}")
            )
        )
        .with_row(db.Row("Notifier"))
        .with_panel(
            series_panel("Deliveries per second by channel and outcome", "ops").with_target(
                query(
                    "sum by (channel, outcome) (rate(ucj_notifier_deliveries_total[$__rate_interval]))",
                    "{{channel}} {{outcome}}",
                )
            )
        )
        .with_panel(
            series_panel("Pending deliveries by channel", "none").with_target(
                query("sum by (channel) (ucj_notifier_pending_deliveries)", "{{channel}}")
            )
        )
        .with_panel(
            series_panel("Alert transitions consumed", "none")
            .with_target(
                query(
                    "sum by (kind, transition) (increase(ucj_notifier_alerts_consumed_total[$__rate_interval]))",
                    "{{kind}} {{transition}}",
                )
            )
            .draw_style(common.GraphDrawStyle.BARS)
        )
        .with_panel(
            series_panel("Time since the last delivery", "s").with_target(
                query("time() - max(ucj_notifier_last_delivery_timestamp_seconds > 0)", "since last delivery")
            )
        )
        .with_row(db.Row("Gateway"))  # last, so the panel ids above stay as they were
    )
    for panel in gateway_panels():
        dashboard = dashboard.with_panel(panel)
    return dashboard


# Events the source is to blame for: every outcome but accepted and unpublished (Kafka did not
# acknowledge). The same selector as the UCJGatewaySourceMostlyRejected alert.
REJECTED = 'outcome!~"accepted|unpublished"'


def gateway_panels() -> list:
    """The ingest gateway (`ucj gateway`): who sends, what is rejected and why, how fast it answers."""
    rejected_table = (
        table.Panel()
        .title("Rejected events by source and reason")
        .description(
            "Events the gateway rejected in the dashboard's time range, most first: what to tell each source (README, For registration systems, lists the reasons)"
        )
        .datasource(DATASOURCE)
        .with_target(
            query(
                f"sort_desc(sum by (source, outcome) (increase(ucj_gateway_events_total{{{REJECTED}}}[$__range])) > 0)",
                instant=True,
                table_format=True,
            )
        )
        .with_transformation(
            model.DataTransformerConfig(
                id_val="organize",
                options={
                    "excludeByName": {"Time": True},
                    "renameByName": {"source": "Source", "outcome": "Reason", "Value": "Events"},
                    "indexByName": {"source": 0, "outcome": 1, "Value": 2},
                },
            )
        )
        .sort_by([common_builders.TableSortByFieldState().display_name("Events").desc(True)])
        .unit("locale")
        .decimals(0)
        .span(8)
        .height(8)
    )
    return [
        stat_panel("Gateway up", 'sum(up{job="ucj-gateway"})', "none", width=6, decimals=0),
        stat_panel(
            "Events accepted",
            'sum(increase(ucj_gateway_events_total{outcome="accepted"}[$__range])) or vector(0)',
            "locale",
            width=6,
            decimals=0,
            description="Acknowledged by Kafka, in the dashboard's time range",
        ),
        stat_panel(
            "Events rejected",
            f"sum(increase(ucj_gateway_events_total{{{REJECTED}}}[$__range])) or vector(0)",
            "locale",
            width=6,
            decimals=0,
            description="Rejected with a reason, in the dashboard's time range; not counted until the source resends them fixed",
        ).thresholds(thresholds((None, "green"), (1, "orange"))),
        stat_panel(
            "503 answers",
            'sum(increase(ucj_gateway_requests_total{status="503"}[$__range])) or vector(0)',
            "locale",
            width=6,
            decimals=0,
            description="Kafka or the registry was unavailable, in the dashboard's time range; clients resend",
        ).thresholds(thresholds((None, "green"), (1, "red"))),
        series_panel(
            "Gateway requests per second by status",
            "reqps",
            description="Every endpoint but Prometheus's own /metrics scrapes",
        ).with_target(
            query(
                'sum by (status, endpoint) (rate(ucj_gateway_requests_total{endpoint!="/metrics"}[$__rate_interval]))',
                "{{status}} {{endpoint}}",
            )
        ),
        series_panel(
            "Gateway events per second by source and outcome",
            "ops",
            description="accepted: acknowledged by Kafka; unpublished: Kafka unavailable (503); anything else is the reason the event was rejected",
        )
        .with_target(
            query(
                "sum by (source, outcome) (rate(ucj_gateway_events_total[$__rate_interval]))", "{{source}} {{outcome}}"
            )
        )
        .override_by_regexp(
            " accepted$", [model.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": "green"})]
        ),
        series_panel(
            "Gateway request latency p50 and p95 by endpoint",
            "s",
            width=16,
            description="From a request's arrival to its answer; a batch of 5,000 events takes about 1.5 s",
        )
        .with_target(
            query(
                'histogram_quantile(0.95, sum by (endpoint, le) (rate(ucj_gateway_request_duration_seconds_bucket{endpoint=~"/v1/.+|/healthz"}[$__rate_interval])))',
                "p95 {{endpoint}}",
                "A",
            )
        )
        .with_target(
            query(
                'histogram_quantile(0.5, sum by (endpoint, le) (rate(ucj_gateway_request_duration_seconds_bucket{endpoint=~"/v1/.+|/healthz"}[$__rate_interval])))',
                "p50 {{endpoint}}",
                "B",
            )
        ),
        rejected_table,
    ]


DASHBOARDS = {"ucj-province": province, "ucj-regency": regency, "ucj-pipeline": pipeline}


def render(builder: db.Dashboard) -> dict:
    """The dashboard as Grafana's JSON model."""
    rendered = json.loads(JSONEncoder(sort_keys=True).encode(builder.build()))
    for number, panel in enumerate(rendered.get("panels", []), start=1):  # stable ids: links and `viewPanel` use them
        panel["id"] = number
    for annotation in rendered.get("annotations", {}).get("list", []):
        if annotation.get("expr"):  # Prometheus annotation options the SDK has no setters for
            annotation.update(
                step="60s",
                titleFormat="{{kind}} alert: {{status}}",
                tagKeys="kind,status",
                textFormat="{{region}}",
                useValueForTime=False,
            )
    return rendered


def dashboards() -> dict[str, dict]:
    return {uid: render(make()) for uid, make in DASHBOARDS.items()}


def text_of(dashboard: dict) -> str:
    return json.dumps(dashboard, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(directory: Path = GENERATED) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for uid, dashboard in dashboards().items():
        path = directory / f"{uid}.json"
        path.write_text(text_of(dashboard), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dashboards.build", description="Write the Grafana dashboards as JSON"
    )
    parser.add_argument("--output", type=Path, default=GENERATED, help="directory (default: %(default)s)")
    args = parser.parse_args(argv)
    for path in write(args.output):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
