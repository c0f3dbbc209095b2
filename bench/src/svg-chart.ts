/** One line of a chart. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly dashed?: boolean;
}

/** A line chart with logarithmic axes. */
export interface ChartSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Formats an x tick (default: the number). */
  readonly xFormat?: (x: number) => string;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e += 1) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function formatNumber(v: number): string {
  if (v >= 1_000_000) return `${v / 1_000_000}M`;
  if (v >= 1000) return `${v / 1000}k`;
  if (v >= 1) return String(Math.round(v * 100) / 100);
  return String(Number(v.toPrecision(2)));
}

/**
 * Renders a line chart with log-scaled axes as a self-contained SVG document (no dependencies).
 *
 * @example
 * ```ts
 * const svg = renderLineChart({ title: 'First page', xLabel: 'contacts', yLabel: 'ms', series: [{ name: 'engine', points: [{ x: 1e4, y: 0.3 }, { x: 1e6, y: 0.5 }] }] });
 * ```
 */
export function renderLineChart(spec: ChartSpec): string {
  const width = 900;
  const height = 480;
  const left = 70;
  const right = 260;
  const top = 60;
  const bottom = 60;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = spec.series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.y));
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xMin = Math.min(...xs, Infinity);
  const xMax = Math.max(...xs, -Infinity);
  const yMinRaw = Math.min(...ys, Infinity);
  const yMaxRaw = Math.max(...ys, -Infinity);
  if (!Number.isFinite(xMin) || !Number.isFinite(yMinRaw)) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="80"><text x="10" y="40" font-family="sans-serif">${escapeXml(spec.title)}: no data</text></svg>\n`;
  }
  const yMin = Math.pow(10, Math.floor(Math.log10(yMinRaw)));
  const yMax = Math.pow(10, Math.ceil(Math.log10(yMaxRaw * 1.0001)));
  const lx0 = Math.log10(xMin);
  const lx1 = xMax > xMin ? Math.log10(xMax) : lx0 + 1;
  const sx = (x: number): number => left + ((Math.log10(x) - lx0) / (lx1 - lx0)) * plotW;
  const sy = (y: number): number => top + plotH - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const xFormat = spec.xFormat ?? formatNumber;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="24" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) parts.push(`<text x="${left}" y="44" fill="#555">${escapeXml(spec.subtitle)}</text>`);
  for (const v of logTicks(yMin, yMax)) {
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#333">${formatNumber(v)}</text>`);
  }
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  for (const v of xTicks) {
    const x = sx(v).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${x}" y="${top + plotH + 18}" text-anchor="middle" fill="#333">${escapeXml(xFormat(v))}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${left + plotW / 2}" y="${height - 16}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const pts = s.points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (pts.length > 0) {
      const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      for (const p of pts) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = top + 10 + i * 20;
    parts.push(`<line x1="${left + plotW + 16}" y1="${ly}" x2="${left + plotW + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${left + plotW + 46}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
