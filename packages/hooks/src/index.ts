/**
 * `@rowguard/hooks`: tapable extension points for hosts and extension authors. One hooks object per engine;
 * plugins tap (and trace) through a view that cannot call the hooks; the engine calls them through an
 * extension that checks every tap's answer, gives each a time limit, and denies when one fails.
 *
 * @packageDocumentation
 */
export { createRowguardHooks, RowguardHooks, type RowguardHooksOptions, type RowguardPlugin } from './rowguard-hooks.js';
export {
  HOOK_POINTS,
  EVENT_NAMES,
  tapNameSchema,
  type AccessHooks,
  type ClauseHook,
  type EntityIdsHook,
  type EntityConditionsHook,
  type PermissionsHook,
  type PermissionCheckHook,
  type EventHooks,
  type RowguardHookSet,
  type HookPointInfo,
} from './hook-set.js';
export {
  GRANT_TYPES,
  type GrantType,
  type AccessSubject,
  type AccessRequest,
  type ContactGrant,
  type ClauseAdjustment,
  type ClauseRequest,
  type EntityRequest,
  type PermissionVerdict,
  type PermissionSubject,
  type PermissionRequest,
  type EventOrigin,
  type ChangeEvent,
  type DecisionEvent,
} from './hook-model.js';
export { HookTapError, HookUsageError, TapResultProblem, type TapFailureReason, type HookUsageCode } from './hook-errors.js';
export { pluginView, type RowguardHooksView, type AsyncHookView, type SyncHookView, type HookMapView, type TracingInterceptor } from './plugin-view.js';
export { contactGrantSchema, idListSchema, foldVerdict } from './tap-results.js';
export { tapLabel } from './access-contribution.js';
