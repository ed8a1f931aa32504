import { readdirSync, readFileSync } from 'node:fs';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { TABLE_ACTIONS } from '../../infra/usage-publisher.js';
import { expiresAt } from '../../lib/aws/ledger-keys.js';
import { REPUBLISH_SOURCE } from '../../lib/contract.js';
import { actionsOf, logicalIdOf, synthesize } from './helpers.js';

const TABLE = 'AWS::DynamoDB::Table';
const LEDGER_KEYS = [
  { AttributeName: 'runKey', KeyType: 'HASH' },
  { AttributeName: 'clientId', KeyType: 'RANGE' },
];
const ROOT = new URL('../../', import.meta.url);

/** The DynamoDB action each document-client call needs (paging helpers and our queryAll included). */
const CALLS: ReadonlyArray<[RegExp, string]> = [
  [/\bnew GetCommand\(/, 'dynamodb:GetItem'],
  [/\bnew PutCommand\(/, 'dynamodb:PutItem'],
  [/\bnew UpdateCommand\(|\bupdateAll\(/, 'dynamodb:UpdateItem'],
  [/\bnew DeleteCommand\(/, 'dynamodb:DeleteItem'],
  [/\bnew QueryCommand\(|\bpaginateQuery\(|\bqueryAll\(/, 'dynamodb:Query'],
  [/\bnew ScanCommand\(|\bpaginateScan\(/, 'dynamodb:Scan'],
  [/\bnew BatchWriteCommand\(/, 'dynamodb:BatchWriteItem'],
  [/\bnew BatchGetCommand\(/, 'dynamodb:BatchGetItem'],
  [/\bnew TransactWriteCommand\(/, 'dynamodb:TransactWriteItems'],
  [/\bnew TransactGetCommand\(/, 'dynamodb:TransactGetItems'],
];

/**
 * What the runtime really calls on the Ledger: the classes lib/runtime.ts builds on `config.ledgerTable`,
 * found in lib/aws, and the DynamoDB calls in their source files.
 */
function ledgerActionsInCode(): string[] {
  const runtime = readFileSync(new URL('lib/runtime.ts', ROOT), 'utf8');
  const classes = [...runtime.matchAll(/new (\w+)\(\s*db,\s*config\.ledgerTable/g)].map((m) => m[1]!);
  expect(classes.length).toBeGreaterThan(0);
  const dir = new URL('lib/aws/', ROOT);
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(new URL(f, dir), 'utf8'));
  const used = new Set<string>();
  for (const name of classes) {
    const files = sources.filter((text) => new RegExp(`export class ${name}\\b`).test(text));
    expect(files).toHaveLength(1);
    for (const [pattern, action] of CALLS) if (pattern.test(files[0]!)) used.add(action);
  }
  return [...used].sort();
}

/** IAM prefix of each AWS SDK client the runtime imports (other than DynamoDB). */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-sfn': 'states',
};

/** `<prefix>:<Operation>` for every `new <Operation>Command(` of those clients in lib/aws. */
function otherAwsActionsInCode(): string[] {
  const dir = new URL('lib/aws/', ROOT);
  const used = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    for (const [module, prefix] of Object.entries(SERVICE_PREFIX)) {
      const imported = new RegExp(`import \\{([^}]*)\\} from '${module}'`).exec(text)?.[1] ?? '';
      for (const m of imported.matchAll(/\b(\w+)Command\b/g)) {
        if (new RegExp(`new ${m[1]}Command\\(`).test(text)) used.add(`${prefix}:${m[1]}`);
      }
    }
  }
  return [...used].sort();
}

describe('Stack: kept tables, who may trigger a run, no unused grants (contract v3)', () => {
  let template: Template;
  let functionActionsOn: (logicalId: string) => string[];
  let functionActions: string[];

  beforeAll(() => {
    ({ template } = synthesize());
    const role = new Capture();
    template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [role, 'Arn'] } });
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role.asString() }] } }),
    ) as Array<{ Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }>;
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement;
    functionActions = [...new Set(statements.flatMap(actionsOf))].sort();
    functionActionsOn = (logicalId) =>
      [
        ...new Set(statements.filter((s) => JSON.stringify(s.Resource).includes(`"${logicalId}"`)).flatMap(actionsOf)),
      ].sort();
  });

  describe('Kept on stack deletion', () => {
    it('retains every table, the Ledger included, on stack deletion and replacement, with deletion protection on', () => {
      const tables = template.findResources(TABLE);
      expect(Object.keys(tables)).toHaveLength(4);
      template.allResources(TABLE, {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
      template.hasResource(TABLE, {
        Properties: Match.objectLike({ KeySchema: LEDGER_KEYS, DeletionProtectionEnabled: true }),
        DeletionPolicy: 'Retain',
      });
    });

    it("keeps the Ledger's TTL on expiresAt, and nothing a dispute needs expires within 25 months of its last write", () => {
      template.hasResourceProperties(TABLE, {
        KeySchema: LEDGER_KEYS,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
      for (const written of ['2026-01-31T23:59:59Z', '2027-02-28T00:00:00Z', '2028-02-29T12:00:00Z']) {
        const at = new Date(written);
        const twentyFiveMonthsLater = Date.UTC(
          at.getUTCFullYear(),
          at.getUTCMonth() + 25,
          at.getUTCDate(),
          at.getUTCHours(),
          at.getUTCMinutes(),
          at.getUTCSeconds(),
        );
        expect(expiresAt(written) * 1000).toBeGreaterThanOrEqual(twentyFiveMonthsLater);
      }
    });
  });

  describe('Who may trigger a run', () => {
    it(`starts runs only for Republish Requested events from source ${REPUBLISH_SOURCE}, on the custom bus`, () => {
      const bus = logicalIdOf(template, 'AWS::Events::EventBus');
      const pattern = new Capture();
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: bus },
        EventPattern: Match.objectLike({ 'detail-type': ['Republish Requested'] }),
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: pattern,
        Targets: [Match.objectLike({ Arn: { Ref: logicalIdOf(template, 'AWS::StepFunctions::StateMachine') } })],
      });
      expect(pattern.asObject()).toEqual({
        source: ['connectwise-usage-publisher.ops'],
        'detail-type': ['Republish Requested'],
      });
    });

    it("lets only the stack's own AWS account put events on the bus (allow the account, deny every other)", () => {
      const bus = logicalIdOf(template, 'AWS::Events::EventBus');
      const busArn = { 'Fn::GetAtt': [bus, 'Arn'] };
      const policy = (statement: Record<string, unknown>) =>
        template.hasResourceProperties('AWS::Events::EventBusPolicy', {
          EventBusName: { Ref: bus },
          Statement: Match.objectLike({ Action: 'events:PutEvents', Resource: busArn, ...statement }),
        });
      template.resourceCountIs('AWS::Events::EventBusPolicy', 2);
      policy({
        Effect: 'Allow',
        Principal: {
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] },
        },
        Condition: Match.absent(),
      });
      policy({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
      });
    });
  });

  describe('No unused grants', () => {
    it("grants the Ledger exactly the DynamoDB actions the Ledger's repositories call, no PutItem or BatchWriteItem", () => {
      const ledger = logicalIdOf(template, TABLE, { KeySchema: LEDGER_KEYS });
      const inCode = ledgerActionsInCode();
      expect([...TABLE_ACTIONS.ledger].sort()).toEqual(inCode);
      expect(functionActionsOn(ledger)).toEqual(inCode);
      expect(functionActionsOn(ledger)).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
      expect(functionActionsOn(ledger)).not.toEqual(expect.arrayContaining(['dynamodb:BatchWriteItem']));
    });

    it("gives the function's role only actions its code or the Lambda service uses", () => {
      // The runtime's own calls: EventBridge, Secrets Manager, Step Functions (DynamoDB: the tests above).
      const sdk = otherAwsActionsInCode();
      expect(sdk).toEqual(['events:PutEvents', 'secretsmanager:GetSecretValue', 'states:StartExecution']);
      // What Lambda does on the function's behalf: its logs, X-Ray traces, the on-failure destination.
      const service = [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ];
      const dynamo = [...new Set(Object.values(TABLE_ACTIONS).flat())];
      expect(functionActions).toEqual([...new Set([...sdk, ...service, ...dynamo])].sort());
    });

    it('grants the operator tables only the reads the function makes (account get + list, mappings and usage queries)', () => {
      const hashAnd = (sortKey?: string) => [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' }] : []),
      ];
      const expected: Array<[Array<Record<string, string>>, readonly string[], string[]]> = [
        [hashAnd(), TABLE_ACTIONS.accounts, ['dynamodb:GetItem', 'dynamodb:Scan']],
        [hashAnd('clientId'), TABLE_ACTIONS.mappings, ['dynamodb:Query']],
        [hashAnd('usageKey'), TABLE_ACTIONS.usage, ['dynamodb:Query']],
      ];
      for (const [keySchema, declared, reads] of expected) {
        expect([...declared].sort()).toEqual(reads);
        expect(functionActionsOn(logicalIdOf(template, TABLE, { KeySchema: keySchema }))).toEqual(reads);
      }
    });
  });
});
