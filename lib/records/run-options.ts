import * as z from 'zod';
import { InputValidationError } from '../errors.js';
import { parseOrThrow } from '../input/schemas.js';

/**
 * The run options, declared once (STYLE.md "Declare a shape once"): each with its schema, default,
 * CLI flag and help, where it may come from, and whether it travels with an account run between
 * invocations. The direct-invocation and Republish schemas, the state machine's request schema, the
 * `PublishRun`/`RunRequest` types and `cwpub publish`'s flags are derived from this table.
 */
export type RunOptionSource = 'cli' | 'invocation' | 'event';

export interface RunOptionDescriptor<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** The value when not given. */
  readonly default?: z.output<S>;
  /** `cwpub publish` flag (boolean options are plain switches). */
  readonly flag?: string;
  readonly help: string;
  /** The page's label. */
  readonly label: string;
  /** Who may set it. Contract v3: a Republish Requested event may not lift a guard. */
  readonly from: readonly RunOptionSource[];
  /** Travels with the account run to each invocation (the state machine's `request`). */
  readonly carried: boolean;
}

/** Declares an option keeping its exact types (schema, `carried`, whether it has a default). */
function option<const T extends RunOptionDescriptor>(d: T): T {
  return d;
}

const EVERYONE = ['cli', 'invocation', 'event'] as const;
const NOT_EVENTS = ['cli', 'invocation'] as const;
const PERIOD_SHAPE = /^\d{4}-\d{2}$/;

const TABLE = {
  accountId: option({
    schema: z.string().min(1),
    help: 'only this account (default: every enabled account, in parallel)',
    label: 'Account',
    from: EVERYONE,
    carried: false,
  }),
  period: option({
    schema: z.string().regex(PERIOD_SHAPE, { message: 'must be YYYY-MM' }),
    help: 'billing month (default: last month, UTC)',
    label: 'Period',
    from: EVERYONE,
    carried: false,
  }),
  clientIds: option({
    schema: z.array(z.string().min(1)).min(1),
    help: 'only these clients',
    label: 'Clients',
    from: EVERYONE,
    carried: true,
  }),
  dryRun: option({
    schema: z.boolean(),
    default: false,
    flag: '--dry-run',
    help: 'show what would change; write nothing anywhere',
    label: 'Dry run',
    from: EVERYONE,
    carried: true,
  }),
  allowMassRetire: option({
    schema: z.boolean(),
    default: false,
    flag: '--allow-mass-retire',
    help: 'retire clients with no usage even when that is more than max(2, 20%) of the account (metering incomplete?)',
    label: 'Allow mass retirement',
    from: NOT_EVENTS,
    carried: true,
  }),
  allowOlderPeriod: option({
    schema: z.boolean(),
    default: false,
    flag: '--allow-older-period',
    help: 'publish a month older than the one a configuration already holds',
    label: 'Allow an older month',
    from: NOT_EVENTS,
    carried: true,
  }),
  allowOpenPeriod: option({
    schema: z.boolean(),
    default: false,
    flag: '--allow-open-period',
    help: 'publish the current month, which is not over yet',
    label: 'Allow the current month',
    from: NOT_EVENTS,
    // Checked when the run is planned; the period is fixed after that.
    carried: false,
  }),
  rescan: option({
    schema: z.boolean(),
    default: false,
    flag: '--rescan',
    help: "look for every Managed ID on every company's Management tab (slow; like the first run)",
    label: 'Rescan',
    from: EVERYONE,
    carried: true,
  }),
};

type Options = typeof TABLE;
/** The table, each row seen through the common descriptor type (for code that walks every option). */
const ROWS: Readonly<Record<keyof Options, RunOptionDescriptor>> = TABLE;
export const RUN_OPTIONS = TABLE;
type Out<K extends keyof Options> = z.output<Options[K]['schema']>;
type CarriedKeys = { [K in keyof Options]: Options[K]['carried'] extends true ? K : never }[keyof Options];
type DefaultedKeys = { [K in keyof Options]: Options[K] extends { default: unknown } ? K : never }[keyof Options];

/** What a caller may ask for (every option optional). */
export type RunOptions = { readonly [K in keyof Options]?: Out<K> | undefined };

/** The options that travel with an account run across invocations (JSON-safe), defaults applied. */
export type CarriedOptions = { readonly [K in CarriedKeys & DefaultedKeys]: Out<K> } & {
  readonly [K in Exclude<CarriedKeys, DefaultedKeys>]?: Out<K> | undefined;
};

/**
 * What the product computes for itself and no caller may set (contract v3): the guard's base, a run's
 * position and its lock. Named so a payload carrying one is refused with a message saying why.
 */
export const COMPUTED_FIELDS: Readonly<Record<string, string>> = {
  ownedActiveAtStart: "the mass-retirement guard's base",
  invocation: "the run's position",
  startedAt: "the run's start",
  runId: "the run's id",
  lock: "the account's lock",
  request: "the run's carried options",
};

function schemaFor(source: RunOptionSource) {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, d] of Object.entries(ROWS)) if (d.from.includes(source)) shape[name] = d.schema.optional();
  return z.object(shape).strict() as unknown as z.ZodType<RunOptions>;
}

/** A direct invocation's payload. */
export const publishRequestSchema = schemaFor('invocation');
/** A Republish Requested event's `detail`. */
export const republishDetailSchema = schemaFor('event');

/** The state machine's `request`: the carried options (defaults applied) and whether an account was named. */
export const carriedRequestSchema = (() => {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, d] of Object.entries(ROWS)) {
    if (d.carried) shape[name] = d.default === undefined ? d.schema.optional() : d.schema;
  }
  return z.object({ ...shape, accountNamed: z.boolean() }).strict();
})() as unknown as z.ZodType<CarriedOptions & { readonly accountNamed: boolean }>;

/** The carried options of a run, defaults applied. */
export function carriedOptions(run: RunOptions): CarriedOptions {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(ROWS)) {
    if (!d.carried) continue;
    const value = (run as Record<string, unknown>)[name] ?? d.default;
    if (value !== undefined) out[name] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return out as CarriedOptions;
}

/** `cwpub publish`'s switches: every option the CLI may set with a flag. */
export function cliSwitches(): { name: keyof RunOptions; flag: string; help: string }[] {
  return Object.entries(ROWS)
    .filter(([, d]) => d.flag !== undefined && d.from.includes('cli'))
    .map(([name, d]) => ({ name: name as keyof RunOptions, flag: d.flag!, help: d.help }));
}

/**
 * Validates the run options of an input from `source`, naming the field: an option this source may
 * not set (a guard lifted by an event) and anything the product computes for itself are refused
 * with their own message; other unknown fields by the schema.
 */
export function parseRunOptions(input: unknown, source: 'invocation' | 'event', where: string): RunOptions {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    for (const key of Object.keys(input)) {
      const computed = COMPUTED_FIELDS[key];
      if (computed !== undefined) {
        throw new InputValidationError(`${where}: ${key} is ${computed}, computed by the product; it cannot be set`, {
          field: key,
          where,
        });
      }
      const d = (ROWS as Record<string, RunOptionDescriptor | undefined>)[key];
      if (d && !d.from.includes(source)) {
        throw new InputValidationError(
          `${where}: ${key} cannot come from a Republish Requested event (use cwpub publish ${d.flag} or a direct invocation)`,
          { field: key, where },
        );
      }
    }
  }
  const parsed = parseOrThrow(source === 'event' ? republishDetailSchema : publishRequestSchema, input, where);
  return parsed.clientIds ? { ...parsed, clientIds: [...new Set(parsed.clientIds)] } : parsed;
}
