"""The workspace store: rounds, submissions by content hash, results, review decisions."""

from .workspace import Current, Store, StoreError, SubmissionRow, UnitRow, fingerprint

__all__ = ["Current", "Store", "StoreError", "SubmissionRow", "UnitRow", "fingerprint"]
