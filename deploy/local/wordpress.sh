#!/usr/bin/env bash
# Idempotently start a real local WordPress admin (Debian wordpress + MariaDB + Apache) on its own port.
#
# Usage: deploy/local/wordpress.sh [start|stop]
# Env:   OMNIOPS_WP_PORT (default 8089), OMNIOPS_WP_STATE (default /var/tmp/omniops-wordpress)
# Prints one JSON line on success: {"url": ..., "username": ..., "password_file": ...}.
# The site is one system install shared by every local stack (dev and tests), so its generated
# admin password lives beside it in $OMNIOPS_WP_STATE/admin.json (mode 600), never in the repo,
# and is re-asserted on every start.
set -euo pipefail

PORT="${OMNIOPS_WP_PORT:-8089}"
STATE="${OMNIOPS_WP_STATE:-/var/tmp/omniops-wordpress}"
URL="http://localhost:$PORT"
ADMIN_USER="${OMNIOPS_WP_ADMIN:-omniops-admin}"
DB_NAME="omniops_wp"
DB_USER="omniops_wp"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

say() { printf '[wordpress] %s\n' "$*" >&2; }
die() { printf '[wordpress] ERROR: %s\n' "$*" >&2; exit 1; }

for f in /usr/share/wordpress/wp-config.php /usr/sbin/apache2ctl /usr/sbin/mariadbd; do
  [ -e "$f" ] || die "$f is missing: run 'deploy/local/provision.sh debian' (packages wordpress mariadb-server apache2 libapache2-mod-php php-mysql)"
done

if [ "${1:-start}" = "stop" ]; then
  $SUDO apache2ctl stop 2>/dev/null || true
  exit 0
fi

mkdir -p "$STATE"; chmod 700 "$STATE"
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }
[ -s "$STATE/db.pass" ] || (umask 077; secret > "$STATE/db.pass")
if [ ! -s "$STATE/admin.json" ]; then
  (umask 077; python3 -c 'import json,secrets,sys; print(json.dumps({"username": sys.argv[1], "password": secrets.token_urlsafe(24)}))' "$ADMIN_USER" > "$STATE/admin.json")
fi
DB_PASS=$(cat "$STATE/db.pass")
ADMIN_PASS=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["password"])' "$STATE/admin.json")

# MariaDB
if ! mariadb-admin ping >/dev/null 2>&1; then
  say "starting mariadb"
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld
  ($SUDO mysqld_safe >/dev/null 2>&1 &)
  for _ in $(seq 1 60); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 0.5; done
  mariadb-admin ping >/dev/null 2>&1 || die "mariadb did not start"
fi
$SUDO mariadb -e "CREATE DATABASE IF NOT EXISTS $DB_NAME;
  CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
  ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
  GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost'; FLUSH PRIVILEGES;"

# WordPress config (Debian reads /etc/wordpress/config-<WORDPRESS_CONFIG>.php)
$SUDO tee /etc/wordpress/config-omniops.php >/dev/null <<PHP
<?php
define('DB_NAME', '$DB_NAME');
define('DB_USER', '$DB_USER');
define('DB_PASSWORD', '$DB_PASS');
define('DB_HOST', 'localhost');
define('WP_HOME', '$URL');
define('WP_SITEURL', '$URL');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISABLE_WP_CRON', true);
PHP
$SUDO chmod 640 /etc/wordpress/config-omniops.php; $SUDO chgrp www-data /etc/wordpress/config-omniops.php

# Apache vhost on its own port; *:PORT so that ::1 (Chromium's localhost) matches too.
$SUDO tee /etc/apache2/sites-available/omniops-wordpress.conf >/dev/null <<APACHE
Listen $PORT
<VirtualHost *:$PORT>
    ServerName localhost
    DocumentRoot /usr/share/wordpress
    SetEnv WORDPRESS_CONFIG omniops
    Alias /wp-content /var/lib/wordpress/wp-content
    <Directory /usr/share/wordpress>
        Options FollowSymLinks
        AllowOverride Limit Options FileInfo
        DirectoryIndex index.php
        Require all granted
    </Directory>
    <Directory /var/lib/wordpress/wp-content>
        Options FollowSymLinks
        Require all granted
    </Directory>
</VirtualHost>
APACHE
$SUDO a2ensite -q omniops-wordpress >/dev/null
if pgrep -x apache2 >/dev/null; then
  $SUDO apache2ctl graceful
else
  say "starting apache"
  $SUDO apache2ctl start
fi
for _ in $(seq 1 40); do curl -fsS -o /dev/null "$URL/wp-login.php" 2>/dev/null && break; sleep 0.25; done

# Non-interactive install (a no-op once installed)
if curl -fsS "$URL/wp-admin/install.php" | grep -q 'name="weblog_title"'; then
  say "installing wordpress site at $URL"
  curl -fsS -o /dev/null "$URL/wp-admin/install.php?step=2" \
    --data-urlencode "weblog_title=OmniOps Demo Site" --data-urlencode "user_name=$ADMIN_USER" \
    --data-urlencode "admin_password=$ADMIN_PASS" --data-urlencode "admin_password2=$ADMIN_PASS" \
    --data-urlencode "pw_weak=1" --data-urlencode "admin_email=admin@example.test" \
    --data-urlencode "blog_public=0" --data-urlencode "language=" || die "install POST failed"
fi
# Keep the admin password in step with admin.json: if it does not log in, reset it
# (WordPress accepts an MD5 hash and rehashes it at the next login).
login_ok() {
  curl -s -o /dev/null -w '%{redirect_url}' -b "wordpress_test_cookie=WP%20Cookie%20check" \
    --data-urlencode "log=$ADMIN_USER" --data-urlencode "pwd=$ADMIN_PASS" --data "testcookie=1" \
    "$URL/wp-login.php" | grep -q '/wp-admin/'
}
if ! login_ok; then
  say "resetting the admin password to the one in $STATE/admin.json"
  $SUDO mariadb "$DB_NAME" -e "UPDATE wp_users SET user_pass = MD5('$ADMIN_PASS') WHERE user_login = '$ADMIN_USER';"
  login_ok || die "the admin user $ADMIN_USER cannot log in"
fi
curl -fsS -o /dev/null "$URL/wp-login.php" || die "WordPress does not answer at $URL"
printf '{"url": "%s", "username": "%s", "password_file": "%s"}\n' "$URL" "$ADMIN_USER" "$STATE/admin.json"
