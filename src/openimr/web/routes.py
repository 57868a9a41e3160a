"""Every page of the workbench, gathered into one router under ``/workbench``.

One module per part: :mod:`.signin`, :mod:`.queue` (the queue, next case), :mod:`.review`
(case, draft, sign-off), :mod:`.files` (letters, documents), :mod:`.intake`, :mod:`.registry`
(reviewers) and :mod:`.accounts` (users); :mod:`.session` and :mod:`.failures` hold what they
share.
"""

from __future__ import annotations

from fastapi import APIRouter

from openimr.web import accounts, files, intake, queue, registry, review, signin

router = APIRouter()
for part in (signin, queue, review, files, intake, registry, accounts):
    router.include_router(part.router)
