"""The secure local broker: SCRAM passwords in files, the listener settings, and the ACLs applied.

A data dir with a credentials/ directory is a secure broker's. Each principal's password is
generated once, into credentials/<principal>.password (mode 0600, the directory 0700), and
added to the cluster's metadata when the storage is formatted (KIP-900), so the broker
authenticates from its first start. Nothing here has a default password.

A data dir with a tls/ directory also serves SASL_SSL (`ucj kafka up --secure --tls`): the same
SCRAM logins, over TLS, on PORT+2. tls/ is made once with the openssl command: ca.pem, a CA of
this data dir alone (its key is discarded once it has signed, so it can sign nothing else), and
broker.pem (mode 0600), the broker's key and its certificate for 127.0.0.1 and localhost.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import tempfile
from pathlib import Path

from services.dev.kafka_local.principals import BROKER, GRANTS, PRINCIPALS, SUPER_USERS, Grant
from streams.broker.kafka_access import KafkaAccess

log = logging.getLogger(__name__)

MECHANISM = "SCRAM-SHA-512"
PROTOCOL = "SASL_PLAINTEXT"  # loopback only; SASL_SSL needs a certificate (docs: Deployment)
TLS_PROTOCOL = "SASL_SSL"  # on PORT+2 when the data dir has tls/
TLS_HOSTS = "IP:127.0.0.1,DNS:localhost"  # the names clients may reach the broker by; they check them
CERTIFICATE_DAYS = 3650
SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"


class UnknownPrincipal(ValueError):
    pass


class CertificateError(RuntimeError):
    """openssl could not make the broker's certificate; the message says why."""


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


def access(bootstrap: str, data_dir: Path, principal: str, tls: bool = False) -> KafkaAccess:
    """How `principal` reaches the secure broker at `bootstrap` (`tls`: its SASL_SSL listener)."""
    path = password_file(data_dir, principal)
    try:
        password = path.read_text().strip()
    except FileNotFoundError:
        raise UnknownPrincipal(
            f"{path} does not exist: is {data_dir} a secure broker's data dir (`ucj kafka up --secure`)?"
        ) from None
    if tls:
        return KafkaAccess(bootstrap, TLS_PROTOCOL, MECHANISM, principal, password, str(ca_file(data_dir)))
    return KafkaAccess(bootstrap, PROTOCOL, MECHANISM, principal, password)


def environment(bootstrap: str, data_dir: Path, principal: str, tls: bool = False) -> dict[str, str]:
    """The settings a service runs with as `principal`: the password stays in its file."""
    path = password_file(data_dir, principal)
    if not path.is_file():
        raise UnknownPrincipal(
            f"{path} does not exist: is {data_dir} a secure broker's data dir (`ucj kafka up --secure`)?"
        )
    settings = {
        "UCJ_KAFKA_BOOTSTRAP": bootstrap,
        "UCJ_KAFKA_SECURITY_PROTOCOL": TLS_PROTOCOL if tls else PROTOCOL,
        "UCJ_KAFKA_SASL_MECHANISM": MECHANISM,
        "UCJ_KAFKA_USERNAME": principal,
        "UCJ_KAFKA_PASSWORD_FILE": str(path),
    }
    if tls:
        settings["UCJ_KAFKA_CA_FILE"] = str(ca_file(data_dir))
    return settings


# ---- TLS ---------------------------------------------------------------------------------------


def tls_dir(data_dir: Path) -> Path:
    return data_dir / "tls"


def ca_file(data_dir: Path) -> Path:
    """The CA certificate clients of the SASL_SSL listener trust (UCJ_KAFKA_CA_FILE)."""
    return tls_dir(data_dir) / "ca.pem"


def keystore_file(data_dir: Path) -> Path:
    """The broker's private key and certificate chain, in PEM, as Kafka reads them."""
    return tls_dir(data_dir) / "broker.pem"


def has_tls(data_dir: Path) -> bool:
    return tls_dir(data_dir).is_dir()


def ensure_certificates(data_dir: Path, openssl: str) -> Path:
    """Make tls/ once: a CA of this data dir and the broker's certificate; returns the keystore file.

    Made in a scratch directory and renamed into place, so tls/ is whole or absent.
    """
    if has_tls(data_dir):
        return keystore_file(data_dir)
    scratch = Path(tempfile.mkdtemp(prefix=".tls-", dir=data_dir))  # mode 0700
    try:
        _make_certificates(scratch, openssl, f"UCJ local Kafka CA {secrets.token_hex(4)}")
        os.chmod(scratch, 0o755)  # ca.pem is public; broker.pem stays 0600
        scratch.rename(tls_dir(data_dir))
    finally:
        if scratch.exists():
            for leftover in scratch.iterdir():
                leftover.unlink()
            scratch.rmdir()
    log.info("made a CA and the broker's TLS certificate in %s", tls_dir(data_dir))
    return keystore_file(data_dir)


