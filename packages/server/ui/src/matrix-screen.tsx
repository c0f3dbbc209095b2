import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, ENTRY_OPERATIONS, get, post } from './api';

interface CellEntry {
  id: number;
  effect: 'allow' | 'deny';
  operation: string;
  priority: number;
}
interface Matrix {
  version: number;
  roles: { id: number; name: string; administrator: boolean; active: boolean }[];
  groups: { id: number; name: string; kind: 'static' | 'smart'; active: boolean }[];
  cells: Record<string, CellEntry[]>;
}
interface Column {
  key: string;
  groupId: number | null;
  name: string;
  note: string;
}

const ROW_H = 40;
const COL_W = 148;
const HEAD_H = 56;
const ROLE_W = 220;

declare global {
  interface Window {
    rowguardMatrixRendered?: number;
  }
}

function Chip({ e }: { e: CellEntry }) {
  return (
    <span class={`chip ${e.effect}`} title={`${e.effect} ${e.operation}, priority ${e.priority} (entry #${e.id})`}>
      {e.effect === 'allow' ? '✓' : '✕'} {e.operation}
      {e.priority !== 0 ? <sup>{e.priority}</sup> : null}
    </span>
  );
}

let early: { started: number; matrix: Promise<Matrix> } | undefined;

/** Starts loading the matrix at once (the page calls it at start-up on the matrix route, beside the session). */
export function prefetchMatrix(): void {
  early ??= { started: performance.now(), matrix: get<Matrix>('/api/matrix') };
}

