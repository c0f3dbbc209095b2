import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, OPERATIONS } from './api';
import { ContactPicker } from './contact-picker';
import { go, type Route } from './router';

interface Row {
  label: string;
  visible: number;
  total: number;
  edit: number;
  create: string[];
  tokenized?: boolean;
}
interface PersonView {
  subject: { contactId: number | null; userId: string | null; name: string | null; administrator: boolean; groups: string[]; roles: string[]; permissions: string[] };
  attribute: string | null;
  byValue: Row[];
  byGroup: Row[];
  partial: boolean;
}
interface Why {
  allowed: boolean;
  summary: string;
  reason: string;
}

function Table({ title, rows: all, first }: { title: string; rows: Row[]; first: string }) {
  const rows = all.filter((r) => r.total > 0 || r.create.length > 0 || r.tokenized);
  return (
    <div class="panel">
      <h3>{title}</h3>
      {rows.length < all.length ? <p class="muted small">{all.length - rows.length} empty groups not shown</p> : null}
      <table class="data">
        <thead>
          <tr>
            <th>{first}</th>
            <th class="num">can see</th>
            <th class="num">can edit</th>
            <th>may create</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <td>
                {r.label}
                {r.tokenized ? <span class="tag" title="membership depends on each person's own fields; counted without them">per person</span> : null}
              </td>
              <td class="num">
                <span class={r.visible > 0 ? 'count yes' : 'count'}>{r.visible}</span> <span class="muted">of {r.total}</span>
              </td>
              <td class="num">
                <span class={r.edit > 0 ? 'count yes' : 'count'}>{r.edit}</span> <span class="muted">of {r.total}</span>
              </td>
              <td>
                {r.create.length > 0 ? r.create.map((t) => <span key={t} class="badge allow spaced">{t.replaceAll('_', ' ')}</span>) : <span class="muted">–</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function PersonScreen({ route }: { route: Route }) {
  const contactId = route.params.get('contact');
  const userId = route.params.get('user');
  const [view, setView] = useState<PersonView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [target, setTarget] = useState('');
  const [op, setOp] = useState('view');
  const [why, setWhy] = useState<Why | null>(null);
  const who = contactId ? { contactId } : userId ? { userId } : null;
  useEffect(() => {
    setView(null);
    setWhy(null);
    if (!who) return;
    get<PersonView>('/api/person', who).then(setView, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [contactId, userId]);
  const ask = () => {
    if (!who) return;
    get<Why>('/api/why', { ...who, operation: op, target: target.trim() }).then(setWhy, (e: unknown) =>
      setWhy({ allowed: false, reason: 'error', summary: e instanceof Error ? e.message : String(e) }),
    );
  };
  return (
    <div class="stack">
      <section class="panel">
        <div class="toolbar">
          <h1>A person</h1>
          <span class="muted">what a user or contact can see and create, and why</span>
        </div>
        <ContactPicker testId="person-picker" placeholder="Find a person: name, contact id or user id…" onPick={(c) => go('person', { contact: c.id })} />
      </section>
      {error ? <div class="panel error-panel">{error}</div> : null}
      {who && !view && !error ? <p class="muted pad">Asking the engine…</p> : null}
      {view ? (
        <>
          <section class="panel person-head" data-testid="person-summary">
            <div>
              <div class="eyebrow">{view.subject.administrator ? 'Administrator' : 'Person'}</div>
              <h2>{view.subject.name ?? (view.subject.contactId ? `contact ${view.subject.contactId}` : 'anonymous')}</h2>
              <p class="muted small">
                contact {view.subject.contactId ?? '–'} · user {view.subject.userId ?? '–'}
              </p>
            </div>
            <div class="holdings">
              <div>
                <span class="eyebrow">Roles</span> {view.subject.roles.length ? view.subject.roles.map((r) => <span key={r} class="pill">{r}</span>) : <span class="muted">none</span>}
              </div>
              <div>
                <span class="eyebrow">Groups</span> {view.subject.groups.length ? view.subject.groups.slice(0, 12).map((g) => <span key={g} class="pill">{g}</span>) : <span class="muted">none</span>}
              </div>
              <div>
                <span class="eyebrow">Permissions</span>{' '}
                {view.subject.permissions.length ? view.subject.permissions.map((p) => <span key={p} class="pill soft">{p}</span>) : <span class="muted">none</span>}
              </div>
            </div>
          </section>
          <section class="panel why" data-testid="why-panel">
            <h3>Why?</h3>
            <div class="form-row">
              <span>May this person</span>
              <select value={op} onChange={(e) => setOp((e.target as HTMLSelectElement).value)} aria-label="Operation">
                {OPERATIONS.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
              <span>contact</span>
              <input class="num wide-num" placeholder="id" value={target} onInput={(e) => setTarget((e.target as HTMLInputElement).value)} aria-label="Contact id" />
              <button class="primary" onClick={ask}>
                Explain
              </button>
            </div>
            {why ? (
              <p class={why.allowed ? 'verdict allow' : 'verdict deny'} data-testid="why-answer">
                <strong>{why.allowed ? 'Yes.' : 'No.'}</strong> {why.summary}
              </p>
            ) : null}
          </section>
          <div class="two-col">
            <Table title={`By ${view.attribute ?? 'attribute'}`} first={view.attribute ?? 'value'} rows={view.byValue} />
            <Table title="By group" first="group" rows={view.byGroup} />
          </div>
          {view.partial ? <p class="muted small">Counted over the first 50,000 contacts.</p> : null}
        </>
      ) : null}
    </div>
  );
}
