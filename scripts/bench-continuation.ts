/**
 * `npm run bench` (last part), or alone: `npx tsx scripts/bench-continuation.ts [--time-scale 20]`.
 * Contract v3 "Every invocation makes progress": the synthesized state machine run locally
 * (aws-local-stepfunctions) with the REAL handler, dynalite and the simulator, counting invocations
 * and ConnectWise requests for an account whose first month needs several invocations.
 * 1. A 10,000-company site at 600 requests/minute with 15-minute invocations. Time is compressed, not
 *    waited for: the governor's rolling "minute" (ConnectWiseClient's `rateWindowMs`) and each
 *    invocation's time are both divided by --time-scale, so the run takes ~1/scale of its real time
 *    while requests and invocations are what the real scale would see (as long as this machine keeps
 *    up with the compressed rate; the wall time is printed beside it).
 * 2. Issue 20's case: 400 clients, invocations of 6 s, 600 requests/minute, in real time.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { createHandler } from '../functions/publish/handler.js';
import { createDocumentClient } from '../lib/aws/dynamo-client.js';
import { DynamoUsageRepository } from '../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../lib/config.js';
import { SiteGovernorRegistry } from '../lib/connectwise/site-governor.js';
import { connectWiseFactory, createAwsClients } from '../lib/runtime.js';
import { startLocalAws, TABLES, type LocalAws } from '../test/support/local-aws.js';
import { loadPublishStateMachine, type LocalStateMachine } from '../test/support/local-state-machine.js';
import type { Simulator } from '../test/simulator/index.js';
import { seedBenchSite } from './bench-seed.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const PERIOD = '2026-09';
const RATE = 600;

interface Scenario {
  readonly label: string;
  readonly clients: number;
  readonly companies: number;
  readonly noise: number;
  /** The Lambda's time per invocation, in real-scale ms. */
  readonly invocationMs: number;
  /** Real-scale time divided by this (1: real time). */
  readonly scale: number;
}

async function seed(aws: LocalAws, accountId: string, s: Scenario): Promise<Simulator> {
  const db = createDocumentClient(new DynamoDBClient({}));
  const { sim, clientIds: ids } = await seedBenchSite(aws, db, accountId, {
    ...s,
    latencyMs: 2,
    requestsPerMinute: RATE,
    maxBillableSpaceGb: 1_000_000,
  });
  await new DynamoUsageRepository(db, TABLES.USAGE_TABLE).putMany(
    ids.map((clientId, i) => ({
      accountId,
      usageKey: `${PERIOD}#${clientId}`,
      period: PERIOD,
      clientId,
      billableSpaceGb: 10 + (i % 97),
    })),
  );
  db.destroy();
  return sim;
}

async function run(aws: LocalAws, machine: LocalStateMachine, accountId: string, s: Scenario): Promise<string[]> {
  const sim = await seed(aws, accountId, s);
  const logger = pino({ level: 'silent' });
  const handler = createHandler({
    config: readConfig(process.env),
    clients: createAwsClients(),
    logger,
    overrides: {
      // The site's budget in a compressed minute, on a governor of its own.
      connectWise: connectWiseFactory(logger, {
        rateWindowMs: 60_000 / s.scale,
        governors: new SiteGovernorRegistry(),
      }),
    },
  });
  let invocations = 0;
  let idle = 0;
  const started = performance.now();
  try {
    const outcome = await machine.run(
      { accountId, period: PERIOD },
      {
        invokeFunction: async (payload) => {
          const answer = await handler(payload, { getRemainingTimeInMillis: () => s.invocationMs / s.scale });
          if ((payload as { task?: string }).task === 'publishAccount') {
            invocations++;
            if ((answer as { progress?: boolean }).progress === false) idle++;
          }
          return answer;
        },
      },
    );
    const wall = (performance.now() - started) / 1000;
    const requests = sim.requests.length;
    const active = sim.state.configurations.all().filter((c) => c.activeFlag !== false).length;
    const status = outcome.status === 'SUCCEEDED' ? 'done' : `FAILED (${outcome.cause.slice(0, 60)})`;
    return [
      s.label,
      String(invocations),
      String(idle),
      String(requests),
      (requests / s.clients).toFixed(2),
      `${(requests / RATE).toFixed(1)} min`,
      s.scale === 1 ? `${wall.toFixed(0)} s` : `${wall.toFixed(0)} s (≈ ${((wall * s.scale) / 60).toFixed(1)} min)`,
      `${status}; ${active}/${s.clients} configurations, ${sim.state.syncRuns.length} sync`,
    ];
  } finally {
    await sim.close();
  }
}

const HEADER = ['Scenario', 'Invocations', 'No progress', 'CW requests', 'Req/client', 'At 600/min', 'Wall', 'Outcome'];

/** Runs both scenarios and prints their table. */
export async function benchContinuation(options: { timeScale?: number; only?: 1 | 2 } = {}): Promise<void> {
  const scale = options.timeScale ?? 20;
  const aws = await startLocalAws();
  aws.apply();
  process.env.LOG_LEVEL = 'silent';
  try {
    const machine = loadPublishStateMachine();
    console.log(
      `\nContinuation (contract v3): the synthesized state machine with the real handler, ${RATE} requests/min per site.\n` +
        `Scenario 1 runs ${scale}× faster than real time: the governor's minute is ${(60 / scale).toFixed(1)} s and a ` +
        `15-minute invocation ${(900 / scale).toFixed(0)} s; requests and invocations are the real scale's.`,
    );
    const rows: string[][] = [];
    if (options.only !== 2)
      rows.push(
        await run(aws, machine, 'big-site', {
          label: '1,000 clients, 10,000 companies, 15-min invocations: first month',
          clients: 1_000,
          companies: 1_000,
          noise: 9_000,
          invocationMs: 900_000,
          scale,
        }),
      );
    if (options.only !== 1)
      rows.push(
        await run(aws, machine, 'issue-20', {
          label: '400 clients, 400 companies, 6-s invocations (issue 20)',
          clients: 400,
          companies: 400,
          noise: 0,
          invocationMs: 6_000,
          scale: 1,
        }),
      );
    const widths = HEADER.map((_, i) => Math.max(...[HEADER, ...rows].map((r) => r[i]!.length)));
    for (const r of [HEADER, ...rows]) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  } finally {
    await aws.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { 'time-scale': { type: 'string', default: '20' }, scenario: { type: 'string' } },
  });
  const only = values.scenario === '1' ? 1 : values.scenario === '2' ? 2 : undefined;
  await benchContinuation({ timeScale: Number(values['time-scale']), ...(only ? { only } : {}) });
}
