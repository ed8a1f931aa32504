/**
 * Runs the REAL synthesized publish state machine locally with aws-local-stepfunctions: the
 * definition is taken from the CloudFormation template the CDK app produces (tokens resolved to
 * placeholder ARNs), and each task is served by the caller: Lambda tasks by `invokeFunction`
 * (a fake of the plan/publishAccount protocol, or the real handler), the EventBridge putEvents
 * task by `putEvents`. Everything else (Map concurrency, Choice, retries, catches, intrinsic
 * functions, JSONPath) is the library's implementation of the Amazon States Language.
 */
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { synthesize } from '../infra/helpers.js';

// aws-local-stepfunctions 3 needs Promise.withResolvers (Node.js 22); this project runs on Node.js 20.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    },
  });
}

export const PLACEHOLDER = {
  partition: 'aws',
  region: 'us-east-1',
  accountId: '123456789012',
  urlSuffix: 'amazonaws.com',
} as const;

/** A PutEvents entry as EventBridge receives it from the task (Detail serialized, as the API carries it). */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
}

/** One task state run: what it was given and what came back (or the error it raised). */
export interface TaskCall {
  readonly state: string;
  readonly kind: 'lambda' | 'putEvents';
  readonly payload: unknown;
  result?: unknown;
  error?: { name: string; message: string };
}

export interface TaskHandlers {
  /** The publish function: takes the invocation payload, returns what the function returns, or throws. */
  readonly invokeFunction: (payload: unknown) => Promise<unknown>;
  /** Where the putEvents task's entries go. Default: nowhere (they are still listed in `calls`). */
  readonly putEvents?: (entries: PutEventsEntry[]) => void | Promise<void>;
}

export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown; readonly calls: TaskCall[] }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string; readonly calls: TaskCall[] };

export interface LocalStateMachine {
  /** The synthesized definition, tokens resolved. */
  readonly definition: StateMachineDefinition;
  /** Runs one execution with `input` (the execution input: a Republish Requested event, `{ scheduledTime }`, …). */
  run(input: unknown, handlers: TaskHandlers): Promise<ExecutionOutcome>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}

/**
 * Synthesizes the stack with `context` (as `-c` would give it, over cdk.json) and loads its
 * state machine. Bundles the function once, like any synthesis.
 */
export function loadPublishStateMachine(context: Record<string, unknown> = {}): LocalStateMachine {
  const resources = synthesize(context).template.toJSON().Resources as Record<string, TemplateResource>;
  const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1)
    throw new Error(`expected one AWS::StepFunctions::StateMachine in the template, found ${machines.length}`);
  const definitionString = resolveIntrinsics(machines[0]?.Properties?.DefinitionString ?? null, resources);
  if (typeof definitionString !== 'string') throw new Error('the state machine has no DefinitionString');
  const definition = JSON.parse(definitionString) as StateMachineDefinition;
  const tasks = taskStates(definition);
  // Retries keep their matching and attempt counts, without the waits.
  const retryIntervalOverrides = Object.fromEntries(retryableStates(definition).map((name) => [name, 0]));

  return {
    definition,
    async run(input, handlers) {
      const calls: TaskCall[] = [];
      const taskResourceLocalHandlers = Object.fromEntries(
        tasks.map(({ name, resource }) => [name, taskHandler(name, resource, handlers, calls)]),
      );
      const machine = new StateMachine(definition);
      const execution = machine.run(input as Json, {
        overrides: { taskResourceLocalHandlers, retryIntervalOverrides },
      });
      try {
        return { status: 'SUCCEEDED', output: await execution.result, calls };
      } catch (error) {
        if (!(error instanceof ExecutionError)) throw error;
        const failure = error.cause as Error;
        return { status: 'FAILED', error: failure.name, cause: failure.message, calls };
      }
    },
  };
}

