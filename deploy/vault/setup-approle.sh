#!/usr/bin/env bash
# AppRole logins for the services (deploy/compose.yaml, the Helm chart); run with VAULT_ADDR and
# VAULT_TOKEN of an admin holding deploy/vault/approle-admin.hcl (never a service's token).
#
#   role omniops          policy omniops.hcl          the API, agent, messaging, documents workers
#   role omniops-browser  policy omniops-browser.hcl  the operations (browser) worker; no default policy
#
# Tokens live 1 h (renewed by logging in again at two thirds, core/vault_auth.py), at most 24 h;
# secret ids do not expire but are bound to the CIDR in SECRET_ID_CIDR when set. Prints the role
# ids (put them in .env: VAULT_ROLE_ID, VAULT_BROWSER_ROLE_ID) and writes the secret ids to
# ${OUT:-deploy/secrets}/vault-secret-id and vault-browser-secret-id (mode 600).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${OUT:-$here/../secrets}"
vault_bin="$(command -v vault || command -v bao)"
mkdir -p "$out" && chmod 700 "$out"
"$vault_bin" auth list -format=json | grep -q '"approle/"' || "$vault_bin" auth enable approle
"$vault_bin" policy write omniops "$here/omniops.hcl"
"$vault_bin" policy write omniops-browser "$here/omniops-browser.hcl"
cidr=()
[ -n "${SECRET_ID_CIDR:-}" ] && cidr=("secret_id_bound_cidrs=$SECRET_ID_CIDR")
"$vault_bin" write auth/approle/role/omniops token_policies=omniops token_ttl=1h token_max_ttl=24h \
  secret_id_ttl=0 "${cidr[@]}"
"$vault_bin" write auth/approle/role/omniops-browser token_policies=omniops-browser \
  token_no_default_policy=true token_ttl=1h token_max_ttl=24h secret_id_ttl=0 "${cidr[@]}"
for role in omniops omniops-browser; do
  file="$out/vault-secret-id"; [ "$role" = omniops-browser ] && file="$out/vault-browser-secret-id"
  (umask 077 && "$vault_bin" write -f -field=secret_id "auth/approle/role/$role/secret-id" >"$file")
  echo "$role role id: $("$vault_bin" read -field=role_id "auth/approle/role/$role/role-id")"
done