def _make_certificates(directory: Path, openssl: str, ca_name: str) -> None:
    ca_key, ca_pem = directory / "ca.key", directory / "ca.pem"
    key, request, certificate = directory / "broker.key", directory / "broker.csr", directory / "broker.crt"
    extensions = directory / "broker.ext"
    extensions.write_text(
        f"subjectAltName={TLS_HOSTS}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl(
        openssl,
        "req",
        "-x509",
        *ec,
        "-keyout",
        ca_key,
        "-out",
        ca_pem,
        "-days",
        CERTIFICATE_DAYS,
        "-subj",
        f"/CN={ca_name}",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    _openssl(openssl, "req", *ec, "-keyout", key, "-out", request, "-subj", "/CN=localhost")
    _openssl(
        openssl,
        "x509",
        "-req",
        "-in",
        request,
        "-CA",
        ca_pem,
        "-CAkey",
        ca_key,
        "-set_serial",
        f"0x{secrets.token_hex(16)}",
        "-days",
        CERTIFICATE_DAYS,
        "-extfile",
        extensions,
        "-out",
        certificate,
    )
    fd = os.open(directory / "broker.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key.read_text() + certificate.read_text() + ca_pem.read_text())
    for scratch in (ca_key, key, request, certificate, extensions):
        scratch.unlink()  # the CA's key above all: this CA signs nothing else (the directory is 0700 meanwhile)
    os.chmod(ca_pem, 0o644)


def _openssl(openssl: str, *arguments) -> None:
    result = subprocess.run([openssl, *map(str, arguments)], capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise CertificateError(f"`openssl {arguments[0]}` could not make the broker's TLS certificate: {last}")


def scram_arguments(passwords: dict[str, str]) -> list[str]:
    """StorageTool format arguments that put every principal's SCRAM credential in the metadata."""
    arguments = []
    for principal, password in passwords.items():
        arguments += ["--add-scram", f"{MECHANISM}=[name={principal},password={password}]"]
    return arguments


def listener_properties(port: int, controller_port: int, broker_password: str, keystore: Path | None = None) -> str:
    """server.properties lines for SASL on every listener and the ACL authorizer.

    With a `keystore` (ensure_certificates), a SASL_SSL listener on port + 2 besides.
    """
    super_users = ";".join(f"User:{user}" for user in SUPER_USERS)
    plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
    tls_listener = f",{TLS_PROTOCOL}://127.0.0.1:{port + 2}" if keystore else ""
    return f"""\
listeners={PROTOCOL}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}{tls_listener}
advertised.listeners={PROTOCOL}://127.0.0.1:{port}{tls_listener}
inter.broker.listener.name={PROTOCOL}
listener.security.protocol.map={PROTOCOL}:{PROTOCOL},CONTROLLER:SASL_PLAINTEXT{f",{TLS_PROTOCOL}:{TLS_PROTOCOL}" if keystore else ""}
sasl.enabled.mechanisms={MECHANISM}
sasl.mechanism.inter.broker.protocol={MECHANISM}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={SCRAM_LOGIN} required username="{BROKER}" password="{broker_password}";
# the controller cannot use SCRAM (its credentials live in the metadata it serves): PLAIN, one user
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config={plain} required username="{BROKER}" password="{broker_password}" user_{BROKER}="{broker_password}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users={super_users}
""" + (_tls_listener_properties(keystore) if keystore else "")


def _tls_listener_properties(keystore: Path) -> str:
    """The SASL_SSL listener: SCRAM as on the plain one, the broker's PEM key and chain, no client certificates."""
    return f"""\
# TLS (ucj kafka up --secure --tls): clients verify this certificate against tls/ca.pem
listener.name.sasl_ssl.sasl.enabled.mechanisms={MECHANISM}
# a SCRAM listener needs a JAAS entry to start; the logins it checks live in the metadata
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config={SCRAM_LOGIN} required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location={keystore}
listener.name.sasl_ssl.ssl.client.auth=none
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
    from kafka.admin import (
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        KafkaAdminClient,
        ResourcePatternFilter,
        ResourceType,
    )

    admin = KafkaAdminClient(**admin_access.kafka_python(client_id="ucj-kafka-acls"))
    try:
        everything = ACLFilter(
            None,
            "*",
            ACLOperation.ANY,
            ACLPermissionType.ANY,
            ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
        )
        acls, error = admin.describe_acls(everything)
    finally:
        admin.close()
    if error.errno:
        raise RuntimeError(f"the broker did not list its ACLs: {error}")
    lines = []
    for acl in acls:
        pattern = acl.resource_pattern
        grant = Grant(
            acl.principal.removeprefix("User:"),
            acl.operation.name,
            pattern.resource_type.name,
            pattern.resource_name,
            pattern.pattern_type.name == "PREFIXED",
        )
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
