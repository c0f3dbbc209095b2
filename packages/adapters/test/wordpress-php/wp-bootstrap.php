<?php
/*
 * Loads Debian's WordPress (/usr/share/wordpress) from the command line against the database named by the
 * environment, without its wp-config.php (which reads /etc/wordpress/config-<host>.php) and without a web
 * server: the constants wp-config.php would define are defined here, then wp-settings.php runs.
 */
$_SERVER['HTTP_HOST'] = 'rowguard.test';
$_SERVER['SERVER_NAME'] = 'rowguard.test';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD'] = 'GET';

define('DB_NAME', getenv('WP_DB_NAME'));
define('DB_USER', getenv('WP_DB_USER') ?: 'root');
define('DB_PASSWORD', getenv('WP_DB_PASSWORD') ?: '');
define('DB_HOST', getenv('WP_DB_HOST') ?: '127.0.0.1:3306');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('AUTH_KEY', 'rowguard-test'); define('SECURE_AUTH_KEY', 'rowguard-test'); define('LOGGED_IN_KEY', 'rowguard-test'); define('NONCE_KEY', 'rowguard-test');
define('AUTH_SALT', 'rowguard-test'); define('SECURE_AUTH_SALT', 'rowguard-test'); define('LOGGED_IN_SALT', 'rowguard-test'); define('NONCE_SALT', 'rowguard-test');
define('WP_DEBUG', false);
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
$table_prefix = getenv('WP_TABLE_PREFIX') ?: 'wp_';
define('WP_WORDPRESS_DIR', getenv('WP_DIR') ?: '/usr/share/wordpress');
define('ABSPATH', WP_WORDPRESS_DIR . '/');
if (getenv('WP_INSTALLING')) define('WP_INSTALLING', true);
// No mail leaves a test: WordPress's pluggable wp_mail() is only defined when nothing defined it first.
function wp_mail() { return true; }
require_once ABSPATH . 'wp-settings.php';
