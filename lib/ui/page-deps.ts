import type { Mapping, PublisherDeps } from '../publisher/ports/index.js';
import type { Onboarding } from './onboarding.js';

/** What Save writes besides reading: the mappings repository's write side (DynamoMappingsRepository). */
export interface MappingWriter {
  readonly table: string;
  putMany(mappings: readonly Mapping[]): Promise<void>;
  remove(accountId: string, clientId: string): Promise<boolean>;
}

/** Everything the page needs: the publisher's own adapters (same core as `cwpub publish`) and onboarding. */
export interface PageDeps extends Omit<PublisherDeps, 'mappings'> {
  readonly mappings: PublisherDeps['mappings'] & MappingWriter;
  readonly onboarding: Onboarding;
  /** The account `cwpub ui --account` named: the one shown first. */
  readonly defaultAccountId?: string | undefined;
}

/** Rows per page: a search narrows the rows, so a searched client is on the first page. */
export const PAGE_SIZE = 100;
