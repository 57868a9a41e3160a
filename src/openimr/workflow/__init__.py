"""Case workflow: lifecycle state machine, eligibility, deadlines, assignment, sign-off.

Pure rule functions (``eligibility``, ``deadlines``, ``assignment``, ``signoff``) read their
numbers from ``rules/*.yaml``; :class:`~openimr.workflow.service.Workflow` runs them against
the store, one transaction and one set of audit entries per operation.
"""

from openimr.errors import ComponentUnavailable
from openimr.workflow.schemas import Actor, Application, Role
from openimr.workflow.service import Workflow
from openimr.workflow.states import CaseStatus

__all__ = ["Actor", "Application", "CaseStatus", "ComponentUnavailable", "Role", "Workflow"]
