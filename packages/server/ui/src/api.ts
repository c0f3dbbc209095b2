// The page's client for its JSON API: reads carry the session cookie; writes also carry the anti-forgery token
// the server sends back on every answer.
const base = document.body.dataset.base ?? '';
let csrf = '';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function handle<T>(res: Response): Promise<T> {
  const token = res.headers.get('x-rowguard-csrf');
  if (token) csrf = token;
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(String(body.error ?? `HTTP ${res.status}`), res.status, body);
  return body as T;
}

export function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return fetch(`${base}${path}${qs ? `?${qs}` : ''}`, { credentials: 'same-origin' }).then((r) => handle<T>(r));
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'x-rowguard-csrf': csrf },
    body: JSON.stringify(body),
  }).then((r) => handle<T>(r));
}

export interface Contact {
  id: number;
  sortName: string | null;
  contactType: string | null;
  isDeleted: boolean;
  attributes: Record<string, string | number | null>;
}

export const OPERATIONS = ['view', 'edit', 'create', 'delete', 'search'] as const;
export const ENTRY_OPERATIONS = ['view', 'edit', 'create', 'delete', 'search', 'all'] as const;
