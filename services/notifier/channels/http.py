"""HTTP POST of a JSON body: 2xx is delivered; any other status or a connection error is not.

Given a secret, the POST carries X-UCJ-Signature over the exact bytes sent.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Callable
from urllib.parse import urlsplit

from services.notifier import signature
from services.notifier.channels import DeliveryFailed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body: treat 3xx as a failure."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(
    url: str,
    body: object,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    signing_secret: str | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    """POST `body` as JSON, signed when `signing_secret` is given; returns the 2xx status or
    raises DeliveryFailed."""
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "ucj-notifier", **(headers or {})}
    if signing_secret is not None:
        headers[signature.HEADER] = signature.sign(signing_secret, data, int(clock()))
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(200).decode(errors="replace").strip()
        raise DeliveryFailed(f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryFailed(f"cannot reach {_host(url)}: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
    return status


def _host(url: str) -> str:
    """Host and port of a URL, for errors and logs: a webhook URL's path and query may hold a token."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
