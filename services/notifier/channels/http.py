"""HTTP POST of a JSON body: 2xx is delivered; any other status or a connection error is not."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from services.notifier.channels import DeliveryFailed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body: treat 3xx as a failure."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: object, *, headers: dict[str, str] | None = None, timeout: float = 10.0) -> int:
    """POST `body` as JSON; returns the 2xx status or raises DeliveryFailed."""
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "ucj-notifier", **(headers or {})},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(200).decode(errors="replace").strip()
        raise DeliveryFailed(f"HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryFailed(f"cannot reach {url}: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
    return status
