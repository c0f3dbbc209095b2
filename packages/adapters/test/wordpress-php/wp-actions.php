<?php
/*
 * Runs WordPress's own user functions for the rowguard tests: reads one JSON action from argv[1], prints one
 * JSON result. Actions: install, add_role, insert_user, set_role, delete_user, update_email, user_roles,
 * user_data (get_userdata: roles, allcaps, the stored user level and the level WP_User::level_reduction gives).
 */
$rowguard_action = json_decode($argv[1] ?? 'null', true);
if (!is_array($rowguard_action)) { fwrite(STDERR, "usage: php wp-actions.php '<json action>'\n"); exit(2); }
if ($rowguard_action['do'] === 'install') putenv('WP_INSTALLING=1');
require __DIR__ . '/wp-bootstrap.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

function out($value) { echo json_encode($value), "\n"; exit(0); }
function fail($message) { fwrite(STDERR, $message . "\n"); exit(1); }

switch ($rowguard_action['do']) {
  case 'install':
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    $result = wp_install('rowguard test', 'admin', 'admin@example.org', false, '', 'admin-password');
    out(['userId' => $result['user_id']]);
  case 'add_role':
    $role = add_role($rowguard_action['role'], $rowguard_action['label'], $rowguard_action['capabilities']);
    if ($role === null) fail('role exists: ' . $rowguard_action['role']);
    out(['role' => $rowguard_action['role']]);
  case 'insert_user':
    $id = wp_insert_user(['user_login' => $rowguard_action['login'], 'user_email' => $rowguard_action['email'], 'display_name' => $rowguard_action['name'], 'user_pass' => 'x-' . $rowguard_action['login'], 'role' => $rowguard_action['role']]);
    if (is_wp_error($id)) fail($id->get_error_message());
    out(['id' => $id]);
  case 'set_role':
    $user = new WP_User($rowguard_action['id']);
    $user->set_role($rowguard_action['role']);
    out(['roles' => array_values($user->roles)]);
  case 'add_cap':
    $user = new WP_User($rowguard_action['id']);
    $user->add_cap($rowguard_action['cap'], $rowguard_action['grant']);
    out(['caps' => $user->caps]);
  case 'update_email':
    $id = wp_update_user(['ID' => $rowguard_action['id'], 'user_email' => $rowguard_action['email']]);
    if (is_wp_error($id)) fail($id->get_error_message());
    out(['id' => $id]);
  case 'delete_user':
    out(['deleted' => wp_delete_user($rowguard_action['id'])]);
  case 'user_roles':
    $user = new WP_User($rowguard_action['id']);
    out(['roles' => array_values($user->roles), 'allcaps' => $user->allcaps]);
  case 'user_data':
    global $wpdb;
    $user = get_userdata($rowguard_action['id']);
    if (!$user) fail('no user ' . $rowguard_action['id']);
    out([
      'roles' => array_values($user->roles),
      'allcaps' => $user->allcaps,
      'storedLevel' => (int) get_user_meta($user->ID, $wpdb->get_blog_prefix() . 'user_level', true),
      'level' => array_reduce(array_keys($user->allcaps), array($user, 'level_reduction'), 0),
    ]);
  default:
    fail('unknown action ' . $rowguard_action['do']);
}
