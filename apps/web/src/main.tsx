import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { savedToken, saveToken } from './api';
import { ContainerDetailPage } from './pages/container-detail';
import { ClusterPage } from './pages/cluster';
import { ContainersPage } from './pages/containers';
import { onLinkClick, useLocation, type Location } from './router';
import './styles.css';

const PAGES: Array<{ href: string; title: string; match: (p: string) => boolean }> = [
  { href: '/', title: 'Containers', match: (p) => p === '/' || p.startsWith('/containers') },
  { href: '/explore', title: 'Explore', match: (p) => p === '/explore' },
  { href: '/cluster', title: 'Cluster', match: (p) => p === '/cluster' },
];

type ExploreModule = typeof import('./pages/explore');
let explore: Promise<ExploreModule> | undefined;

/** Explore carries the PromQL editor (most of the bundle): it loads only when opened. */
function LazyExplore({ loc }: { loc: Location }) {
  const [mod, setMod] = useState<ExploreModule>();
  useEffect(() => {
    explore ??= import('./pages/explore');
    void explore.then(setMod);
  }, []);
  return mod ? <mod.ExplorePage loc={loc} /> : <p class="muted">Loading…</p>;
}

function Page({ loc }: { loc: Location }) {
  const detail = /^\/containers\/([^/]+)$/.exec(loc.path);
  if (detail) {
    const id = decodeURIComponent(detail[1]!);
    return <ContainerDetailPage key={id} loc={loc} id={id} />;
  }
  if (loc.path === '/explore') return <LazyExplore loc={loc} />;
  if (loc.path === '/cluster') return <ClusterPage />;
  return <ContainersPage loc={loc} />;
}

/** The bearer token field, for a query service started with ZTSDB_HTTP_TOKEN. */
function TokenField() {
  const [token, setToken] = useState(savedToken());
  return (
    <input
      type="password"
      class="token"
      placeholder="API token"
      aria-label="API token"
      value={token}
      onChange={(e) => {
        const v = (e.target as HTMLInputElement).value.trim();
        setToken(v);
        saveToken(v);
        location.reload();
      }}
    />
  );
}

function App() {
  const loc = useLocation();
  return (
    <>
      <header class="top">
        <a class="brand" href="/" onClick={onLinkClick}>
          ztsdb
        </a>
        <nav>
          {PAGES.map((p) => (
            <a href={p.href} onClick={onLinkClick} class={p.match(loc.path) ? 'active' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <TokenField />
      </header>
      <main>
        <Page loc={loc} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
