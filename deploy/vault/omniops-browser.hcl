# Policy of the browser (operations) worker: it holds nothing worth stealing (issue 10, part 4).
# It reads the payload/object-store keyring (the Temporal payload codec and the encrypted
# screenshot/checkpoint store need it) and response-wraps a value it extracted, so the agent
# worker can store it. It reads no tenant credential: each session's credential reaches it as a
# single-use wrapping token, which authenticates itself at sys/wrapping/unwrap.
# Tokens with this policy are created without the default policy (no_default_policy).
path "secret/data/omniops/keys/payload" {
  capabilities = ["read"]
}
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
