"""The HTTP API's Lambda authorizer (payload format 2.0, simple responses):
the request is let through when its Authorization header is
`Bearer <API_TOKEN>`. A request without the header never reaches this
function (the gateway answers 401); a wrong token is 403."""

import hmac
import os


def handler(event, context):
    header = (event.get("headers") or {}).get("authorization", "")
    scheme, _, token = header.partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(
        token.encode(), os.environ["API_TOKEN"].encode())
    return {"isAuthorized": ok, "context": {"scheme": "bearer-token"}}
