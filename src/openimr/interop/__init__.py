"""Exchange with other systems: FHIR R4 (a determination as a ClaimResponse, a case as a
Claim in a Bundle) — see :mod:`openimr.interop.fhir`."""
