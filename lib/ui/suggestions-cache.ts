import { describeError } from '../errors.js';
import type { Onboarding, SuggestionReport } from './onboarding.js';

export type SuggestionState =
  | { readonly state: 'pending' }
  | { readonly state: 'ready'; readonly report: SuggestionReport }
  | { readonly state: 'failed'; readonly error: string };

/**
 * Suggestions need ConnectWise (companies in bulk, then Management tabs): worth doing once per
 * account and period, in the background, so a page of thousands of clients renders without waiting.
 * Writes through the page forget the account's entries.
 */
export class SuggestionsCache {
  private readonly entries = new Map<string, { state: SuggestionState; done: Promise<void> }>();

  constructor(private readonly onboarding: Onboarding) {}

  /** The current state, starting the look-up when there is none; waits up to `waitMs` for it. */
  async get(accountId: string, period: string, waitMs = 0): Promise<SuggestionState> {
    const key = `${accountId}#${period}`;
    let entry = this.entries.get(key);
    // A failed look-up (ConnectWise unreachable, a setup problem) is tried again on the next page.
    if (!entry || entry.state.state === 'failed') {
      const created: { state: SuggestionState; done: Promise<void> } = {
        state: { state: 'pending' },
        done: Promise.resolve(),
      };
      created.done = this.onboarding.suggest(accountId, period).then(
        (report) => {
          created.state = { state: 'ready', report };
        },
        (error: unknown) => {
          created.state = { state: 'failed', error: describeError(error) };
        },
      );
      this.entries.set(key, created);
      entry = created;
    }
    if (entry.state.state === 'pending' && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.done, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
    return entry.state;
  }

  forget(accountId: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${accountId}#`)) this.entries.delete(key);
  }
}