export function MatrixScreen() {
  const [matrix, setMatrix] = useState<Matrix | null>(null);
  const [loadMs, setLoadMs] = useState(0);
  const [roleQ, setRoleQ] = useState('');
  const [groupQ, setGroupQ] = useState('');
  const [filledOnly, setFilledOnly] = useState(false);
  const [selected, setSelected] = useState<{ roleId: number; column: Column } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const load = () => {
    const t0 = early?.started ?? performance.now();
    const pending = early?.matrix ?? get<Matrix>('/api/matrix');
    early = undefined;
    return pending.then((m) => {
      setMatrix(m);
      setLoadMs(Math.round(performance.now() - t0));
    }, (e: unknown) => setError(String(e instanceof ApiError ? e.message : e)));
  };
  useEffect(() => void load(), []);

  const roles = useMemo(() => {
    if (!matrix) return [];
    const q = roleQ.trim().toLowerCase();
    return matrix.roles.filter((r) => {
      if (q && !r.name.toLowerCase().includes(q)) return false;
      if (filledOnly) return Object.keys(matrix.cells).some((k) => k.startsWith(`${r.id}:`));
      return true;
    });
  }, [matrix, roleQ, filledOnly]);
  const columns = useMemo<Column[]>(() => {
    if (!matrix) return [];
    const q = groupQ.trim().toLowerCase();
    const all: Column[] = [
      { key: 'all', groupId: null, name: 'All contacts', note: 'every contact' },
      ...matrix.groups.map((g) => ({ key: String(g.id), groupId: g.id, name: g.name, note: `${g.kind}${g.active ? '' : ', disabled'}` })),
    ];
    return all.filter((c) => !q || c.name.toLowerCase().includes(q));
  }, [matrix, groupQ]);

  const rows = useVirtualizer({ count: roles.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 6 });
  const cols = useVirtualizer({ horizontal: true, count: columns.length, getScrollElement: () => scroller.current, estimateSize: () => COL_W, overscan: 3 });

  useEffect(() => {
    if (matrix && window.rowguardMatrixRendered === undefined) {
      requestAnimationFrame(() => {
        window.rowguardMatrixRendered = performance.now();
      });
    }
  }, [matrix]);

  if (error) return <div class="panel error-panel">{error}</div>;
  if (!matrix) return <p class="muted pad">Loading the grant matrix…</p>;
  const entries = Object.values(matrix.cells).reduce((n, l) => n + l.length, 0);
  const width = ROLE_W + cols.getTotalSize();

  return (
    <div class="matrix-layout">
      <section class="panel matrix-panel">
        <div class="toolbar">
          <h1>Grant matrix</h1>
          <span class="muted">
            {matrix.roles.length} roles × {matrix.groups.length + 1} columns · {entries} entries · policy version {matrix.version} · loaded in {loadMs} ms
          </span>
          <div class="spacer" />
          <input class="search" placeholder="Filter roles…" value={roleQ} onInput={(e) => setRoleQ((e.target as HTMLInputElement).value)} aria-label="Filter roles" />
          <input class="search" placeholder="Filter groups…" value={groupQ} onInput={(e) => setGroupQ((e.target as HTMLInputElement).value)} aria-label="Filter groups" />
          <label class="check">
            <input type="checkbox" checked={filledOnly} onChange={(e) => setFilledOnly((e.target as HTMLInputElement).checked)} /> roles with entries only
          </label>
        </div>
        <div class="grid-scroller" ref={scroller} data-testid="matrix-grid">
          <div class="grid-head" style={{ width: `${width}px`, height: `${HEAD_H}px` }}>
            <div class="corner" style={{ width: `${ROLE_W}px`, height: `${HEAD_H}px` }}>
              ACL role ↓ · object →
            </div>
            {cols.getVirtualItems().map((c) => {
              const col = columns[c.index] as Column;
              return (
                <div key={col.key} class="col-head" style={{ left: `${ROLE_W + c.start}px`, width: `${COL_W}px`, height: `${HEAD_H}px` }} title={col.name}>
                  <span class="col-name">{col.name}</span>
                  <span class="col-note">{col.note}</span>
                </div>
              );
            })}
          </div>
          <div class="grid-body" style={{ width: `${width}px`, height: `${rows.getTotalSize()}px` }}>
            {rows.getVirtualItems().map((r) => {
              const role = roles[r.index];
              if (!role) return null;
              return (
                <div key={role.id} class="grid-row" style={{ top: `${r.start}px`, width: `${width}px`, height: `${ROW_H}px` }}>
                  <div class="row-head" style={{ width: `${ROLE_W}px`, height: `${ROW_H}px` }} title={role.name}>
                    <span class="row-name">{role.name}</span>
                    {role.administrator ? <span class="tag admin">admin</span> : null}
                    {!role.active ? <span class="tag">disabled</span> : null}
                  </div>
                  {cols.getVirtualItems().map((c) => {
                    const col = columns[c.index] as Column;
                    const list = matrix.cells[`${role.id}:${col.key}`] ?? [];
                    const isSel = selected?.roleId === role.id && selected.column.key === col.key;
                    return (
                      <button
                        key={col.key}
                        class={`cell${list.length ? ' filled' : ''}${isSel ? ' selected' : ''}`}
                        style={{ left: `${ROLE_W + c.start}px`, width: `${COL_W}px`, height: `${ROW_H}px` }}
                        data-cell={`${role.name}|${col.name}`}
                        onClick={() => setSelected({ roleId: role.id, column: col })}
                      >
                        {list.slice(0, 2).map((e) => (
                          <Chip key={e.id} e={e} />
                        ))}
                        {list.length > 2 ? <span class="more">+{list.length - 2}</span> : null}
                      </button>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      </section>
      {selected ? (
        <CellEditor
          matrix={matrix}
          roleId={selected.roleId}
          column={selected.column}
          onClose={() => setSelected(null)}
          onChanged={() => load()}
        />
      ) : null}
    </div>
  );
}

function CellEditor(props: { matrix: Matrix; roleId: number; column: Column; onClose: () => void; onChanged: () => Promise<void> | undefined }) {
  const { matrix, roleId, column } = props;
  const role = matrix.roles.find((r) => r.id === roleId);
  const list = matrix.cells[`${roleId}:${column.key}`] ?? [];
  const [effect, setEffect] = useState<'allow' | 'deny'>('allow');
  const [operation, setOperation] = useState('view');
  const [priority, setPriority] = useState('0');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      await props.onChanged();
      setMessage({ ok: true, text: what });
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <aside class="panel editor" data-testid="cell-editor">
      <div class="editor-head">
        <div>
          <div class="eyebrow">Cell</div>
          <h2>
            {role?.name} → {column.name}
          </h2>
        </div>
        <button class="ghost" onClick={props.onClose} aria-label="Close">
          ✕
        </button>
      </div>
      <p class="muted small">Entries owned by the role on {column.groupId === null ? 'all contacts' : `the members of “${column.name}”`}. Every change goes through the audited write API as you.</p>
      {list.length === 0 ? <p class="muted">No entries in this cell.</p> : null}
      <ul class="entry-list">
        {list.map((e) => (
          <li key={e.id}>
            <Chip e={e} />
            <span class="muted small">#{e.id} · priority {e.priority}</span>
            <div class="spacer" />
            <button class="small-btn" disabled={busy} onClick={() => run(`entry #${e.id} is now ${e.effect === 'allow' ? 'deny' : 'allow'}`, () => post('/api/matrix/cell/update', { entryId: e.id, effect: e.effect === 'allow' ? 'deny' : 'allow' }))}>
              make {e.effect === 'allow' ? 'deny' : 'allow'}
            </button>
            <button class="small-btn danger" disabled={busy} onClick={() => run(`entry #${e.id} removed`, () => post('/api/matrix/cell/delete', { entryId: e.id }))}>
              remove
            </button>
          </li>
        ))}
      </ul>
      <form
        class="add-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          void run(`${effect} ${operation} added`, () => post('/api/matrix/cell', { roleId, groupId: column.groupId, effect, operation, priority: Number(priority) }));
        }}
      >
        <div class="eyebrow">Add an entry</div>
        <div class="form-row">
          <select value={effect} onChange={(e) => setEffect((e.target as HTMLSelectElement).value as 'allow' | 'deny')} aria-label="Effect">
            <option value="allow">allow</option>
            <option value="deny">deny</option>
          </select>
          <select value={operation} onChange={(e) => setOperation((e.target as HTMLSelectElement).value)} aria-label="Operation">
            {ENTRY_OPERATIONS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <input class="num" value={priority} onInput={(e) => setPriority((e.target as HTMLInputElement).value)} aria-label="Priority" title="priority" />
          <button class="primary" type="submit" disabled={busy}>
            Add
          </button>
        </div>
      </form>
      {message ? <p class={message.ok ? 'ok-msg' : 'error-msg'}>{message.text}</p> : null}
    </aside>
  );
}
