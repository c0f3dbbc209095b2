import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './api';

interface AuditRecord {
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  at: string;
}

function brief(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = JSON.stringify(v);
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

export function AuditScreen() {
  const [filters, setFilters] = useState({ actor: '', object: '', from: '', to: '' });
  const [rows, setRows] = useState<AuditRecord[] | null>(null);
  const [scanned, setScanned] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    get<{ rows: AuditRecord[]; scanned: number }>('/api/audit', { ...filters, limit: 300 }).then(
      (r) => {
        setRows(r.rows);
        setScanned(r.scanned);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  };
  useEffect(load, []);
  const set = (name: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value });
  return (
    <div class="stack">
      <section class="panel">
        <div class="toolbar">
          <h1>Audit log</h1>
          <span class="muted">every change to entries, roles, assignments, groups and contacts, with who made it</span>
        </div>
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            load();
          }}
        >
          <label class="field">
            <span>Actor</span>
            <input type="text" value={filters.actor} onInput={set('actor')} />
          </label>
          <label class="field">
            <span>Object (entry, entry:12, group…)</span>
            <input type="text" value={filters.object} onInput={set('object')} />
          </label>
          <label class="field">
            <span>From</span>
            <input type="date" value={filters.from} onInput={set('from')} />
          </label>
          <label class="field">
            <span>To</span>
            <input type="date" value={filters.to} onInput={set('to')} />
          </label>
          <button class="primary" type="submit">
            Filter
          </button>
        </form>
      </section>
      {error ? <div class="panel error-panel">{error}</div> : null}
      {rows ? (
        <section class="panel">
          <p class="muted small">
            {rows.length} rows shown, among the newest {scanned}
          </p>
          <table class="data audit">
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Object</th>
                <th>Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  <td class="nowrap">{r.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{r.actor}</td>
                  <td>
                    <span class="pill">{r.action}</span>
                  </td>
                  <td class="nowrap">
                    {r.targetType}
                    {r.targetId ? ` #${r.targetId}` : ''}
                  </td>
                  <td class="mono small">
                    {r.before ? <div class="before">− {brief(r.before)}</div> : null}
                    {r.after ? <div class="after">+ {brief(r.after)}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
