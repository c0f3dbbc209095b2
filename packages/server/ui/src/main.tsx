import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './api';
import { AuditScreen } from './audit-screen';
import { ContactScreen } from './contact-screen';
import { MatrixScreen, prefetchMatrix } from './matrix-screen';
import { PersonScreen } from './person-screen';
import { PolicyScreen } from './policy-screen';
import { readRoute, SCREENS } from './router';

interface Session {
  actor: string;
  domain: string;
  permission: string;
}

function App() {
  const [route, setRoute] = useState(readRoute());
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const on = () => setRoute(readRoute());
    addEventListener('hashchange', on);
    get<Session>('/api/session').then(setSession, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
    return () => removeEventListener('hashchange', on);
  }, []);
  return (
    <div class="shell">
      <header class="topbar">
        <div class="brand">
          <span class="logo">rg</span>
          <span>rowguard</span>
          <span class="muted">admin</span>
        </div>
        <nav class="tabs">
          {SCREENS.map((s) => (
            <a key={s.id} href={`#/${s.id}`} class={route.screen === s.id ? 'tab active' : 'tab'}>
              {s.label}
            </a>
          ))}
        </nav>
        <div class="who">
          {session ? (
            <>
              <span class="pill">domain {session.domain}</span>
              <span class="muted">signed in as</span> <strong>{session.actor}</strong>
            </>
          ) : null}
        </div>
      </header>
      <main class="content">
        {error ? (
          <div class="panel error-panel">
            <h2>Cannot open the page</h2>
            <p>{error}</p>
          </div>
        ) : !session ? (
          <p class="muted pad">Loading…</p>
        ) : route.screen === 'matrix' ? (
          <MatrixScreen />
        ) : route.screen === 'person' ? (
          <PersonScreen route={route} />
        ) : route.screen === 'contact' ? (
          <ContactScreen route={route} />
        ) : route.screen === 'audit' ? (
          <AuditScreen />
        ) : (
          <PolicyScreen />
        )}
      </main>
    </div>
  );
}

// The matrix is the first screen most visits open: ask for it beside the session, not after it.
if (readRoute().screen === 'matrix') prefetchMatrix();
render(<App />, document.getElementById('app') as HTMLElement);
