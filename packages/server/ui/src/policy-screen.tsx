import { useState } from 'preact/hooks';
import { ApiError, get, post } from './api';

interface Problem {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}
interface Outcome {
  written: boolean;
  changes: { kind: string; action: string; label: string; fields: string[]; note: string | null }[];
  conflicts: { kind: string; key: string; message: string }[];
  counts: { create: number; update: number; delete: number };
  notes: string[];
}

export function PolicyScreen() {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('policy.yaml');
  const [prune, setPrune] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (path: string) => {
    setBusy(true);
    setError(null);
    setProblems([]);
    try {
      const r = await post<Outcome>(path, { text, fileName, prune });
      setOutcome(r);
      setChecked(path.endsWith('dry-run') ? text : null);
    } catch (e) {
      setOutcome(null);
      setError(e instanceof Error ? e.message : String(e));
      if (e instanceof ApiError && Array.isArray(e.body.problems)) setProblems(e.body.problems as Problem[]);
    } finally {
      setBusy(false);
    }
  };
  const exportPolicy = async () => {
    const r = await get<{ text: string; warnings: string[] }>('/api/policy/export', { format: 'yaml' });
    setText(r.text);
    setFileName('exported.yaml');
    setOutcome(null);
    setChecked(null);
  };
  return (
    <div class="stack">
      <section class="panel">
        <div class="toolbar">
          <h1>Policy file</h1>
          <span class="muted">paste or upload YAML, see the dry-run diff, then apply; or export the current policy</span>
          <div class="spacer" />
          <button onClick={() => void exportPolicy()}>Export current policy</button>
        </div>
        <div class="form-row">
          <label class="upload">
            Upload a file
            <input
              type="file"
              accept=".yaml,.yml,.json"
              data-testid="policy-upload"
              onChange={async (e) => {
                const f = (e.target as HTMLInputElement).files?.[0];
                if (!f) return;
                setFileName(f.name);
                setText(await f.text());
                setOutcome(null);
                setChecked(null);
              }}
            />
          </label>
          <span class="muted small">{fileName}</span>
          <div class="spacer" />
          <label class="check">
            <input type="checkbox" checked={prune} onChange={(e) => setPrune((e.target as HTMLInputElement).checked)} /> prune (remove what the file no longer has)
          </label>
        </div>
        <textarea class="code" spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} placeholder="version: 1&#10;domain: default&#10;…" aria-label="Policy file" />
        <div class="form-row">
          <button class="primary" disabled={busy || text.trim() === ''} onClick={() => void send('/api/policy/dry-run')}>
            Dry run
          </button>
          <button class="danger-btn" disabled={busy || checked !== text} onClick={() => void send('/api/policy/apply')} title="available after a successful dry run of this text">
            Apply
          </button>
        </div>
      </section>
      {error ? (
        <section class="panel error-panel" data-testid="policy-errors">
          <h3>{error}</h3>
          {problems.length > 0 ? (
            <ul class="problems">
              {problems.map((p, i) => (
                <li key={i}>
                  <code>
                    {p.file}:{p.line}:{p.column}
                  </code>{' '}
                  {p.field ? <strong>{p.field}</strong> : null} {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
      {outcome ? (
        <section class="panel" data-testid="policy-diff">
          <h3>
            {outcome.written ? 'Applied' : 'Dry run'}: {outcome.counts.create} to create, {outcome.counts.update} to update, {outcome.counts.delete} to delete
          </h3>
          {outcome.changes.length === 0 ? <p class="muted">The database already matches the file.</p> : null}
          <ul class="changes">
            {outcome.changes.slice(0, 500).map((c, i) => (
              <li key={i} class={`change ${c.action}`}>
                <span class="sign">{c.action === 'create' ? '+' : c.action === 'delete' ? '−' : '~'}</span> {c.label}
                {c.fields.length > 0 && c.action === 'update' ? <span class="muted small"> ({c.fields.join(', ')})</span> : null}
                {c.note ? <span class="muted small"> — {c.note}</span> : null}
              </li>
            ))}
          </ul>
          {outcome.conflicts.map((c, i) => (
            <p key={i} class="error-msg">
              {c.kind} {c.key}: {c.message}
            </p>
          ))}
          {outcome.notes.map((n, i) => (
            <p key={i} class="muted small">
              {n}
            </p>
          ))}
        </section>
      ) : null}
    </div>
  );
}
