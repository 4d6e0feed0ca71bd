import type { ComponentChildren } from 'preact';
import { logout } from '../api/auth';
import type { User } from '../api/types';
import { Link } from '../lib/router';
import { Balances } from './balances';
import { LogoIcon } from './icons';

const playerLinks = [
  { href: '/quests', label: 'Quests' },
  { href: '/ledger', label: 'Ledger' },
  { href: '/settings', label: 'Settings' },
];
const adminLinks = [
  { href: '/admin/quests', label: 'Admin: quests' },
  { href: '/admin/rewards', label: 'Rewards' },
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/webhooks', label: 'Webhooks' },
];

export function Shell({ user, title, children }: { user: User | null; title: string; children: ComponentChildren }) {
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
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
            <nav aria-label="Main">
              <ul class="nav">
                {[...playerLinks, ...(user.role === 'admin' ? adminLinks : [])].map((l) => (
                  <li key={l.href}>
                    <Link href={l.href}>{l.label}</Link>
                  </li>
                ))}
              </ul>
            </nav>
            <Balances balances={user.balances} />
          </div>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{title}</h1>
        {children}
      </main>
    </>
  );
}
