# Policy for the OmniOps services (API and workers). KV v2 mounted at secret/.
# Tenant credentials: written by the API and the browser worker, read by the browser worker
# and the connection test. Never listed across tenants by the services.
path "secret/data/omniops/tenants/*" {
  capabilities = ["create", "read", "update"]
}
path "secret/metadata/omniops/tenants/*" {
  capabilities = ["delete"]
}
# The legacy payload/object-store keyring: read by every service; rotated by an operator only.
path "secret/data/omniops/keys/payload" {
  capabilities = ["read"]
}
# Per-tenant and platform payload keyrings and per-tenant credential fingerprint keys (issue 11):
# created on first use with check-and-set cas=0 (create, never update: a service cannot replace
# or rotate a key, only an operator token can: python -m core.keys rotate).
path "secret/data/omniops/keys/tenants/+/payload" {
  capabilities = ["create", "read"]
}
path "secret/data/omniops/keys/tenants/+/fingerprint" {
  capabilities = ["create", "read"]
}
# Per-tenant one-click unsubscribe token keys (issue 13 item 6): created on first send, never rotated.
path "secret/data/omniops/keys/tenants/+/unsubscribe" {
  capabilities = ["create", "read"]
}
# Crypto-shredding (issue 16 Build 3, an owner's erasure run by the agent worker): per-operation
# keyrings (screenshots, checkpoints; core/operation_keys.py) are created and read like the
# others, listed per tenant and deleted with every version; a tenant's own keys are deleted when
# the whole tenant is erased.
path "secret/data/omniops/keys/tenants/+/operations/+" {
  capabilities = ["create", "read"]
}
path "secret/metadata/omniops/keys/tenants/+/operations" {
  capabilities = ["list"]
}
path "secret/metadata/omniops/keys/tenants/+/operations/" {
  capabilities = ["list"]
}
path "secret/metadata/omniops/keys/tenants/+/operations/+" {
  capabilities = ["delete"]
}
path "secret/metadata/omniops/keys/tenants/+/payload" {
  capabilities = ["delete"]
}
path "secret/metadata/omniops/keys/tenants/+/fingerprint" {
  capabilities = ["delete"]
}
path "secret/metadata/omniops/keys/tenants/+/unsubscribe" {
  capabilities = ["delete"]
}
path "secret/data/omniops/keys/platform/payload" {
  capabilities = ["create", "read"]
}
# The audit digests' Transit key (issue 16): sign and verify only; the key never leaves Vault
# (not exportable), and no service may rotate, read, back up or delete it.
path "transit/sign/omniops-audit" {
  capabilities = ["update"]
}
path "transit/verify/omniops-audit" {
  capabilities = ["update"]
}
