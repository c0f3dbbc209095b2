// Screens and hash routes (#/person?contact=12), so every screen has an address.
export const SCREENS = [
  { id: 'matrix', label: 'Grant matrix' },
  { id: 'person', label: 'Person' },
  { id: 'contact', label: 'Contact' },
  { id: 'audit', label: 'Audit log' },
  { id: 'policy', label: 'Policy file' },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];

export interface Route {
  screen: ScreenId;
  params: URLSearchParams;
}

export function readRoute(): Route {
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const screen = (SCREENS.find((s) => s.id === path)?.id ?? 'matrix') as ScreenId;
  return { screen, params: new URLSearchParams(query) };
}

export function go(screen: ScreenId, params: Record<string, string | number> = {}): void {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  location.hash = `#/${screen}${q ? `?${q}` : ''}`;
}

