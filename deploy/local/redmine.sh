#!/usr/bin/env bash
# Idempotently start a real local Redmine admin (Debian redmine + SQLite, Apache + Passenger) on
# its own port: the second service shipped as data (definitions/redmine/, issue 15 Build 3).
#
# Usage: deploy/local/redmine.sh [start|stop]
# Env:   OMNIOPS_REDMINE_PORT (default 8091), OMNIOPS_REDMINE_STATE (default /var/tmp/omniops-redmine)
# Prints one JSON line on success: {"url": ..., "username": ..., "password_file": ...}.
# The site is one system install shared by every local stack; its admin password lives in
# $OMNIOPS_REDMINE_STATE/admin.json (mode 600), never in the repo, and is re-asserted on every
# start (Debian's install leaves admin/admin with a forced change at first login).
set -euo pipefail

PORT="${OMNIOPS_REDMINE_PORT:-8091}"
STATE="${OMNIOPS_REDMINE_STATE:-/var/tmp/omniops-redmine}"
URL="http://localhost:$PORT"
ADMIN_USER="admin"
APP=/usr/share/redmine
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

say() { printf '[redmine] %s\n' "$*" >&2; }
die() { printf '[redmine] ERROR: %s\n' "$*" >&2; exit 1; }

for f in "$APP/config.ru" /usr/sbin/apache2ctl /usr/lib/apache2/modules/mod_passenger.so; do
  [ -e "$f" ] || die "$f is missing: run 'deploy/local/provision.sh debian' (packages redmine redmine-sqlite apache2 libapache2-mod-passenger)"
done

if [ "${1:-start}" = "stop" ]; then
  $SUDO a2dissite -q omniops-redmine >/dev/null 2>&1 || true
  pgrep -x apache2 >/dev/null && $SUDO apache2ctl graceful
  exit 0
fi

mkdir -p "$STATE"; chmod 700 "$STATE"
if [ ! -s "$STATE/admin.json" ]; then
  (umask 077; python3 -c 'import json,secrets,sys; print(json.dumps({"username": sys.argv[1], "password": secrets.token_urlsafe(18)}))' "$ADMIN_USER" > "$STATE/admin.json")
fi
ADMIN_PASS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$STATE/admin.json")

$SUDO a2enmod -q passenger >/dev/null
$SUDO tee /etc/apache2/sites-available/omniops-redmine.conf >/dev/null <<APACHE
Listen $PORT
<VirtualHost *:$PORT>
    ServerName localhost
    RailsEnv production
    SetEnv REDMINE_INSTANCE "default"
    PassengerAppGroupName redmine_default
    PassengerMinInstances 1
    PassengerMaxPoolSize 1
    PassengerUser www-data
    PassengerGroup www-data
    PassengerRestartDir /var/cache/redmine/default/tmp/
    Alias "/plugin_assets/" /var/cache/redmine/default/plugin_assets/
    DocumentRoot $APP/public
    <Directory "$APP/public">
        Options -MultiViews
        Require all granted
    </Directory>
    <Directory "/var/cache/redmine/default/plugin_assets/">
        Options -MultiViews
        Require all granted
    </Directory>
</VirtualHost>
APACHE
$SUDO a2ensite -q omniops-redmine >/dev/null
if pgrep -x apache2 >/dev/null; then
  $SUDO apache2ctl graceful
else
  say "starting apache"
  $SUDO apache2ctl start
fi
# the first request boots the Rails app under Passenger (several seconds on 2 cores)
for _ in $(seq 1 120); do curl -fsS -o /dev/null "$URL/login" 2>/dev/null && break; sleep 0.5; done
curl -fsS -o /dev/null "$URL/login" || die "Redmine does not answer at $URL (see /var/log/apache2/error.log)"

# Log in the way a browser does: the form's authenticity token and session cookie, then the POST;
# then render the admin pages the operation visits once, so their templates are compiled before a
# browser step waits for them (the first render takes many seconds on a busy 2-core machine).
login_ok() {
  local jar token where
  jar=$(mktemp); trap 'rm -f "$jar"' RETURN
  token=$(curl -fsS -c "$jar" "$URL/login" | sed -n 's/.*name="authenticity_token" value="\([^"]*\)".*/\1/p' | head -1)
  where=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" --data-urlencode "authenticity_token=$token" \
    --data-urlencode "username=$ADMIN_USER" --data-urlencode "password=$ADMIN_PASS" "$URL/login")
  [ -n "$where" ] && [[ "$where" != *"/login"* ]] && [[ "$where" != *"/my/password"* ]] || return 1
  curl -s -o /dev/null -b "$jar" "$URL/settings?tab=api"; curl -s -o /dev/null -b "$jar" "$URL/my/account"
}
if ! login_ok; then
  say "setting the admin password to the one in $STATE/admin.json"
  (cd "$APP" && $SUDO runuser -u www-data -- env RAILS_ENV=production OMNIOPS_PW="$ADMIN_PASS" bin/rails runner \
    'u = User.find_by_login("admin"); u.password = u.password_confirmation = ENV["OMNIOPS_PW"]; u.must_change_passwd = false; u.save!' \
    >"$STATE/runner.log" 2>&1) || die "could not set the admin password (see $STATE/runner.log)"
  login_ok || die "the admin user cannot log in"
fi
printf '{"url": "%s", "username": "%s", "password_file": "%s"}\n' "$URL" "$ADMIN_USER" "$STATE/admin.json"
