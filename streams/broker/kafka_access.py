"""How every Kafka client of the project reaches the broker: address, protocol, identity, trust.

One value, built once from the settings (services/common/config.py reads them from the environment),
turned here into the keyword arguments of each client library: kafka-python for the services,
Faust (and through it aiokafka) for the worker. No client is configured anywhere else.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path

PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
DEFAULT_MECHANISM = "SCRAM-SHA-512"


class KafkaAccessError(ValueError):
    """The Kafka settings do not fit together; the message says which and how."""


@dataclass(frozen=True)
class KafkaAccess:
    bootstrap: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = DEFAULT_MECHANISM
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None  # PEM bundle the broker's certificate must chain to; None: the system store

    def __post_init__(self) -> None:
        if self.security_protocol not in PROTOCOLS:
            raise KafkaAccessError(
                f"UCJ_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}, got {self.security_protocol!r}"
            )
        if self.sasl and self.sasl_mechanism not in MECHANISMS:
            raise KafkaAccessError(
                f"UCJ_KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}, got {self.sasl_mechanism!r}"
            )
        if self.sasl and not (self.username and self.password):
            raise KafkaAccessError(
                f"{self.security_protocol} needs UCJ_KAFKA_USERNAME and UCJ_KAFKA_PASSWORD (or UCJ_KAFKA_PASSWORD_FILE); "
                "`ucj kafka credentials PRINCIPAL` prints them for the local broker"
            )
        if not self.sasl and (self.username or self.password):
            raise KafkaAccessError(
                f"a Kafka username or password is set but UCJ_KAFKA_SECURITY_PROTOCOL is {self.security_protocol}, which sends none; use SASL_PLAINTEXT or SASL_SSL"
            )
        if self.ca_file and not self.tls:
            raise KafkaAccessError(
                f"UCJ_KAFKA_CA_FILE is set but UCJ_KAFKA_SECURITY_PROTOCOL is {self.security_protocol}, which does not use TLS; use SSL or SASL_SSL"
            )
        if self.ca_file and not Path(self.ca_file).is_file():
            raise KafkaAccessError(f"UCJ_KAFKA_CA_FILE {self.ca_file} is not a readable file")

    @property
    def sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def describe(self) -> str:
        """For logs and errors: where, as whom, how; never the password."""
        who = f" as {self.username}" if self.sasl else ""
        return f"{self.bootstrap}{who} ({self.security_protocol})"

    def reachable(self, timeout: float = 2.0) -> bool:
        """Does any bootstrap server accept a TCP connection? Sends nothing, so proves no login."""
        for address in self.bootstrap.split(","):
            host, _, port = address.strip().rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
                    return True
            except (OSError, ValueError):
                continue
        return False

    def tls_refusal(self, timeout: float = 3.0) -> str | None:
        """Why this client's TLS handshake with the broker fails, in one clause; None if it succeeds
        (or this access uses no TLS, or no bootstrap server accepts a connection at all).

        Sends a TLS handshake and nothing of Kafka's, so it tells an untrusted certificate or a
        port that does not speak TLS from a refused login, which kafka-python reports alike.
        """
        if not self.tls:
            return None
        try:
            context = self.ssl_context()
        except KafkaAccessError as error:
            return str(error)
        assert context is not None  # self.tls
        for address in self.bootstrap.split(","):
            host, _, port = address.strip().rpartition(":")
            host = host.strip("[]")
            try:
                connection = socket.create_connection((host, int(port)), timeout=timeout)
            except (OSError, ValueError):
                continue
            trusted = f"UCJ_KAFKA_CA_FILE {self.ca_file}" if self.ca_file else "the system's CA certificates"
            try:
                with context.wrap_socket(connection, server_hostname=host):
                    return None
            except ssl.SSLCertVerificationError as error:
                return f"the certificate of {address.strip()} did not verify against {trusted} ({error.verify_message})"
            except (ssl.SSLError, OSError) as error:
                return f"{address.strip()} did not complete a TLS handshake ({error.__class__.__name__}: {error}); is it a TLS listener?"
            finally:
                connection.close()
        return None

    def ssl_context(self) -> ssl.SSLContext | None:
        """Verifies the broker's certificate and host name, against the CA file or the system store."""
        if not self.tls:
            return None
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as error:
            raise KafkaAccessError(
                f"UCJ_KAFKA_CA_FILE {self.ca_file} holds no usable CA certificate ({error})"
            ) from None

    def kafka_python(self, **settings) -> dict:
        """Keyword arguments for kafka-python's KafkaProducer, KafkaConsumer and KafkaAdminClient."""
        config: dict = dict(bootstrap_servers=self.bootstrap, security_protocol=self.security_protocol)
        if self.sasl:
            config.update(
                sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.username, sasl_plain_password=self.password
            )
        if self.tls:
            config.update(ssl_context=self.ssl_context())
        config.update(settings)
        return config

    def faust(self) -> dict:
        """Settings for faust.App: the broker URL and credentials (Faust hands them to aiokafka)."""
        import faust

        config: dict = dict(broker="kafka://" + self.bootstrap.replace(",", ";kafka://"))
        if self.sasl:
            config["broker_credentials"] = faust.SASLCredentials(
                username=self.username,
                password=self.password,
                mechanism=self.sasl_mechanism,
                ssl_context=self.ssl_context(),
            )
        elif self.tls:
            config["broker_credentials"] = faust.SSLCredentials(self.ssl_context())
        return config


def kafka_access(kafka: KafkaAccess | str) -> KafkaAccess:
    """A bootstrap address alone means a broker without authentication (local development)."""
    return kafka if isinstance(kafka, KafkaAccess) else KafkaAccess(kafka)
