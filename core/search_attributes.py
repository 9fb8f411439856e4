"""Custom search attributes operators filter on in the Web UI (all Keyword)."""

from temporalio.common import SearchAttributeKey

TENANT_ID = SearchAttributeKey.for_keyword("TenantId")
SERVICE = SearchAttributeKey.for_keyword("Service")
OPERATION = SearchAttributeKey.for_keyword("Operation")
OPERATION_STATUS = SearchAttributeKey.for_keyword("OperationStatus")

ALL = (TENANT_ID, SERVICE, OPERATION, OPERATION_STATUS)
