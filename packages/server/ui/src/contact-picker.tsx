import { useEffect, useState } from 'preact/hooks';
import { get, type Contact } from './api';

/** A search box over contacts (by id, host user id, or part of the name) with a short result list. */
export function ContactPicker(props: { placeholder: string; onPick: (c: Contact) => void; testId: string }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[]>([]);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => {
      get<{ contacts: Contact[] }>('/api/contacts', { q, limit: 12 }).then((r) => setFound(r.contacts), () => setFound([]));
    }, 150);
    return () => clearTimeout(t);
  }, [q]);
  return (
    <div class="picker" data-testid={props.testId}>
      <input
        class="search wide"
        placeholder={props.placeholder}
        value={q}
        onFocus={() => setOpen(true)}
        onInput={(e) => {
          setQ((e.target as HTMLInputElement).value);
          setOpen(true);
        }}
      />
      {open && found.length > 0 ? (
        <ul class="picker-list">
          {found.map((c) => (
            <li key={c.id}>
              <button
                onClick={() => {
                  setOpen(false);
                  setQ(c.sortName ?? String(c.id));
                  props.onPick(c);
                }}
              >
                <span>{c.sortName ?? `contact ${c.id}`}</span>
                <span class="muted small">
                  #{c.id} · {c.contactType ?? ''} {Object.values(c.attributes).filter((v) => v !== null).slice(0, 2).join(' · ')}
                  {c.isDeleted ? ' · deleted' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
