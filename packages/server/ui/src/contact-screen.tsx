import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, OPERATIONS, type Contact } from './api';
import { ContactPicker } from './contact-picker';
import { go, type Route } from './router';

interface Holder {
  kind: string;
  holder: { type: string; id?: number; name?: string };
  label: string;
  effect: 'allow' | 'deny';
  deciding: { id: number | null; priority: number; operation: string; effect: string } | null;
  entries: number;
  reach: { contacts: number; users: number } | null;
  condition: string | null;
  why: string;
}
interface Answer {
  contact: Contact | null;
  report: { operation: string; contactId: number; version: number; contactDeleted: boolean; holders: Holder[]; runtime: { hook: string; tap: string }[]; hostPermissions: boolean };
  names: Record<string, string>;
  lookupMs: number;
}

const SECTIONS: { kind: string; title: string; blurb: string }[] = [
  { kind: 'administrator', title: 'Administrators', blurb: 'Holders of an administrator role may do everything; no entry denies them.' },
  { kind: 'contact', title: 'Contacts', blurb: 'Entries owned by one contact (contact level: above group level at equal priority).' },
  { kind: 'delegation', title: 'Delegations', blurb: 'Delegated entries, checked against their parent right now.' },
  { kind: 'relationship', title: 'Relationships', blurb: 'Contacts that reach this one through a permissioned relationship.' },
  { kind: 'role', title: 'ACL roles', blurb: 'Entries owned by an ACL role; held by its assignees and the members of its groups.' },
  { kind: 'group', title: 'Groups', blurb: 'Entries owned by a static group; held by its Added members.' },
  { kind: 'everyone', title: 'Everyone', blurb: 'Every subject, anonymous visitors too.' },
  { kind: 'authenticated', title: 'Authenticated users', blurb: 'Every subject with a host user.' },
  { kind: 'permission', title: 'Functional permissions', blurb: 'Permissions that act as entries (not a bypass: denies still apply).' },
];

function HolderCard({ h, names }: { h: Holder; names: Record<string, string> }) {
  const name = h.holder.type === 'contact' && h.holder.id !== undefined && names[String(h.holder.id)] ? `${names[String(h.holder.id)]} (#${h.holder.id})` : h.label;
  return (
    <li class="holder">
      <div class="holder-top">
        <span class={`badge ${h.effect}`}>{h.effect}</span>
        <strong>{name}</strong>
        {h.deciding ? (
          <span class="muted small">
            {h.deciding.id !== null ? `entry #${h.deciding.id}` : 'built-in'} · {h.deciding.operation} · priority {h.deciding.priority}
          </span>
        ) : null}
        <div class="spacer" />
        {h.reach ? (
          <span class="reach">
            reaches <strong>{h.reach.contacts}</strong> contacts · <strong>{h.reach.users}</strong> users
          </span>
        ) : null}
      </div>
      <p class="small">{h.why}</p>
      {h.condition ? <p class="small cond">Only {h.condition}</p> : null}
    </li>
  );
}

export function ContactScreen({ route }: { route: Route }) {
  const id = route.params.get('id');
  const op = route.params.get('op') ?? 'view';
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setAnswer(null);
    setError(null);
    if (!id) return;
    get<Answer>('/api/who-can', { contactId: id, operation: op }).then(setAnswer, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [id, op]);
  const holders = answer?.report.holders ?? [];
  const allows = holders.filter((h) => h.effect === 'allow').length;
  return (
    <div class="stack">
      <section class="panel">
        <div class="toolbar">
          <h1>A contact</h1>
          <span class="muted">who can view or edit it: the reverse lookup, grouped and explained</span>
        </div>
        <div class="form-row">
          <ContactPicker testId="contact-picker" placeholder="Find a contact: name, id or user id…" onPick={(c: Contact) => go('contact', { id: c.id, op })} />
          <select value={op} onChange={(e) => id && go('contact', { id, op: (e.target as HTMLSelectElement).value })} aria-label="Operation">
            {OPERATIONS.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </div>
      </section>
      {error ? <div class="panel error-panel">{error}</div> : null}
      {answer ? (
        <>
          <section class="panel person-head" data-testid="who-can-summary">
            <div>
              <div class="eyebrow">Who can {answer.report.operation}</div>
              <h2>
                {answer.contact?.sortName ?? `contact ${answer.report.contactId}`} <span class="muted">#{answer.report.contactId}</span>
              </h2>
              <p class="muted small">
                {holders.length} holders, {allows} allowed on their own · policy version {answer.report.version} · looked up in {answer.lookupMs} ms
                {answer.report.contactDeleted ? ' · this contact is deleted' : ''}
              </p>
            </div>
            <p class="small note">
              A subject holding several of these combines them: the highest tier (priority, then contact level) decides, and inside it deny beats allow.
            </p>
          </section>
          {answer.report.runtime.length > 0 || answer.report.hostPermissions ? (
            <section class="panel runtime">
              {answer.report.runtime.map((r) => (
                <p key={`${r.hook}:${r.tap}`} class="small">
                  May also be granted at run time by tap <strong>{r.tap}</strong> on <code>{r.hook}</code>.
                </p>
              ))}
              {answer.report.hostPermissions ? <p class="small">The host’s permission provider may also hand out the functional permissions below.</p> : null}
            </section>
          ) : null}
          {SECTIONS.map((s) => {
            // Those that reach the most people first, then by priority.
            const list = holders
              .filter((h) => h.kind === s.kind)
              .sort((a, b) => (b.reach?.contacts ?? -1) - (a.reach?.contacts ?? -1) || (b.deciding?.priority ?? 0) - (a.deciding?.priority ?? 0));
            if (list.length === 0) return null;
            return (
              <section key={s.kind} class="panel" data-testid={`holders-${s.kind}`}>
                <h3>
                  {s.title} <span class="count-pill">{list.length}</span>
                </h3>
                <p class="muted small">{s.blurb}</p>
                <ul class="holders">
                  {list.map((h, i) => (
                    <HolderCard key={i} h={h} names={answer.names} />
                  ))}
                </ul>
              </section>
            );
          })}
          {holders.length === 0 ? <p class="panel muted">Nobody holds {answer.report.operation} on this contact.</p> : null}
        </>
      ) : null}
    </div>
  );
}
