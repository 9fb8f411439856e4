#!/usr/bin/env bash
# Idempotent provisioning of every local part OmniOps needs (DESIGN.md "Moving parts").
#
# Usage: deploy/local/provision.sh [all|tools|debian|temporal|cluster|vault|testserver|python|deploy|loadgen]
#
# Built tools are cached outside the repo in $OMNIOPS_CACHE (default ~/.cache/omniops/bin).
# A binary already on PATH always wins (that is what a user with internet access has).
set -euo pipefail

CACHE="${OMNIOPS_CACHE:-$HOME/.cache/omniops}"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
VAULT_VERSION="${VAULT_VERSION:-v1.18.0}"  # its go.mod pins api/sdk versions published with it
TEST_SERVER_VERSION="${TEST_SERVER_VERSION:-1.38.0}"
# the deploy checkers (tests/unit/test_deploy_files.py, test_prometheus_rules.py), Go modules
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.29.7}"     # github.com/docker/compose/v2
HELM_VERSION="${HELM_VERSION:-v3.16.3}"           # helm.sh/helm/v3
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.6.7}"
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.54.1}"  # module version of Prometheus 2.54.1
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-v1.29.1}"  # go.temporal.io/server: the server inside CLI v1.5.1
VEGETA_VERSION="${VEGETA_VERSION:-v12.13.0}"      # github.com/tsenart/vegeta/v12: the API benches' load generator
DEBIAN_PACKAGES=(chromium wordpress mariadb-server apache2 libapache2-mod-php php-mysql postgresql redis-server curl
                 dovecot-imapd default-jre-headless maven)
# the admin apps shipped as data besides WordPress (issue 15): Redmine (SQLite, Passenger) and Zabbix's
# frontend (its schema comes with zabbix-server-mysql; no Zabbix server process is started)
SITE_PACKAGES=(redmine redmine-sqlite libapache2-mod-passenger zabbix-frontend-php zabbix-server-mysql)
mkdir -p "$BIN" "$LOGS"

say() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

need_go() {
  command -v go >/dev/null || die "Go is missing. Install Go >= 1.22 (https://go.dev/dl) or put '$1' on PATH yourself."
}

