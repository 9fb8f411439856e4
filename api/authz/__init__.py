"""Authorization (issue 11): the matrix (:mod:`api.authz.matrix`), the one guard that enforces
it (:mod:`api.authz.guard`), the operator audit hook (:mod:`api.authz.audit`) and the README's
table (:mod:`api.authz.markdown`; ``python -m api.authz --markdown``)."""

from api.authz.audit import audit_operator
from api.authz.guard import authorize
from api.authz.matrix import MATRIX
from api.authz.rule import Rule

__all__ = ["MATRIX", "Rule", "audit_operator", "authorize"]
