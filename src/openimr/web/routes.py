"""Every page of the workbench, gathered into one router under ``/workbench``.

One module per part: :mod:`.signin`, :mod:`.queue` (the queue, next case), :mod:`.review`
(case, draft, sign-off), :mod:`.files` (letters, documents), :mod:`.intake`, :mod:`.registry`
(reviewers), :mod:`.accounts` (users) and :mod:`.corpus` (published decisions); :mod:`.session`
and :mod:`.failures` hold what they share.
"""

from __future__ import annotations

from fastapi import APIRouter

from openimr.web import accounts, corpus, files, intake, queue, registry, review, signin

router = APIRouter()
for part in (signin, queue, review, files, intake, registry, accounts, corpus):
    router.include_router(part.router)
