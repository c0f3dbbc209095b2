/**
 * A small JSON Schema (draft 2020-12) checker for the keywords the policy schema uses: type, enum, const,
 * properties, required, additionalProperties, propertyNames, items, anyOf, oneOf, allOf, $ref (local),
 * minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum, minItems, maxItems. Unknown keywords fail
 * the check, so the tests notice when the schema starts using more.
 *
 * @example
 * ```ts
 * jsonSchemaErrors(schema, { contacts: [] }); // []
 * ```
 */
export function jsonSchemaErrors(root: Record<string, unknown>, value: unknown): string[] {
  const errors: string[] = [];
  const KNOWN = new Set([
    '$schema', '$id', '$ref', '$defs', 'title', 'description', 'default', 'type', 'enum', 'const', 'properties', 'required',
    'additionalProperties', 'propertyNames', 'items', 'anyOf', 'oneOf', 'allOf', 'minLength', 'maxLength', 'pattern',
    'minimum', 'maximum', 'exclusiveMinimum', 'minItems', 'maxItems', 'id',
  ]);
  const resolve = (ref: string): Record<string, unknown> => {
    if (ref === '#') return root;
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = root;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!node || typeof node !== 'object') throw new Error(`unresolved $ref ${ref}`);
    return node as Record<string, unknown>;
  };
  const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const check = (schema: Record<string, unknown> | boolean, v: unknown, path: string, out: string[]): void => {
    if (schema === true) return;
    if (schema === false) {
      out.push(`${path}: not allowed`);
      return;
    }
    for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`json-schema-check: unsupported keyword '${k}' at ${path}`);
    if (typeof schema.$ref === 'string') check(resolve(schema.$ref), v, path, out);
    const type = schema.type as string | string[] | undefined;
    if (type !== undefined) {
      const types = Array.isArray(type) ? type : [type];
      const actual = typeOf(v);
      const ok = types.some((t) => t === actual || (t === 'integer' && actual === 'number' && Number.isInteger(v)) || (t === 'number' && actual === 'number'));
      if (!ok) {
        out.push(`${path}: expected ${types.join('|')}, got ${actual}`);
        return;
      }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) out.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
    if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) out.push(`${path}: must be ${JSON.stringify(schema.const)}`);
    if (typeof v === 'string') {
      if (typeof schema.minLength === 'number' && [...v].length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && [...v].length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength}`);
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v)) out.push(`${path}: does not match ${schema.pattern}`);
    }
    if (typeof v === 'number') {
      if (typeof schema.minimum === 'number' && v < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && v > schema.maximum) out.push(`${path}: above ${schema.maximum}`);
      if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) out.push(`${path}: not above ${schema.exclusiveMinimum}`);
    }
    if (Array.isArray(v)) {
      if (typeof schema.minItems === 'number' && v.length < schema.minItems) out.push(`${path}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) out.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items !== undefined) v.forEach((item, i) => check(schema.items as Record<string, unknown>, item, `${path}[${i}]`, out));
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const obj = v as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) out.push(`${path}: missing '${r}'`);
      for (const [k, item] of Object.entries(obj)) {
        if (schema.propertyNames !== undefined) check(schema.propertyNames as Record<string, unknown>, k, `${path}.${k} (name)`, out);
        if (k in props) check(props[k] as Record<string, unknown>, item, `${path}.${k}`, out);
        else if (schema.additionalProperties === false) out.push(`${path}: unknown property '${k}'`);
        else if (schema.additionalProperties !== undefined) check(schema.additionalProperties as Record<string, unknown>, item, `${path}.${k}`, out);
      }
    }
    const branches = (key: 'anyOf' | 'oneOf' | 'allOf'): string[][] | undefined =>
      Array.isArray(schema[key])
        ? (schema[key] as Record<string, unknown>[]).map((s) => {
            const local: string[] = [];
            check(s, v, path, local);
            return local;
          })
        : undefined;
    const any = branches('anyOf');
    if (any && !any.some((e) => e.length === 0)) out.push(`${path}: matches none of anyOf (${any.map((e) => e[0]).join(' / ')})`);
    const one = branches('oneOf');
    if (one && one.filter((e) => e.length === 0).length !== 1) out.push(`${path}: matches ${one.filter((e) => e.length === 0).length} of oneOf`);
    const all = branches('allOf');
    if (all) for (const e of all) out.push(...e);
  };
  check(root, value, '$', errors);
  return errors;
}
