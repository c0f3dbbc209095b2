/**
 * Renders rows as a plain-text table with padded columns (numbers right-aligned) and a rule under the header.
 *
 * @example
 * ```ts
 * renderTable(['key', 'country'], [['mgr-vn', 'VN']]);
 * // key     country
 * // ------  -------
 * // mgr-vn  VN
 * ```
 */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  options: { indent?: string; rule?: boolean; minWidths?: readonly number[] } = {},
): string {
  const indent = options.indent ?? '';
  const cells = rows.map((r) => header.map((_, i) => String(r[i] ?? '')));
  const widths = header.map((h, i) => Math.max(h.length, options.minWidths?.[i] ?? 0, ...cells.map((r) => (r[i] as string).length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: readonly string[]): string =>
    `${indent}${r.map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ')}`.trimEnd();
  const out = [line(header)];
  if (options.rule !== false) out.push(line(widths.map((w) => '-'.repeat(w))));
  for (const r of cells) out.push(line(r));
  return `${out.join('\n')}\n`;
}