ensure_temporal() {
  if command -v temporal >/dev/null; then say "temporal: $(command -v temporal) (PATH)"; return; fi
  if [ -x "$BIN/temporal" ]; then say "temporal: $BIN/temporal (cache)"; return; fi
  need_go temporal
  say "temporal: building $TEMPORAL_CLI_VERSION from the Go module proxy (first time only, a few minutes)"
  (cd /tmp && GOBIN="$BIN" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION") \
    >"$LOGS/temporal-build.log" 2>&1 \
    || die "temporal build failed (see $LOGS/temporal-build.log). With internet access: 'brew install temporal' or download from https://temporal.download/cli"
  say "temporal: built $BIN/temporal"
}

ensure_temporal_server() {
  # The Temporal server itself and its SQL tool, for the stack's cluster mode on Postgres
  # (devstack/temporal_cluster.py), plus the module's Postgres schema, which the SQL tool applies.
  local schema="$CACHE/temporal-schema/$TEMPORAL_SERVER_VERSION"
  if [ -x "$BIN/temporal-server" ] && [ -x "$BIN/temporal-sql-tool" ] && [ -d "$schema/postgresql/v12" ]; then
    say "temporal-server: $BIN/temporal-server (cache)"; return
  fi
  need_go temporal-server
  say "temporal-server: building go.temporal.io/server $TEMPORAL_SERVER_VERSION from the Go module proxy (first time only, minutes)"
  local tmp dir
  tmp=$(mktemp -d)
  (cd /tmp && GOBIN="$tmp" GOFLAGS=-mod=mod go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
      "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION") >"$LOGS/temporal-server-build.log" 2>&1 \
    || die "temporal-server build failed (see $LOGS/temporal-server-build.log). With internet access: Temporal's release binaries or its Docker images"
  mv "$tmp/server" "$BIN/temporal-server"; mv "$tmp/sql" "$BIN/temporal-sql-tool"; rm -rf "$tmp"
  dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') \
    || die "could not download the go.temporal.io/server module source (its schema)"
  rm -rf "$schema"; mkdir -p "$schema"; cp -r "$dir/schema/postgresql" "$schema/"; chmod -R u+w "$schema"
  say "temporal-server: built $BIN/temporal-server and $BIN/temporal-sql-tool; schema in $schema"
}

ensure_vault() {
  for b in vault bao; do
    if command -v "$b" >/dev/null; then say "vault: $(command -v $b) (PATH)"; return; fi
  done
  if [ -x "$BIN/vault" ]; then say "vault: $BIN/vault (cache)"; return; fi
  need_go vault
  say "vault: building $VAULT_VERSION from the Go module proxy (first time only, 10+ minutes on 2 cores)"
  local dir src work
  dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/vault@$VAULT_VERSION" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') \
    || die "could not download the vault module source"
  work="$CACHE/src/vault-$VAULT_VERSION"
  rm -rf "$work"; mkdir -p "$(dirname "$work")"; cp -r "$dir" "$work"; chmod -R u+w "$work"
  # The module zip omits nested modules (./api, ./sdk); use their published versions instead.
  local r
  for r in $(grep -E '^replace .* => \./' "$work/go.mod" | awk '{print $2}'); do
    (cd "$work" && go mod edit -dropreplace="$r")
  done
  (cd "$work" && GOFLAGS=-mod=mod go build -ldflags=-checklinkname=0 -o "$BIN/vault" .) >"$LOGS/vault-build.log" 2>&1 \
    || die "vault build failed (see $LOGS/vault-build.log). With internet access: install Vault or OpenBao from their release pages"
  rm -rf "$work"
  say "vault: built $BIN/vault"
}

ensure_test_server() {
  # Temporal's time-skipping test server is a Java program; the SDK starts it as '<exe> <port>'.
  local dir="$CACHE/temporal-test-server"
  if [ -x "$dir/temporal-test-server" ] && [ -f "$dir/lib/temporal-test-server-$TEST_SERVER_VERSION.jar" ]; then
    say "temporal test server: $dir (cache)"; return
  fi
  command -v mvn >/dev/null && command -v java >/dev/null || die "the test server needs java and maven (apt-get install default-jre-headless maven)"
  say "temporal test server: fetching io.temporal:temporal-test-server:$TEST_SERVER_VERSION from Maven Central"
  rm -rf "$dir"; mkdir -p "$dir/pom"
  cat >"$dir/pom/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local.omniops</groupId><artifactId>temporal-test-server-deps</artifactId><version>1</version>
  <dependencies><dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
    <version>$TEST_SERVER_VERSION</version></dependency></dependencies></project>
POM
  (cd "$dir/pom" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$dir/lib") >"$LOGS/test-server.log" 2>&1 \
    || die "could not fetch the test server (see $LOGS/test-server.log)"
  cat >"$dir/temporal-test-server" <<'SH'
#!/bin/sh
# Temporal's time-skipping test server (Java): <this> <port>
dir="$(cd "$(dirname "$0")" && pwd)"
exec java -cp "$dir/lib/*" io.temporal.testserver.TestServer "$@"
SH
  chmod +x "$dir/temporal-test-server"
  say "temporal test server: $dir/temporal-test-server"
}

ensure_debian() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}" "${SITE_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "debian packages: present"; return; fi
  command -v apt-get >/dev/null || die "missing packages: ${missing[*]} (need a Debian-like system with apt)"
  local SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  say "debian packages: installing ${missing[*]}"
  $SUDO apt-get update -qq >"$LOGS/apt.log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOGS/apt.log" 2>&1 \
    || die "apt-get install ${missing[*]} failed (see $LOGS/apt.log)"
}

ensure_browser_user() {
  # Chromium keeps its sandbox on; a root browser worker runs it as this unprivileged user
  # (deploy/browser/chromium-as-user). Nothing to do when we are not root.
  local user="${OMNIOPS_BROWSER__RUN_AS_USER:-omniops-browser}"
  [ "$(id -u)" -eq 0 ] || return 0
  if id -u "$user" >/dev/null 2>&1; then say "browser user: $user (present)"; return; fi
  useradd --system --no-create-home --shell /usr/sbin/nologin "$user" || die "useradd $user failed"
  say "browser user: created $user"
}

uv_bin() { command -v uv 2>/dev/null || { [ -x "$BIN/uv" ] && echo "$BIN/uv"; }; }

ensure_python() {
  if [ -z "$(uv_bin)" ]; then
    say "uv: installing from PyPI"
    python3 -m pip install -q uv >"$LOGS/uv.log" 2>&1 || python3 -m pip install -q --user uv >>"$LOGS/uv.log" 2>&1 \
      || die "could not install uv: pip install uv (needs PyPI)"
    ln -sf "$(python3 -c 'import uv; print(uv.find_uv_bin())')" "$BIN/uv"
  fi
  say "python env: uv sync ($(uv_bin))"
  "$(uv_bin)" sync --frozen --quiet || die "uv sync failed"
}

go_tool() {  # name, package@version: `go install` into the cache unless on PATH or cached
  local name="$1" pkg="$2" built="${3:-}"
  if command -v "$name" >/dev/null; then say "$name: $(command -v "$name") (PATH)"; return; fi
  if [ -x "$BIN/$name" ]; then say "$name: $BIN/$name (cache)"; return; fi
  need_go "$name"
  say "$name: building $pkg from the Go module proxy (first time only)"
  (cd /tmp && GOBIN="$BIN" GOFLAGS=-mod=mod go install "$pkg") >"$LOGS/$name-build.log" 2>&1 \
    || die "$name build failed (see $LOGS/$name-build.log)"
  [ -z "$built" ] || mv "$BIN/$built" "$BIN/$name"
}

ensure_compose() {
  # `docker compose` (the plugin) or the standalone v2 binary, built as cmd -> docker-compose
  if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then say "compose: docker compose (PATH)"; return; fi
  go_tool docker-compose "github.com/docker/compose/v2/cmd@$COMPOSE_VERSION" cmd
}

ensure_promtool() {
  # Prometheus's go.mod has replace lines (non-local), which `go install pkg@version` refuses:
  # build from a copy of the module source, where they apply.
  if command -v promtool >/dev/null; then say "promtool: $(command -v promtool) (PATH)"; return; fi
  if [ -x "$BIN/promtool" ]; then say "promtool: $BIN/promtool (cache)"; return; fi
  need_go promtool
  say "promtool: building Prometheus $PROMETHEUS_VERSION's promtool from the Go module proxy (first time only)"
  local dir work="$CACHE/src/prometheus-$PROMETHEUS_VERSION"
  dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])') || die "could not download the prometheus module"
  rm -rf "$work"; mkdir -p "$(dirname "$work")"; cp -r "$dir" "$work"; chmod -R u+w "$work"
  (cd "$work" && GOFLAGS=-mod=mod go build -o "$BIN/promtool" ./cmd/promtool) >"$LOGS/promtool-build.log" 2>&1 \
    || die "promtool build failed (see $LOGS/promtool-build.log)"
  rm -rf "$work"
}

ensure_deploy_tools() {
  ensure_compose
  go_tool helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  ensure_promtool
}

ensure_loadgen() {  # bench/loadgen.py: a native HTTP load generator, so the load does not take the API's CPU
  go_tool vegeta "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
}

case "${1:-all}" in
  temporal) ensure_temporal ;;
  cluster) ensure_temporal; ensure_temporal_server ;;
  vault) ensure_vault ;;
  debian) ensure_debian; ensure_browser_user ;;
  python) ensure_python ;;
  testserver) ensure_test_server ;;
  deploy) ensure_deploy_tools ;;
  loadgen) ensure_loadgen ;;
  tools) ensure_temporal; ensure_temporal_server; ensure_vault; ensure_test_server; ensure_deploy_tools ;;
  all) ensure_debian; ensure_browser_user; ensure_python; ensure_temporal; ensure_temporal_server; ensure_vault
       ensure_test_server; ensure_deploy_tools ;;
  *) die "usage: $0 [all|tools|debian|temporal|cluster|vault|testserver|python|deploy|loadgen]" ;;
esac
