import type { ComponentChildren } from 'preact';
import { logout } from '../api/auth';
import type { User } from '../api/types';
import { Link, usePath } from '../lib/router';
import { ConfirmHost } from './confirm-dialog';
import { Balances } from './balances';
import { LogoIcon } from './icons';

const playerLinks = [
  { href: '/quests', label: 'Quests' },
  { href: '/ledger', label: 'Ledger' },
  { href: '/settings', label: 'Settings' },
];
/** The admin area has navigation of its own: an admin at work is not playing. */
const adminLinks = [
  { href: '/admin/quests', label: 'Quests' },
  { href: '/admin/rewards', label: 'Rewards' },
  { href: '/admin/currencies', label: 'Currencies' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/api-keys', label: 'API keys' },
  { href: '/admin/webhooks', label: 'Webhooks' },
  { href: '/admin/audit', label: 'Audit log' },
];

function Nav({ user, inAdmin }: { user: User; inAdmin: boolean }) {
  if (inAdmin) {
    return (
      <nav aria-label="Admin" class="nav-admin">
        <ul class="nav">
          {adminLinks.map((l) => (
            <li key={l.href}>
              <Link href={l.href}>{l.label}</Link>
            </li>
          ))}
          <li class="nav-switch">
            <Link href="/quests">Player view</Link>
          </li>
        </ul>
      </nav>
    );
  }
  return (
    <nav aria-label="Main">
      <ul class="nav">
        {playerLinks.map((l) => (
          <li key={l.href}>
            <Link href={l.href}>{l.label}</Link>
          </li>
        ))}
        {user.role === 'admin' ? (
          <li class="nav-switch">
            <Link href="/admin/quests">Admin</Link>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

export function Shell({ user, title, children }: { user: User | null; title: string; children: ComponentChildren }) {
  const inAdmin = usePath().path.startsWith('/admin');
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class={inAdmin ? 'topbar topbar-admin' : 'topbar'}>
        <div class="topbar-row">
          <Link href={user ? '/quests' : '/login'} class="brand">
            <LogoIcon /> Questline
          </Link>
          {user ? (
            <div class="account">
              <span class="username" data-testid="username">
                {user.username}
                {user.role === 'admin' ? <span class="badge badge-admin">admin</span> : null}
              </span>
              <button type="button" class="btn btn-small btn-ghost" onClick={() => void logout()}>
                Log out
              </button>
            </div>
          ) : null}
        </div>
        {user ? (
          <div class="topbar-row topbar-nav">
            <Nav user={user} inAdmin={inAdmin} />
            {inAdmin ? null : <Balances balances={user.balances} />}
          </div>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{title}</h1>
        {children}
      </main>
      <ConfirmHost />
    </>
  );
}
