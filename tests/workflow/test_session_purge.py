"""Ended workbench sessions and forgotten sign-in failures are deleted as sign-ins go on, on
both backends: the tables keep what still matters (live sessions, lockouts, a day of ended
sessions) and do not grow with every sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.support import ADMIN, Clock

from openimr.errors import AccessDenied
from openimr.store.models import SigninThrottle, WebSession
from openimr.workflow import Role, Workflow


def _rows(workflow: Workflow, model: type) -> int:
    with workflow.db.session(write=False) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_sign_ins_delete_ended_sessions_and_forgotten_failures(
    workflow: Workflow, clock: Clock
) -> None:
    _, token = workflow.create_user(ADMIN, "intake-1", Role.INTAKE)
    _, signed_out = workflow.start_session(token, "198.51.100.7")
    workflow.end_session(signed_out)
    workflow.start_session(token, "198.51.100.7")  # left open: it ends when idle
    with pytest.raises(AccessDenied):
        workflow.start_session("oimr_guess", "192.0.2.1")
    assert (_rows(workflow, WebSession), _rows(workflow, SigninThrottle)) == (2, 1)

    clock.now += timedelta(hours=20)  # ended less than a day ago: kept
    _, recent = workflow.start_session(token, "198.51.100.7")
    assert (_rows(workflow, WebSession), _rows(workflow, SigninThrottle)) == (3, 1)

    clock.now += timedelta(hours=5)
    for _ in range(5):  # a lockout in force is kept however its failures age
        with pytest.raises(AccessDenied):
            workflow.start_session("oimr_guess", "192.0.2.2")
    assert _rows(workflow, SigninThrottle) == 1  # the day-old failure is forgotten
    assert _rows(workflow, WebSession) == 1  # only the session opened 5 hours ago
    assert workflow.session_actor(recent) is None  # idle for 5 hours: ended, kept a day

    clock.now += timedelta(days=1, hours=1)
    _, live = workflow.start_session(token, "198.51.100.7")
    assert _rows(workflow, WebSession) == 1 and workflow.session_actor(live) is not None
    assert _rows(workflow, SigninThrottle) == 0
