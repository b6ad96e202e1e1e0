"""Coverage stream processing: the Faust worker, its Kafka-free core (domain/) and the adapters between."""

from .native import refuse_stale

refuse_stale()  # never run compiled code built from sources that are no longer there
