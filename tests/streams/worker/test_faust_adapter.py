"""The worker's uses of Faust beyond its documented API hold for the installed version."""

from importlib.metadata import version

import faust
import pytest

from streams.worker.faust_adapter import AIOKAFKA_VERSION, BUILT_IN_PAGES_OFF, FAUST_VERSION, serve_own_pages_only


def test_faust_is_the_version_the_adapter_was_checked_against():
    installed = version("faust-streaming")
    assert installed == FAUST_VERSION, (
        f"faust-streaming is {installed}, streams/worker/faust_adapter.py was checked against {FAUST_VERSION}: "
        "read each of its functions against the new version's source, then move FAUST_VERSION"
    )


def test_aiokafka_is_the_version_the_adapter_was_checked_against():
    installed = version("aiokafka")
    assert installed == AIOKAFKA_VERSION, (
        f"aiokafka is {installed}, streams/worker/faust_batches.py was checked against {AIOKAFKA_VERSION}: "
        "check that AIOKafkaConsumer.start still hands _fetch_max_wait_ms to its Fetcher, then move AIOKAFKA_VERSION"
    )


def app_with_a_page(**settings) -> faust.App:
    app = faust.App("ucj-adapter-test", broker="kafka://127.0.0.1:1", **settings)

    @app.page("/status")
    async def status(view, request):
        return view.json({})

    return app


def served_paths(app: faust.App) -> set[str]:
    app.web.init_server()  # mounts the pages as the web server does when it starts
    return {route.resource.canonical for route in app.web.web_app.router.routes()}


def test_faust_mounts_its_own_pages_unless_told_not_to():
    assert {"/table/", "/router/", "/"} <= served_paths(app_with_a_page())
    assert served_paths(app_with_a_page(**BUILT_IN_PAGES_OFF)) == {"/status", "/"}  # no setting for the index


def test_only_the_apps_own_pages_are_served():
    app = app_with_a_page(**BUILT_IN_PAGES_OFF)
    serve_own_pages_only(app)
    assert served_paths(app) == {"/status"}
    with pytest.raises(RuntimeError):  # too late once the server mounted its pages
        serve_own_pages_only(app)
