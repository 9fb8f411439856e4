#!/usr/bin/env bash
# Idempotently start a real local Zabbix frontend (Debian zabbix-frontend-php on MariaDB + Apache)
# on its own port: the third service shipped as data (definitions/zabbix/, issue 15 Build 3).
#
# Usage: deploy/local/zabbix.sh [start|stop]
# Env:   OMNIOPS_ZABBIX_PORT (default 8092), OMNIOPS_ZABBIX_STATE (default /var/tmp/omniops-zabbix)
# Prints one JSON line on success: {"url": ..., "username": ..., "password_file": ...}.
# The frontend and its JSON-RPC API need only the database (schema and data from Debian's
# zabbix-server-mysql, imported once); no Zabbix server process runs. The admin password lives in
# $OMNIOPS_ZABBIX_STATE/admin.json (mode 600), never in the repo, and is re-asserted on every start.
set -euo pipefail

PORT="${OMNIOPS_ZABBIX_PORT:-8092}"
STATE="${OMNIOPS_ZABBIX_STATE:-/var/tmp/omniops-zabbix}"
URL="http://localhost:$PORT"
ADMIN_USER="Admin"
DB_NAME="omniops_zabbix"
DB_USER="omniops_zabbix"
SQL=/usr/share/zabbix-server-mysql
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

say() { printf '[zabbix] %s\n' "$*" >&2; }
die() { printf '[zabbix] ERROR: %s\n' "$*" >&2; exit 1; }

for f in /usr/share/zabbix/index.php "$SQL/schema.sql.gz" /usr/sbin/apache2ctl /usr/sbin/mariadbd; do
  [ -e "$f" ] || die "$f is missing: run 'deploy/local/provision.sh debian' (packages zabbix-frontend-php zabbix-server-mysql mariadb-server apache2 libapache2-mod-php php-mysql)"
done

if [ "${1:-start}" = "stop" ]; then
  $SUDO a2dissite -q omniops-zabbix >/dev/null 2>&1 || true
  pgrep -x apache2 >/dev/null && $SUDO apache2ctl graceful
  exit 0
fi

mkdir -p "$STATE"; chmod 700 "$STATE"
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
[ -s "$STATE/db.pass" ] || (umask 077; secret > "$STATE/db.pass")
if [ ! -s "$STATE/admin.json" ]; then
  (umask 077; python3 -c 'import json,secrets,sys; print(json.dumps({"username": sys.argv[1], "password": secrets.token_urlsafe(18)}))' "$ADMIN_USER" > "$STATE/admin.json")
fi
DB_PASS=$(cat "$STATE/db.pass")
ADMIN_PASS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$STATE/admin.json")

# MariaDB (shared with WordPress, deploy/local/wordpress.sh)
if ! mariadb-admin ping >/dev/null 2>&1; then
  say "starting mariadb"
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld
  ($SUDO mysqld_safe >/dev/null 2>&1 &)
  for _ in $(seq 1 60); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 0.5; done
  mariadb-admin ping >/dev/null 2>&1 || die "mariadb did not start"
fi
$SUDO mariadb -e "CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
  CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
  ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
  GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost'; FLUSH PRIVILEGES;"
if ! $SUDO mariadb "$DB_NAME" -Nse "SELECT mandatory FROM dbversion" >/dev/null 2>&1; then
  say "importing the Zabbix schema and data (first time only, a minute or two)"
  { zcat "$SQL/schema.sql.gz"; zcat "$SQL/images.sql.gz"; zcat "$SQL/data.sql.gz"; } \
    | $SUDO mariadb "$DB_NAME" || die "the schema import failed"
fi

$SUDO mkdir -p /etc/zabbix
$SUDO tee /etc/zabbix/zabbix.conf.php >/dev/null <<PHP
<?php
\$DB['TYPE'] = 'MYSQL';
\$DB['SERVER'] = 'localhost';
\$DB['PORT'] = '0';
\$DB['DATABASE'] = '$DB_NAME';
\$DB['USER'] = '$DB_USER';
\$DB['PASSWORD'] = '$DB_PASS';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER_NAME = 'OmniOps Zabbix';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP
$SUDO chmod 640 /etc/zabbix/zabbix.conf.php; $SUDO chgrp www-data /etc/zabbix/zabbix.conf.php

$SUDO tee /etc/apache2/sites-available/omniops-zabbix.conf >/dev/null <<APACHE
Listen $PORT
<VirtualHost *:$PORT>
    ServerName localhost
    DocumentRoot /usr/share/zabbix
    <Directory "/usr/share/zabbix">
        Options FollowSymLinks
        AllowOverride None
        Require all granted
        php_value max_execution_time 300
        php_value post_max_size 16M
        php_value max_input_time 300
    </Directory>
    <Directory ~ "^/usr/share/zabbix/(conf|app|include|local)/">
        Require all denied
    </Directory>
</VirtualHost>
APACHE
$SUDO a2ensite -q omniops-zabbix >/dev/null
if pgrep -x apache2 >/dev/null; then
  $SUDO apache2ctl graceful
else
  say "starting apache"
  $SUDO apache2ctl start
fi
for _ in $(seq 1 40); do curl -fsS -o /dev/null "$URL/index.php" 2>/dev/null && break; sleep 0.25; done

api() {  # one JSON-RPC call; prints the response
  curl -fsS -H 'Content-Type: application/json-rpc' --data "$1" "$URL/api_jsonrpc.php"
}
login_ok() {
  api "$(python3 -c 'import json,sys; print(json.dumps({"jsonrpc": "2.0", "method": "user.login", "id": 1, "params": {"username": sys.argv[1], "password": sys.argv[2]}}))' "$ADMIN_USER" "$ADMIN_PASS")" \
    | grep -q '"result"'
}
if ! login_ok; then
  say "setting the admin password to the one in $STATE/admin.json"
  HASH=$(php -r 'echo password_hash($argv[1], PASSWORD_BCRYPT);' "$ADMIN_PASS")
  $SUDO mariadb "$DB_NAME" -e "UPDATE users SET passwd = '$HASH', attempt_failed = 0 WHERE username = '$ADMIN_USER';"
  login_ok || die "the admin user $ADMIN_USER cannot log in (see /var/log/apache2/error.log)"
fi
printf '{"url": "%s", "username": "%s", "password_file": "%s"}\n' "$URL" "$ADMIN_USER" "$STATE/admin.json"
