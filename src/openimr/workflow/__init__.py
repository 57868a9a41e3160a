"""Case workflow: lifecycle state machine, eligibility, deadlines, assignment, sign-off.

Pure rule functions (``eligibility``, ``deadlines``, ``assignment``, ``signoff``) read their
numbers from ``rules/*.yaml``; the modules of :mod:`openimr.workflow.service` run them against
the store, one transaction and one set of audit entries per operation, and
:class:`~openimr.workflow.service.Workflow` gathers them for callers.
"""

from openimr.errors import ComponentUnavailable
from openimr.workflow.schemas import Actor, Application, Role
from openimr.workflow.service import MAX_DOCUMENT_BYTES, Workflow
from openimr.workflow.states import CaseStatus

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "Actor",
    "Application",
    "CaseStatus",
    "ComponentUnavailable",
    "Role",
    "Workflow",
]
