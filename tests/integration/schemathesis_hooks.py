"""Schemathesis hooks for the gateway's document, for this suite and for the CLI:

    SCHEMATHESIS_HOOKS=tests.integration.schemathesis_hooks .venv/bin/st run \
        http://127.0.0.1:8080/openapi.json -H "Authorization: Bearer $KEY" --checks not_a_server_error
"""

import schemathesis

# JSON Lines is text on the wire; the document declares its body as a string
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
