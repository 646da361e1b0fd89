"""One pure normaliser per delivery source: raw payload in, normalised events out (no database).

Each module offers `normalise(event_type: str, payload: dict, *, incident_label: str) -> Normalised`
and raises `PayloadError` naming the field that is missing or of the wrong type. Signature checks
live in `signatures.py`; the shapes of the normalised events in `events.py`.
"""
