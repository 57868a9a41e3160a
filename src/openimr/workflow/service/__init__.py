"""The case workflow against the store: one module per concern, one unit of work each.

:class:`Workflow` gathers them for callers (the API, the workbench, the command line).
"""

from openimr.workflow.service.documents import MAX_DOCUMENT_BYTES
from openimr.workflow.service.workflow import Workflow

__all__ = ["MAX_DOCUMENT_BYTES", "Workflow"]
