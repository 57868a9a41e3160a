"""Publication: the de-identified letter and record that the DWC publishes (LC 4610.6(i)).

``redactor_for(parties, case_file)`` builds the redactor for one case (the identities the case
file lists, then detectors for identifiers nobody listed); ``publish(determination, redactor,
fmt)`` gives the publishable letter or record, checked for any listed identity that survived.
"""

from openimr.publication.identities import Identities, Role, identities_from
from openimr.publication.publish import (
    PublicationError,
    Published,
    PublishFormat,
    publish,
    publish_determination,
    redactor_for,
)
from openimr.publication.redact import Redaction, Redactor

__all__ = [
    "Identities",
    "PublicationError",
    "PublishFormat",
    "Published",
    "Redaction",
    "Redactor",
    "Role",
    "identities_from",
    "publish",
    "publish_determination",
    "redactor_for",
]
