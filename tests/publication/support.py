"""What the publication tests share: paths, and one case's parties."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "letters" / "openimr-determination.json"
SHARED = ROOT.parent / "shared"

PARTIES = {
    "claimant": {
        "name": "María José García-Hernández",
        "aliases": ["Lupe Garcia"],
        "date_of_birth": "1971-03-14",
        "phones": ["(559) 555-0134"],
        "emails": ["mgarcia71@example.com"],
        "addresses": ["1234 West Shaw Avenue, Apt 5, Fresno, CA 93721"],
        "identifiers": ["MRN 00123456"],
    },
    "claim_numbers": ["05-123456-789"],
    "employer": {"name": "Acme Roofing Inc."},
    "claims_administrator": {"name": "Golden State Mutual Insurance Company"},
    "providers": [
        {"name": "Oluwaseun Adeyemi, MD"},
        {"name": "Valley Orthopedic Group"},
        {"name": "Nguyen Thi Hoa"},
    ],
    "ur_physicians": [{"name": "Chen, Lee"}],
    "reviewer": {"name": "William Phalen"},
    "others": [{"name": "Siobhan O'Connor"}],
}
