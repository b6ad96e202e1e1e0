"""The HTTP layer: routes, authentication, limits and answers. The work is done in imports.py."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Protocol, Sequence

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import ClientDisconnect

from services.gateway import bodies, schemas
from services.gateway.admission import Admission, Scope
from services.gateway.imports import ImportResult, run_import
from services.gateway.limits import HEALTH_PROBE_SECONDS, Buckets, Limits, UnknownKeys, key_digest, retry_after
from services.gateway.metrics import GatewayMetrics
from services.gateway.publishing import Delivery
from services.gateway.settings import MAX_BODY_BYTES, MAX_EVENTS, RETRY_AFTER_SECONDS
from streams.domain.nik import mask_niks
from streams.domain.pseudonym import Pseudonymizer
from streams.domain.regions import RegionTree

log = logging.getLogger("services.gateway")

JSON_TYPES = {"application/json": bodies.split_json_array, "application/x-ndjson": bodies.split_json_lines}
CSV_TYPES = {"text/csv": bodies.split_csv}


class SourceLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def regions(self) -> Sequence[str]: ...


class KeyLookup(Protocol):
    def source_for_key(self, key: str) -> SourceLike | None:
        """The active source the key belongs to; None for an unknown or revoked key."""


class Publisher(Protocol):
    def publish(self, messages: Sequence[tuple[bytes, bytes]]) -> Delivery: ...


@dataclass
class Gateway:
    """Everything the app needs, made by the CLI (real adapters) or a test (fakes)."""

    keys: KeyLookup
    tree: RegionTree
    pseudonymizer: Pseudonymizer
    now: Callable[[], datetime]
    publisher: Publisher
    probes: dict[str, Callable[[], bool]]  # "kafka", "registry" -> is it reachable?
    metrics: GatewayMetrics
    registry_errors: tuple[type[Exception], ...] = ()  # what the key lookup raises when its database is down
    # the registry's regions read again every so often, as the worker does, so both judge alike
    load_regions: Callable[[], RegionTree] | None = None
    regions_reload_seconds: float = 60.0
    on_start: Callable[[], None] = lambda: None
    on_stop: Callable[[], None] = lambda: None
    clock: Callable[[], float] = time.monotonic  # for the short-lived memories of limits.py
    limits: Limits = Limits()


class Refused(Exception):
    """An answer other than 200, with a one-sentence error."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None, body: dict | None = None):
        super().__init__(error)
        self.status, self.headers = status, headers or {}
        self.body = {"error": mask_niks(error), **(body or {})}


UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="ucj-gateway"'}
RETRY = {"Retry-After": str(RETRY_AFTER_SECONDS)}
_PROBLEM = {"model": schemas.Problem}
INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": schemas.ImportSummary,
        "description": "Every event was accepted or rejected; the rejected ones are listed",
    },
    400: {**_PROBLEM, "description": "The body cannot be read (not UTF-8, not a JSON array, CSV without a header)"},
    401: {
        **_PROBLEM,
        "description": "No key, or an unknown or revoked key; nothing was published",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    413: {
        **_PROBLEM,
        "description": f"More than {MAX_EVENTS:,} events or {MAX_BODY_BYTES // 2**20} MB; nothing was published",
    },
    415: {**_PROBLEM, "description": "A content type this endpoint does not read, or a charset other than UTF-8"},
    422: {**_PROBLEM, "description": "A query parameter that is not understood (dry_run=maybe); nothing was published"},
    429: {
        **_PROBLEM,
        "description": "The key sent more requests or events than its limit, or the address too many wrong keys; nothing was published",
        "headers": {
            "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before sending again"}
        },
    },
    503: {
        "model": schemas.Unavailable,
        "description": "Kafka or the registry is unavailable; the summary says what was accepted before",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before resending"}},
    },
}


