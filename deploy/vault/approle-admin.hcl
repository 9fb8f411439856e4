# Policy of the person or job that runs deploy/vault/setup-approle.sh (not a root token):
# it enables AppRole, writes the two service policies and the two roles, and issues secret ids.
path "sys/auth" { capabilities = ["read"] }
path "sys/auth/approle" { capabilities = ["create", "update", "sudo"] }
path "sys/policies/acl/omniops" { capabilities = ["create", "read", "update"] }
path "sys/policies/acl/omniops-browser" { capabilities = ["create", "read", "update"] }
path "auth/approle/role/omniops" { capabilities = ["create", "read", "update"] }
path "auth/approle/role/omniops-browser" { capabilities = ["create", "read", "update"] }
path "auth/approle/role/omniops/role-id" { capabilities = ["read"] }
path "auth/approle/role/omniops-browser/role-id" { capabilities = ["read"] }
path "auth/approle/role/omniops/secret-id" { capabilities = ["create", "update"] }
path "auth/approle/role/omniops-browser/secret-id" { capabilities = ["create", "update"] }
