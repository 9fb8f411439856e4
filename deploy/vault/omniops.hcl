# Policy for the OmniOps services (API and workers). KV v2 mounted at secret/.
# Tenant credentials: written by the API and the browser worker, read by the browser worker
# and the connection test. Never listed across tenants by the services.
path "secret/data/omniops/tenants/*" {
  capabilities = ["create", "read", "update"]
}
path "secret/metadata/omniops/tenants/*" {
  capabilities = ["delete"]
}
# The payload/object-store keyring: read by every service; rotated by an operator only.
path "secret/data/omniops/keys/payload" {
  capabilities = ["read"]
}
