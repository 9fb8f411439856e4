# Policy of the browser (operations) worker: it holds nothing worth stealing (issue 10, part 4).
# It reads the payload keyrings (the Temporal payload codec decodes and encodes its activities'
# payloads under the operation's tenant key; issue 11) and the legacy keyring (payloads sealed
# before issue 11, and screenshots/checkpoints stored before issue 16), and response-wraps a value it
# extracted, so the agent worker can store it. It creates no keyring (the API and the agent
# worker do, before any of its activities runs) and reads no fingerprint key: a credential's
# keyed fingerprint is computed by the agent after the unwrap. It reads no tenant credential:
# each session's credential reaches it as a single-use wrapping token, which authenticates
# itself at sys/wrapping/unwrap.
# Tokens with this policy are created without the default policy (no_default_policy).
path "secret/data/omniops/keys/payload" {
  capabilities = ["read"]
}
path "secret/data/omniops/keys/tenants/+/payload" {
  capabilities = ["read"]
}
path "secret/data/omniops/keys/platform/payload" {
  capabilities = ["read"]
}
# Per-operation keyrings of screenshots and checkpoints (issue 16, core/operation_keys.py): the
# worker seals an operation's blobs with the operation's own key, created on first use (cas=0,
# never updated); erasure deletes it (crypto-shredding), which this worker cannot do.
path "secret/data/omniops/keys/tenants/+/operations/+" {
  capabilities = ["create", "read"]
}
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
