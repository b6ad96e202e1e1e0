"""The ways a message leaves the notifier: SMTP email and HTTP POST (webhooks, Alertmanager)."""


class DeliveryFailed(Exception):
    """The receiver did not accept the message; the text says why, for the delivery log."""


class DeliveryRefused(DeliveryFailed):
    """The notifier itself will not send this (its own settings are wrong, e.g. a webhook without
    a secret): the operator must act; the delivery is retried, so it goes out once they have."""
