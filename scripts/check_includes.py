#!/usr/bin/env python3
"""Fails when a non-test file under src/ includes what its folder may not.

The rules (src/services/README.md, "What a service may include"):
  common/        includes only common/.
  storage/       includes only common/ and storage/.
  events/        includes only common/, storage/ and events/: never a service.
  iam/           includes only common/ and iam/ (the policy engine).
  services/<x>/  includes common/, storage/, iam/, services/service.h and
                 services/operation_calls.h (the core's seams), auth/crypto.h (hashes
                 and HMACs, a leaf on OpenSSL), auth/checksum.h (S3's object
                 checksums), auth/jwt.h and auth/jwks.h, auth/sigv4.h (signing)
                 (JSON Web Tokens, OpenID issuers' key sets), its own folder
                 (subfolders such as services/dynamodb/model/ included),
                 the public headers of events/ (EVENTS_PUBLIC), the payload
                 streams of http/ (HTTP_PAYLOAD) and its outbound client
                 (HTTP_CLIENT), runtime/ when
                 <x> is in RUNTIME_USERS, and another service only through
                 services/<y>/api.h.
  services/ itself (service.h, the registry) may include any service: the
                 registry is where services are wired.
Test files (*_test.cc, *_bench.cc, test_*.h, testing/ and tests/ folders) are
not checked: a test may reach into what it tests.

Usage: check_includes.py SRC_DIR   (exit 1 and one line per violation)
"""
import pathlib
import re
import sys

# The headers of events/ that services use; the rest of events/ is its own.
EVENTS_PUBLIC = {
    "events/target.h",        # Target, Targets, Arn: deliver to an ARN
    "events/delivery.h",      # Delivery, Outcome, RetryPolicy
    "events/source.h",        # QueueSource: what event source mappings read
    "events/stream_source.h",  # StreamSource: the streams they read
    "events/binding.h",       # the Binding a bind() returns
    "events/async_invoke.h",  # the async-invoke queue a function owner runs
    "events/mappings.h",      # event source mappings a function owner runs
    "events/pattern.h",       # event patterns (Lambda's FilterCriteria)
    "events/schedule.h",      # rate/cron/at expressions and time zones
    "events/target_queue.h",  # durable deliveries with retry policy and DLQ
    "events/role_action.h",   # the action a delivery as a role needs
    "events/subject.h",       # the Subject of a delivery to an SNS topic
}
# The streamed payloads service.h carries (docs/edge.md): a request body to
# read, a file to answer with, events to answer with (event streams).
HTTP_PAYLOAD = {"http/body.h", "http/file_body.h", "http/event_payload.h", "http/piece_pool.h"}
# The outbound clients (each on its own thread and loop) for services that
# call endpoints their users name: SNS http/https subscriptions, the keys of
# JWT authorizers' issuers; SNS email subscriptions' SMTP relay.
HTTP_CLIENT = {"http/client.h", "http/message.h", "http/smtp_client.h", "http/status.h"}
# The core's headers every service may use: the service interface and the
# in-process operation calls (CloudFormation, Step Functions and Scheduler
# call other services' operations through it).
CORE_SEAMS = {"services/service.h", "services/operation_calls.h"}
# Hashes and HMACs (auth/crypto.h depends on OpenSSL only): one copy for the
# services that digest content instead of one EVP wrapper each.
SHARED_UTILITIES = {
    "auth/crypto.h",  # hashes and HMACs, a leaf on OpenSSL
    # S3's object checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256): the
    # digests auth/ checks a body against, stored and answered by S3.
    "auth/checksum.h",
    # The template library's JSON/YAML document reader (pure, no service):
    # API Gateway reads OpenAPI documents in either form with it.
    "services/cloudformation/template/document.h",
    # JSON Web Tokens and OpenID issuers' key sets: API Gateway's JWT
    # authorizers and STS AssumeRoleWithWebIdentity verify tokens with them.
    "auth/jwt.h",
    "auth/jwks.h",
    # SigV4 signing: Step Functions' API Gateway task signs its request as a
    # session of the state machine's role (AuthType IAM_ROLE).
    "auth/sigv4.h",
    # IAM's events::RoleCheck (header-only, on services/iam/api.h and
    # events/role_action.h): Lambda sends its destinations as the execution
    # role with it.
    "services/iam/role_check.h",
}
# Services that run functions.
RUNTIME_USERS = {"lambda"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def is_test(path: pathlib.Path) -> bool:
    name = path.name
    return (name.endswith(("_test.cc", "_bench.cc")) or name.startswith("test_")
            or "testing" in path.parts or "tests" in path.parts)


def allowed(rel: pathlib.PurePosixPath, inc: str) -> bool:
    top = rel.parts[0]
    if "/" not in inc:  # a header next to the file
        return True
    area = inc.split("/")[0]
    if top == "common":
        return area == "common"
    if top == "storage":
        return area in ("common", "storage")
    if top == "events":
        return area in ("common", "storage", "events")
    if top == "iam":
        return area in ("common", "iam")
    if top != "services":
        return True
    if len(rel.parts) == 2:  # services/service.h, registry.{h,cc}
        return True
    own = rel.parts[1]
    if area in ("common", "storage") or inc in CORE_SEAMS or inc in SHARED_UTILITIES:
        return True
    if area == "iam":  # the policy engine library (src/iam/), on common/ only
        return True
    if area == "events":
        return inc in EVENTS_PUBLIC
    if area == "http":
        return inc in HTTP_PAYLOAD or inc in HTTP_CLIENT
    if area == "runtime":
        return own in RUNTIME_USERS
    parts = inc.split("/")
    if area == "services" and len(parts) >= 3:  # its own folder (and subfolders), else api.h
        return parts[1] == own or (len(parts) == 3 and parts[2] == "api.h")
    return False


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    bad = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cc") or is_test(path.relative_to(src)):
            continue
        rel = pathlib.PurePosixPath(path.relative_to(src).as_posix())
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in INCLUDE.finditer(text):
            if not allowed(rel, m.group(1)):
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"src/{rel}:{line}: may not include \"{m.group(1)}\"")
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} forbidden include(s); the rules: scripts/check_includes.py, "
              "src/services/README.md")
        return 1
    print("includes follow the rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