/** Resolves the CloudFormation intrinsics CDK puts in a definition, with placeholder values. */
export function resolveIntrinsics(value: Json, resources: Record<string, TemplateResource>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, resources));
  if (value === null || typeof value !== 'object') return value;
  const [key] = Object.keys(value);
  if (Object.keys(value).length === 1 && key !== undefined) {
    const argument = value[key] as Json;
    switch (key) {
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, Json[]];
        return parts.map((p) => String(resolveIntrinsics(p, resources))).join(separator);
      }
      case 'Ref':
        return ref(argument as string, resources);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = argument as [string, string];
        if (attribute !== 'Arn')
          throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not supported by the local harness`);
        return arnOf(logicalId, resources);
      }
      default:
        if (key.startsWith('Fn::')) throw new Error(`${key} is not supported by the local harness`);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveIntrinsics(v, resources)]));
}

function ref(name: string, resources: Record<string, TemplateResource>): string {
  const pseudo: Record<string, string> = {
    'AWS::Partition': PLACEHOLDER.partition,
    'AWS::Region': PLACEHOLDER.region,
    'AWS::AccountId': PLACEHOLDER.accountId,
    'AWS::URLSuffix': PLACEHOLDER.urlSuffix,
  };
  if (pseudo[name]) return pseudo[name];
  if (!resources[name]) throw new Error(`Ref to unknown resource ${name}`);
  // Functions, buses, tables and queues: Ref is the name; the logical id stands in for it.
  return name;
}

function arnOf(logicalId: string, resources: Record<string, TemplateResource>): string {
  const type = resources[logicalId]?.Type;
  const { partition, region, accountId } = PLACEHOLDER;
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:${partition}:lambda:${region}:${accountId}:function:${logicalId}`;
    case 'AWS::Events::EventBus':
      return `arn:${partition}:events:${region}:${accountId}:event-bus/${logicalId}`;
    default:
      throw new Error(`no placeholder ARN for ${logicalId} (${String(type)})`);
  }
}

interface StateLike {
  readonly Type: string;
  readonly Resource?: string;
  readonly Retry?: unknown[];
  readonly ItemProcessor?: StateMachineDefinition;
  readonly Iterator?: StateMachineDefinition;
  readonly Branches?: StateMachineDefinition[];
}

/** Every state of the definition, nested Map and Parallel states included (names are unique in ASL). */
function allStates(definition: StateMachineDefinition): Array<[string, StateLike]> {
  return Object.entries(definition.States as Record<string, StateLike>).flatMap(([name, state]) => [
    [name, state] as [string, StateLike],
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].flatMap((inner) =>
      inner ? allStates(inner) : [],
    ),
  ]);
}

function taskStates(definition: StateMachineDefinition): Array<{ name: string; resource: string }> {
  return allStates(definition)
    .filter(([, state]) => state.Type === 'Task')
    .map(([name, state]) => ({ name, resource: state.Resource ?? '' }));
}

function retryableStates(definition: StateMachineDefinition): string[] {
  return allStates(definition)
    .filter(([, state]) => state.Retry !== undefined)
    .map(([name]) => name);
}

const LAMBDA_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[^:]+$/;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const PUT_EVENTS = 'arn:aws:states:::events:putEvents';

function taskHandler(
  name: string,
  resource: string,
  handlers: TaskHandlers,
  calls: TaskCall[],
): (input: Json) => Promise<Json> {
  if (LAMBDA_ARN.test(resource) || resource === LAMBDA_INVOKE) {
    // Direct function ARN (payloadResponseOnly): the state's input is the payload, the result the
    // function's answer. The optimized integration wraps both: { FunctionName, Payload } → { Payload, StatusCode }.
    const wrapped = resource === LAMBDA_INVOKE;
    return async (input) => {
      const payload = wrapped ? (input as { Payload: Json }).Payload : input;
      const call: TaskCall = { state: name, kind: 'lambda', payload };
      calls.push(call);
      try {
        const result = JSON.parse(JSON.stringify((await handlers.invokeFunction(payload)) ?? null)) as Json;
        call.result = result;
        return wrapped ? { Payload: result, StatusCode: 200 } : result;
      } catch (error) {
        throw asLambdaError(call, error);
      }
    };
  }
  if (resource === PUT_EVENTS) {
    return async (input) => {
      const entries = ((input as { Entries: Array<Record<string, Json>> }).Entries ?? []).map((entry) => ({
        Source: String(entry.Source),
        DetailType: String(entry.DetailType),
        Detail: JSON.stringify(entry.Detail),
        EventBusName: String(entry.EventBusName),
      }));
      const call: TaskCall = { state: name, kind: 'putEvents', payload: entries };
      calls.push(call);
      await handlers.putEvents?.(entries);
      const result = {
        Entries: entries.map((_, i) => ({ EventId: `local-event-${calls.length}-${i}` })),
        FailedEntryCount: 0,
      };
      call.result = result;
      return result;
    };
  }
  throw new Error(`task state "${name}" uses ${resource}, which the local harness does not serve`);
}

/**
 * What Step Functions makes of a function error: Error = the error's name (Lambda's errorType),
 * Cause = Lambda's error document. A name such as `Lambda.TooManyRequestsException` passes
 * through, so callers can simulate the Lambda service's own errors.
 */
function asLambdaError(call: TaskCall, error: unknown): Error {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  call.error = { name, message };
  const failure = new Error(JSON.stringify({ errorType: name, errorMessage: message }));
  failure.name = name;
  return failure;
}
