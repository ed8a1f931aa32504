import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { settingsFromContext } from '../../infra/context.js';
import { PublisherStack } from '../../infra/publisher-stack.js';

/** The context defaults the app ships with (cdk.json). */
export const CDK_JSON_CONTEXT: Record<string, unknown> = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

export interface Synthesized {
  readonly app: App;
  readonly stack: PublisherStack;
  readonly template: Template;
}

/**
 * Runs `build` without CDK's "Bundling asset <path>..." line, which asset staging writes straight
 * to stderr for every bundling (once per synthesized stack). Anything else written to stderr
 * still gets through. The bundling itself runs for real.
 */
export function withoutBundlingNotices<T>(build: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string' && chunk.startsWith('Bundling asset ')) return true;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof process.stderr.write;
  try {
    return build();
  } finally {
    process.stderr.write = write;
  }
}

/** Runs `build` with console.error captured instead of printed; returns its result and what it printed. */
export function capturingConsoleError<T>(build: () => T): [T, string[]] {
  const printed: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  };
  try {
    return [build(), printed];
  } finally {
    console.error = original;
  }
}

/** Creates the stack the way infra/app.ts does, in `app` (whose context is already set). */
export function buildStack(app: App): PublisherStack {
  const settings = settingsFromContext(app.node);
  return withoutBundlingNotices(() => new PublisherStack(app, settings.stackName, { publisher: settings.publisher }));
}

/**
 * Builds the app the way infra/app.ts does (cdk.json context, then `overrides` as `-c` would
 * give them) and synthesizes the stack. Bundling runs the local esbuild, once per call (each
 * app stages into its own directory): share one result per test file where the context is the same.
 */
export function synthesize(overrides: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...overrides } });
  const stack = buildStack(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every `AWS::IAM::Policy` statement in the template, flattened. */
export function policyStatements(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
    const document = (policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } })
      .Properties.PolicyDocument;
    return document.Statement;
  });
}

/** `Action` of a statement as a list. */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const action = statement.Action;
  return Array.isArray(action) ? (action as string[]) : [action as string];
}

/** `Resource` of a statement as a list. */
export function resourcesOf(statement: Record<string, unknown>): unknown[] {
  const resource = statement.Resource;
  return Array.isArray(resource) ? resource : [resource];
}

/** The logical ID of the only resource of `type` whose properties match `props` (fails otherwise). */
export function logicalIdOf(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const found = Object.keys(template.findResources(type, { Properties: props }));
  if (found.length !== 1)
    throw new Error(`expected one ${type} matching ${JSON.stringify(props)}, found ${found.length}`);
  return found[0] as string;
}

/**
 * The state machine's definition, parsed. CloudFormation tokens inside it become readable
 * markers: `${Token[{"Fn::GetAtt":["<id>","Arn"]}]}`-style text would not parse, so a GetAtt is
 * `${<logicalId>.Arn}` and a Ref is `${<name>}`.
 */
export function stateMachineDefinition(template: Template): Record<string, unknown> {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const definition = (machines[0] as { Properties: { DefinitionString: unknown } }).Properties.DefinitionString;
  const text = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const token = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string; 'Fn::Join'?: [string, unknown[]] };
    if (token['Fn::GetAtt']) return `\${${token['Fn::GetAtt'][0]}.${token['Fn::GetAtt'][1]}}`;
    if (token.Ref) return `\${${token.Ref}}`;
    if (token['Fn::Join']) return token['Fn::Join'][1].map(text).join(token['Fn::Join'][0]);
    throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
  };
  return JSON.parse(text(definition)) as Record<string, unknown>;
}
