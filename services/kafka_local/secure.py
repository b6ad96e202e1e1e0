"""The secure local broker: SCRAM passwords in files, the listener settings, and the ACLs applied.

A data dir with a credentials/ directory is a secure broker's. Each principal's password is
generated once, into credentials/<principal>.password (mode 0600, the directory 0700), and
added to the cluster's metadata when the storage is formatted (KIP-900), so the broker
authenticates from its first start. Nothing here has a default password.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from services.kafka_local.principals import ADMIN, BROKER, GRANTS, PRINCIPALS, SUPER_USERS, Grant
from streams.kafka_access import KafkaAccess

log = logging.getLogger(__name__)

MECHANISM = "SCRAM-SHA-512"
PROTOCOL = "SASL_PLAINTEXT"  # loopback only; SASL_SSL needs a certificate (docs: Deployment)


class UnknownPrincipal(ValueError):
    pass


def credentials_dir(data_dir: Path) -> Path:
    return data_dir / "credentials"


def is_secure(data_dir: Path) -> bool:
    return credentials_dir(data_dir).is_dir()


def password_file(data_dir: Path, principal: str) -> Path:
    if principal not in (*PRINCIPALS, BROKER):
        raise UnknownPrincipal(f"no principal {principal!r}; the local broker has {', '.join(PRINCIPALS)}")
    return credentials_dir(data_dir) / f"{principal}.password"


def ensure_passwords(data_dir: Path) -> dict[str, str]:
    """Every principal's password, generating the missing ones."""
    directory = credentials_dir(data_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    passwords = {}
    for principal in (BROKER, *PRINCIPALS):
        path = password_file(data_dir, principal)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32) + "\n")  # letters, digits, - and _: safe in JAAS and --add-scram
            log.info("generated the password of %s in %s", principal, path)
        passwords[principal] = path.read_text().strip()
    return passwords


def access(bootstrap: str, data_dir: Path, principal: str) -> KafkaAccess:
    """How `principal` reaches the secure broker at `bootstrap`."""
    path = password_file(data_dir, principal)
    try:
        password = path.read_text().strip()
    except FileNotFoundError:
        raise UnknownPrincipal(f"{path} does not exist: is {data_dir} a secure broker's data dir (`ucj kafka up --secure`)?") from None
    return KafkaAccess(bootstrap, PROTOCOL, MECHANISM, principal, password)


def environment(bootstrap: str, data_dir: Path, principal: str) -> dict[str, str]:
    """The settings a service runs with as `principal`: the password stays in its file."""
    path = password_file(data_dir, principal)
    if not path.is_file():
        raise UnknownPrincipal(f"{path} does not exist: is {data_dir} a secure broker's data dir (`ucj kafka up --secure`)?")
    return {
        "UCJ_KAFKA_BOOTSTRAP": bootstrap,
        "UCJ_KAFKA_SECURITY_PROTOCOL": PROTOCOL,
        "UCJ_KAFKA_SASL_MECHANISM": MECHANISM,
        "UCJ_KAFKA_USERNAME": principal,
        "UCJ_KAFKA_PASSWORD_FILE": str(path),
    }


def scram_arguments(passwords: dict[str, str]) -> list[str]:
    """StorageTool format arguments that put every principal's SCRAM credential in the metadata."""
    arguments = []
    for principal, password in passwords.items():
        arguments += ["--add-scram", f"{MECHANISM}=[name={principal},password={password}]"]
    return arguments


def listener_properties(port: int, controller_port: int, broker_password: str) -> str:
    """server.properties lines for SASL on both listeners and the ACL authorizer."""
    super_users = ";".join(f"User:{user}" for user in SUPER_USERS)
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule"
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    return f"""\
listeners={PROTOCOL}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners={PROTOCOL}://127.0.0.1:{port}
inter.broker.listener.name={PROTOCOL}
listener.security.protocol.map={PROTOCOL}:{PROTOCOL},CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms={MECHANISM}
sasl.mechanism.inter.broker.protocol={MECHANISM}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={scram} required username="{BROKER}" password="{broker_password}";
# the controller cannot use SCRAM (its credentials live in the metadata it serves): PLAIN, one user
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config={plain} required username="{BROKER}" password="{broker_password}" user_{BROKER}="{broker_password}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users={super_users}
"""


def apply_grants(admin_access: KafkaAccess) -> int:
    """Create every ACL of principals.GRANTS (Kafka ignores one that exists); returns how many."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(**admin_access.kafka_python(client_id="ucj-kafka-acls"))
    try:
        result = admin.create_acls([_acl(grant) for grant in GRANTS])
    finally:
        admin.close()
    if result.get("failed"):
        acl, error = result["failed"][0]
        raise RuntimeError(f"the broker refused an ACL ({acl}): {error}")
    return len(GRANTS)


def granted(admin_access: KafkaAccess) -> list[str]:
    """The ACLs the broker holds, one line each, sorted."""
    from kafka.admin import ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient, ResourcePatternFilter, ResourceType

    admin = KafkaAdminClient(**admin_access.kafka_python(client_id="ucj-kafka-acls"))
    try:
        everything = ACLFilter(None, "*", ACLOperation.ANY, ACLPermissionType.ANY, ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        acls, error = admin.describe_acls(everything)
    finally:
        admin.close()
    if error.errno:
        raise RuntimeError(f"the broker did not list its ACLs: {error}")
    lines = []
    for acl in acls:
        pattern = acl.resource_pattern
        grant = Grant(acl.principal.removeprefix("User:"), acl.operation.name, pattern.resource_type.name, pattern.resource_name, pattern.pattern_type.name == "PREFIXED")
        lines.append(f"{acl.permission_type.name.lower():<5} {grant}")
    return sorted(lines)


def _acl(grant: Grant):
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourceType

    pattern = ACLResourcePatternType.PREFIXED if grant.prefixed else ACLResourcePatternType.LITERAL
    return ACL(
        principal=f"User:{grant.principal}",
        host="*",
        operation=ACLOperation[grant.operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(ResourceType[grant.resource], grant.name, pattern),
    )
