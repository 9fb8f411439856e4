"""Custom search attributes operators filter on in the Web UI (all Keyword).

- Operations: TenantId, Service, Operation, OperationStatus.
- Long-running business workflows (cycles, fan-outs, follow-ups): TenantId, Kind, Status.
"""

from temporalio.common import SearchAttributeKey

TENANT_ID = SearchAttributeKey.for_keyword("TenantId")
SERVICE = SearchAttributeKey.for_keyword("Service")
OPERATION = SearchAttributeKey.for_keyword("Operation")
OPERATION_STATUS = SearchAttributeKey.for_keyword("OperationStatus")
KIND = SearchAttributeKey.for_keyword("Kind")
STATUS = SearchAttributeKey.for_keyword("Status")

ALL = (TENANT_ID, SERVICE, OPERATION, OPERATION_STATUS, KIND, STATUS)
