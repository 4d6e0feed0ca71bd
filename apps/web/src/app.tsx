import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { session } from './api/session';
import type { User } from './api/types';
import { Shell } from './components/layout';
import { Loading } from './components/status';
import { match, navigate, usePath } from './lib/router';
import { useStore } from './lib/store';
import { LoginPage, SignupPage } from './pages/auth-pages';
import { LedgerPage } from './pages/ledger-page';
import { QuestsPage } from './pages/quests-page';
import { SettingsPage } from './pages/settings-page';
import { AdminQuestsPage } from './pages/admin/quests-list-page';
import { QuestFormPage } from './pages/admin/quest-form-page';
import { RewardsPage } from './pages/admin/rewards-page';
import { UsersPage } from './pages/admin/users-page';
import { WebhooksPage } from './pages/admin/webhooks-page';
import { CurrenciesPage } from './pages/admin/currencies-page';
import { ApiKeysPage } from './pages/admin/api-keys-page';
import { UserPage } from './pages/admin/user-page';
import { AuditPage } from './pages/admin/audit-page';

interface Route {
  pattern: string;
  title: string | ((p: Record<string, string>) => string);
  access: 'anonymous' | 'user' | 'admin';
  render: (p: Record<string, string>, user: User) => ComponentChildren;
}

const routes: Route[] = [
  { pattern: '/quests', title: 'Your quests', access: 'user', render: (_p, u) => <QuestsPage user={u} /> },
  { pattern: '/ledger', title: 'Ledger', access: 'user', render: () => <LedgerPage /> },
  { pattern: '/settings', title: 'Settings', access: 'user', render: (_p, u) => <SettingsPage user={u} /> },
  { pattern: '/admin/quests', title: 'Quests', access: 'admin', render: () => <AdminQuestsPage /> },
  { pattern: '/admin/quests/new', title: 'New quest', access: 'admin', render: () => <QuestFormPage /> },
  { pattern: '/admin/quests/:key/edit', title: (p) => `Edit quest ${p.key ?? ''}`, access: 'admin', render: (p) => <QuestFormPage questKey={p.key} /> },
  { pattern: '/admin/rewards', title: 'Rewards', access: 'admin', render: () => <RewardsPage /> },
  { pattern: '/admin/currencies', title: 'Currencies', access: 'admin', render: () => <CurrenciesPage /> },
  { pattern: '/admin/users', title: 'Users', access: 'admin', render: () => <UsersPage /> },
  { pattern: '/admin/users/:id', title: 'User', access: 'admin', render: (p) => <UserPage userId={p.id ?? ''} /> },
  { pattern: '/admin/api-keys', title: 'API keys', access: 'admin', render: () => <ApiKeysPage /> },
  { pattern: '/admin/webhooks', title: 'Webhooks', access: 'admin', render: () => <WebhooksPage /> },
  { pattern: '/admin/audit', title: 'Audit log', access: 'admin', render: () => <AuditPage /> },
];

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Loading label="Redirecting…" />;
}

export function App() {
  const state = useStore(session);
  const { path } = usePath();
  const user = state.phase === 'authenticated' ? state.user : null;

  useEffect(() => {
    const title = document.querySelector('main h1')?.textContent;
    document.title = title ? `${title} · Questline` : 'Questline';
  });

  // After a client-side navigation, keyboard and screen-reader users start at the new content.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) document.getElementById('main')?.focus({ preventScroll: true });
    firstPath.current = '';
  }, [path]);

  if (state.phase === 'starting') {
    return (
      <Shell user={null} title="Questline">
        <Loading label="Starting…" />
      </Shell>
    );
  }

  if (path === '/login' || path === '/signup') {
    if (user) return <Redirect to="/quests" />;
    return (
      <Shell user={null} title={path === '/login' ? 'Log in' : 'Create an account'}>
        {path === '/login' ? <LoginPage /> : <SignupPage />}
      </Shell>
    );
  }

  if (!user) return <Redirect to="/login" />;
  if (path === '/' || path === '') return <Redirect to="/quests" />;

  for (const r of routes) {
    const params = match(r.pattern, path);
    if (!params) continue;
    const title = typeof r.title === 'function' ? r.title(params) : r.title;
    if (r.access === 'admin' && user.role !== 'admin') {
      return (
        <Shell user={user} title="Not allowed">
          <p>This page is for admins.</p>
        </Shell>
      );
    }
    return (
      <Shell user={user} title={title}>
        {r.render(params, user)}
      </Shell>
    );
  }
  return (
    <Shell user={user} title="Page not found">
      <p>There is nothing at {path}.</p>
    </Shell>
  );
}
