import { requireCatalog } from '../clients/catalog-cache.js';
import type { UserApplyResult, UserEvents } from './apply-types.js';
import { commitEvents, type CommitDeps } from './commit-events.use-case.js';

interface Pending {
  user: UserEvents;
  resolve: (result: UserApplyResult) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** Transactions in flight at once; what arrives meanwhile waits and is committed together. */
  maxInFlight: number;
  /** Most submissions in one transaction. */
  maxGroup: number;
}

/**
 * Group commit for single events: requests that arrive while `maxInFlight` transactions are
 * running are applied together in the next transaction (one lock statement, one insert of all
 * events, one upsert of all states, one commit), yet each caller gets its own answer once that
 * transaction has committed. Nothing waits on a timer: under light load every event gets its own
 * transaction at once; under load the groups grow by themselves. Per-event idempotency and per-user
 * order are those of applyEvents (a user's events in a group are applied in arrival order); if a
 * group fails, each of its events is retried alone, so one bad event cannot fail the others.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly deps: CommitDeps,
    private readonly opts: GroupCommitOptions,
  ) {}

  /** Applies one user's events (each carrying the states right after it) once their group has committed. */
  submit(user: UserEvents): Promise<UserApplyResult> {
    requireCatalog(this.deps.catalog);
    return new Promise((resolve, reject) => {
      this.queue.push({ user, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.opts.maxGroup);
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(group: Pending[]): Promise<void> {
    try {
      const results = await commitEvents(
        this.deps,
        group.map((p) => p.user),
        { snapshots: true },
      );
      group.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      await Promise.all(group.map((p) => this.run([p])));
    }
  }
}