def _not_understood(errors) -> str:
    """One sentence for a request FastAPI could not validate: the first parameter it names."""
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if len(location) >= 2 and location[0] in {"query", "path", "header"}:
            where, name = location[0], location[-1]
            given = error.get("input")
            shown = f" {str(given)[:40]!r}" if isinstance(given, str) else ""
            if error.get("type") == "bool_parsing":
                return f"the {where} parameter {name} must be true or false, not{shown or ' that'}"
            return f"the {where} parameter {name} is not understood{f' ({shown.strip()})' if shown else ''}: {error.get('msg', 'invalid')}"
    return "the request is not understood: " + "; ".join(str(error.get("msg", "invalid")) for error in errors)[:200]


DRAIN_BYTES = 4 * MAX_BODY_BYTES  # the most of a body over the limit that is read and dropped before the 413
DRY_RUN = Query(False, description="true: check the events and answer the summary, publish nothing")

bearer = HTTPBearer(auto_error=False, description="the source's key, issued by `ucj sources add`")


def create_app(gateway: Gateway) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await run_in_threadpool(gateway.on_start)
        reloading = (
            asyncio.create_task(_reload_regions(gateway, gateway.load_regions)) if gateway.load_regions else None
        )
        yield
        if reloading is not None:
            reloading.cancel()
        await run_in_threadpool(gateway.on_stop)

    app = FastAPI(
        title="UCJ ingest gateway",
        version="1",
        description='Participant events from registration systems into the UCJ coverage monitor. See docs/registration-systems.md, "For registration systems".',
        lifespan=lifespan,
    )
    app.add_middleware(RequestMetrics, metrics=gateway.metrics)

    @app.exception_handler(RequestValidationError)
    async def not_understood(request: Request, error: RequestValidationError) -> JSONResponse:
        """FastAPI's own 422 body is a list of pydantic errors; the gateway answers one sentence, as for every refusal."""
        return await refused(request, Refused(422, _not_understood(error.errors())))

    @app.exception_handler(Refused)
    async def refused(request: Request, refusal: Refused) -> JSONResponse:
        source = getattr(request.state, "source", None)
        log.info(
            "%s: %s: refused %d: %s",
            request.url.path,
            f"source {source}" if source else "no source",
            refusal.status,
            refusal.body["error"],
        )
        return JSONResponse(refusal.body, status_code=refusal.status, headers=refusal.headers)

    unknown_keys = UnknownKeys()
    limits = gateway.limits
    requests = Buckets(limits.requests_per_second, limits.request_burst)
    events = Buckets(limits.events_per_second, limits.event_burst)
    failed_logins = Buckets(limits.failed_logins_per_minute / 60, limits.failed_login_burst)

    def wrong_key(address: str) -> Refused:
        failed_logins.take(address, 1, gateway.clock())
        return Refused(401, "the key is unknown or revoked", UNAUTHENTICATED)

    async def authenticated(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)
    ) -> Scope:
        if credentials is None:
            raise Refused(401, "send the source's key as Authorization: Bearer KEY", UNAUTHENTICATED)
        address = request.client.host if request.client else "unknown"
        wait = failed_logins.waiting(address, gateway.clock())
        if wait:  # before any lookup: guessing keys costs the registry nothing
            raise Refused(
                429,
                f"too many unknown keys from {address}; wait {retry_after(wait)} s",
                {"Retry-After": retry_after(wait)},
            )
        key = credentials.credentials
        wait = requests.take(key_digest(key), 1, gateway.clock())
        if wait:  # before the lookup too: a flooding key costs the registry nothing
            raise Refused(
                429,
                f"this key sent more than {limits.requests_per_second:g} requests a second; wait {retry_after(wait)} s",
                {"Retry-After": retry_after(wait)},
            )
        if unknown_keys.known_unknown(key, gateway.clock()):  # a repeated wrong key costs no lookup
            raise wrong_key(address)
        try:
            source = await run_in_threadpool(gateway.keys.source_for_key, key)
        except gateway.registry_errors as error:
            log.warning("%s: the registry is unavailable: %s", request.url.path, type(error).__name__)
            raise Refused(
                503, "the source registry is unavailable; nothing was published", RETRY, _empty_summary()
            ) from None
        if source is None:
            unknown_keys.remember(key, gateway.clock())
            raise wrong_key(address)
        request.state.source = source.name
        return Scope(source.name, tuple(source.regions))

    async def ingest(request: Request, scope: Scope, types: dict, dry_run: bool) -> JSONResponse:
        split = types[_media_type(request, types)]  # _media_type refuses any other type
        body = await _read_body(request)
        admission = Admission(scope, gateway.tree, gateway.pseudonymizer, gateway.now())
        publish = None if dry_run else gateway.publisher.publish
        try:
            items = await run_in_threadpool(lambda: split(bodies.decode(body)))
        except bodies.BodyError as error:
            raise Refused(400, str(error)) from None
        except bodies.TooManyEvents as error:
            raise Refused(413, str(error)) from None
        if not dry_run:
            wait = events.take(scope.source, len(items), gateway.clock())
            if wait:
                raise Refused(
                    429,
                    f"source {scope.source} sent more than {limits.events_per_second:,g} events a second; "
                    f"wait {retry_after(wait)} s and send the batch again",
                    {"Retry-After": retry_after(wait)},
                )
        result = await run_in_threadpool(lambda: run_import(items, admission, publish))
        if not dry_run:
            gateway.metrics.count_events(scope.source, result.outcomes)
        log.info(
            "%s: source %s: %d accepted, %d rejected, %d unpublished%s",
            request.url.path,
            scope.source,
            result.accepted,
            len(result.rejected),
            len(result.unpublished),
            " (dry run)" if dry_run else "",
        )
        summary = _summary(result, dry_run)
        if result.unpublished:
            unpublished = [{"index": item.index, "line": item.line} for item in result.unpublished]
            log.warning(
                "%s: source %s: Kafka refused or did not answer: %s", request.url.path, scope.source, result.error
            )
            # the client library's text stays in the log: it names brokers and internals, not what the client can do
            raise Refused(
                503, "Kafka is unavailable; resend the batch later", RETRY, {**summary, "not_published": unpublished}
            )
        return JSONResponse(summary)

    @app.post(
        "/v1/events",
        response_model=schemas.ImportSummary,
        responses=INGEST_RESPONSES,
        openapi_extra={"requestBody": schemas.EVENTS_BODY},
        summary="Publish events: a JSON array or JSON Lines",
    )
    async def post_events(request: Request, dry_run: bool = DRY_RUN, scope: Scope = Depends(authenticated)):
        return await ingest(request, scope, JSON_TYPES, dry_run)

    @app.post(
        "/v1/events/csv",
        response_model=schemas.ImportSummary,
        responses=INGEST_RESPONSES,
        openapi_extra={"requestBody": schemas.CSV_BODY},
        summary="Publish events: CSV as spreadsheets export it",
    )
    async def post_events_csv(request: Request, dry_run: bool = DRY_RUN, scope: Scope = Depends(authenticated)):
        return await ingest(request, scope, CSV_TYPES, dry_run)

    @app.get(
        "/v1/whoami",
        response_model=schemas.WhoAmI,
        summary="The calling source and its regions",
        responses={401: INGEST_RESPONSES[401], 429: INGEST_RESPONSES[429], 503: INGEST_RESPONSES[503]},
    )
    async def whoami(scope: Scope = Depends(authenticated)):
        regions = [gateway.tree.regions.get(code) for code in scope.regions]
        return schemas.WhoAmI(
            source=scope.source,
            regions=[schemas.RegionOut(code=r.code, name=r.name, level=r.level) for r in regions if r is not None],
        )

    probing, health = asyncio.Lock(), [0.0, None]  # /healthz: when it last probed, and what it found

    @app.get(
        "/healthz",
        response_model=schemas.Health,
        summary="Are Kafka and the registry reachable?",
        responses={503: {"model": schemas.Health, "description": "Kafka or the registry is unreachable"}},
    )
    async def healthz():
        async with probing:  # one probe at a time; who waited for it takes its answer
            if health[1] is None or gateway.clock() - health[0] >= HEALTH_PROBE_SECONDS:
                reachable = {name: await run_in_threadpool(_probe, check) for name, check in gateway.probes.items()}
                health[:] = [
                    gateway.clock(),
                    schemas.Health(
                        status="ok" if all(reachable.values()) else "unavailable",
                        **{name: "reachable" if ok else "unreachable" for name, ok in reachable.items()},
                    ),
                ]
            body = health[1]
        return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        summary="Prometheus metrics (ucj_gateway_*)",
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    async def metrics():
        return PlainTextResponse(generate_latest(gateway.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            document.setdefault("components", {}).setdefault("schemas", {})["Event"] = schemas.EVENT
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to shape the document
    return app


async def _reload_regions(gateway: Gateway, load_regions: Callable[[], RegionTree]) -> None:
    while True:
        await asyncio.sleep(gateway.regions_reload_seconds)
        try:
            tree = await run_in_threadpool(load_regions)
        except Exception as error:  # keep checking against the regions we have
            log.warning(
                "could not read the registry's regions again (%s); keeping the previous ones", type(error).__name__
            )
            continue
        if tree.regions != gateway.tree.regions:
            gateway.tree = tree
            log.info("the registry's regions changed: %d regions now", len(tree.regions))


def _media_type(request: Request, types: dict) -> str:
    header = request.headers.get("content-type", "")
    media, *parameters = [part.strip().lower() for part in header.split(";")]
    if media not in types:
        raise Refused(415, f"send the body as {' or '.join(types)}, not {media or 'no content type'}")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            raise Refused(415, "send the body in UTF-8 (charset=utf-8)")
    return media


async def _read_body(request: Request) -> bytes:
    """The body, refused with 413 once it is known to be over the limit.

    What is over the limit is read and dropped, up to DRAIN_BYTES, unless the client waits
    for "100 Continue": a client that sends its whole body before it reads the answer (urllib,
    requests) would otherwise see the connection reset instead of the 413.
    """
    declared = request.headers.get("content-length", "")
    declared_size = int(declared) if declared.isdigit() else None
    waits_for_continue = request.headers.get("expect", "").lower() == "100-continue"
    drain = not waits_for_continue and (declared_size is None or declared_size <= DRAIN_BYTES)
    chunks: list[bytes] | None = []
    size = 0
    if declared_size is not None and declared_size > MAX_BODY_BYTES:
        chunks = None
    if chunks is not None or drain:
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    chunks = None
                    if not drain or size > DRAIN_BYTES:
                        break
                elif chunks is not None:
                    chunks.append(chunk)
        except ClientDisconnect:  # nobody is left to read the answer; it is counted as the client's fault
            raise Refused(400, "the client went away before the body was complete") from None
    if chunks is None:
        raise Refused(413, f"a request body holds at most {MAX_BODY_BYTES // 2**20} MB; split the batch")
    return b"".join(chunks)


def _probe(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:  # a probe that fails says "unreachable"; /healthz itself answers
        return False


def _summary(result: ImportResult, dry_run: bool) -> dict:
    return {
        "accepted": result.accepted,
        "rejected": [
            {"index": r.index, "line": r.line, "reason": r.reason, "detail": r.detail} for r in result.rejected
        ],
        "dry_run": dry_run,
    }


def _empty_summary() -> dict:
    return {"accepted": 0, "rejected": [], "dry_run": False, "not_published": []}


class RequestMetrics:
    """ASGI middleware: every HTTP request counted by endpoint and status, and timed."""

    def __init__(self, app, metrics: GatewayMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500

        async def send_with_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            self.metrics.observe_request(scope["path"], status, time.perf_counter() - started)
