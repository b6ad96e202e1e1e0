"""What the edge does to an event before validation: a NIK becomes a participant_id.

Registration systems know a worker by NIK. The gateway, EventPublisher and `ucj produce
--pseudonymize` all call pseudonymize_fields, so every path gives the same participant_id
for the same NIK however it was typed, and the NIK itself goes no further.
"""

from __future__ import annotations

from typing import Any

from .nik import digits_of, nik_problem, normalize_nik
from .pseudonym import Pseudonymizer
from .validation import Rejected

NIK_FIELD = "nik"
_MALFORMED = "nik must be the 16 digits of a NIK, optionally grouped by spaces, dots, dashes or slashes"


def pseudonymize_fields(obj: dict[str, Any], pseudonymizer: Pseudonymizer) -> dict[str, Any] | Rejected:
    """`obj` with its nik field replaced by the NIK's participant_id, in the same place.

    An object without a nik (or with a null one, which is an absent field) comes back without
    it and otherwise unchanged, the same object when it had no nik key at all. No detail ever
    shows the NIK's digits.
    """
    if NIK_FIELD not in obj:
        return obj
    nik = obj[NIK_FIELD]
    if nik is None:
        return {key: value for key, value in obj.items() if key != NIK_FIELD}
    if obj.get("participant_id") is not None:
        return Rejected("nik_and_participant_id", "give nik or participant_id, not both")
    if not isinstance(nik, str):
        # as a number, spreadsheets keep 15 digits and JavaScript about as many
        return Rejected("bad_nik", "nik must be a JSON string")
    digits = normalize_nik(nik)
    if digits is None:
        return Rejected("bad_nik", nik_problem(digits_of(nik)) or _MALFORMED)
    pseudonymized = {}
    for key, value in obj.items():
        if key == NIK_FIELD:
            pseudonymized["participant_id"] = pseudonymizer.participant_id(digits)
        elif key != "participant_id":  # a null one, which the pseudonym replaces
            pseudonymized[key] = value
    return pseudonymized
