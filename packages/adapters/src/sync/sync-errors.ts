/**
 * A mapping names a host role the host no longer has (renamed or deleted): the sync stops rather than remove
 * every member of the group. Fix the mapping, or set `onMissingRole: 'ignore'` to skip it.
 *
 * @example
 * ```ts
 * throw new MissingHostRoleError('wordpress', [{ hostRole: 'editor', groupId: 4 }]);
 * ```
 */
export class MissingHostRoleError extends Error {
  override readonly name = 'MissingHostRoleError';

  constructor(
    readonly source: string,
    readonly missing: readonly { readonly hostRole: string; readonly groupId: number }[],
  ) {
    super(`${source}: mapped host role(s) ${missing.map((m) => `'${m.hostRole}' (group ${m.groupId})`).join(', ')} no longer exist; fix the mappings or set onMissingRole: 'ignore'`);
  }
}

/**
 * A resume cursor that does not parse (`users:<key>`, `links:<contact id>` or `done`).
 *
 * @example
 * ```ts
 * throw new SyncCursorError('users:x');
 * ```
 */
export class SyncCursorError extends Error {
  override readonly name = 'SyncCursorError';

  constructor(readonly cursor: string) {
    super(`invalid sync cursor '${cursor}' (expected users:<key>, links:<contact id> or done)`);
  }
}
