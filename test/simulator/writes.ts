/**
 * Validation of POST/PUT/PATCH bodies against the OpenAPI schema, reference resolution and
 * JSON Patch application.
 *
 * Rules (stricter than ConnectWise where ConnectWise is lenient, so tests cannot pass by luck):
 * - every property must exist in the schema (case-sensitive); unknown properties are errors;
 * - JSON types must match exactly (no "12" for a number), `null` only where `nullable`;
 * - string max lengths and enums are enforced;
 * - `id` and `_info` in a body are ignored (read-only);
 * - references accept `{id}` or, where ConnectWise allows it, `{name}` / `{identifier}`, and
 *   must point to an existing record; references to things the simulator does not model
 *   (contact, site, manufacturer, ...) are refused rather than silently accepted;
 * - PATCH bodies are JSON Patch arrays of add/replace/remove on top-level properties, or on
 *   a reference's `id`/`name`/`identifier` (`status/id`); paths are case-sensitive; the
 *   patched record is then validated like a PUT.
 */
import type { FieldIssue, ObjectSchema, OpenApi } from './openapi.js';
import { isPlainObject } from './openapi.js';
import type { ResourceDef } from './resources.js';
import { REF_TARGETS, resolveRef } from './resources.js';
import type { ManagedInformation, SimulatorState, StoredRef } from './state.js';

const READ_ONLY = ['id', '_info'];

export interface WriteContext {
  readonly api: OpenApi;
  readonly state: SimulatorState;
}

export interface BuildOptions {
  /** For nested collections: the parent id from the URL. */
  readonly parentId?: number;
}

/**
 * Validates a full body (POST/PUT, or a patched record) and resolves its references.
 * Returns the record to store (without id/_info) or the issues.
 */
export function buildRecord(
  ctx: WriteContext,
  def: ResourceDef,
  body: Record<string, unknown>,
  options: BuildOptions = {},
): { record: Record<string, unknown>; issues: [] } | { record?: undefined; issues: FieldIssue[] } {
  const schema = ctx.api.schema(def.schema);
  const issues: FieldIssue[] = [];
  ctx.api.validateObject(schema, body, '', issues, { checkRequired: false, ignore: READ_ONLY });
  for (const [key, value] of Object.entries(body)) {
    const prop = schema.properties.get(key);
    if (prop?.kind === 'ref' && !def.refs[key] && value !== null && value !== undefined) {
      issues.push({
        code: 'InvalidField',
        message: `${key}: the simulator does not model this reference; leave it out.`,
        field: key,
      });
    }
  }
  if (issues.length > 0) return { issues };

  const record: Record<string, unknown> = { ...defaultsFor(ctx, def) };
  for (const [key, value] of Object.entries(body)) if (!READ_ONLY.includes(key)) record[key] = value;

  if (def.parent && options.parentId !== undefined) {
    // The parent comes from the URL; a body naming another parent is refused.
    const parentField = def.parent.index === 'company' ? 'company' : 'agreementId';
    const given = record[parentField];
    const givenId = isPlainObject(given) ? given.id : given;
    if (givenId !== undefined && givenId !== null && givenId !== options.parentId) {
      issues.push({
        code: 'InvalidField',
        message: `${parentField} must be the ${def.parent.label} in the URL (${options.parentId}).`,
        field: parentField,
      });
    }
    record[parentField] = parentField === 'company' ? { id: options.parentId } : options.parentId;
  }

  checkRequired(schema, record, def.extraRequired ?? [], issues);
  if (issues.length > 0) return { issues };

  for (const [key, refName] of Object.entries(def.refs)) {
    const value = record[key];
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) continue;
    const ref = resolveRef(ctx.state, refName, key, value, issues);
    if (ref) record[key] = ref;
  }
  if (issues.length > 0) return { issues };

  checkSemantics(ctx, def, record, issues);
  if (issues.length > 0) return { issues };
  return { record, issues: [] };
}

function checkRequired(
  schema: ObjectSchema,
  record: Record<string, unknown>,
  extra: readonly string[],
  issues: FieldIssue[],
): void {
  for (const key of [...schema.required, ...extra]) {
    const value = record[key];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      issues.push({ code: 'NullOrEmpty', message: `The field ${key} is required.`, field: key });
    }
  }
}

/** Values ConnectWise fills in when a client leaves them out. */
function defaultsFor(ctx: WriteContext, def: ResourceDef): Record<string, unknown> {
  if (def.table === 'configurations') {
    const defaults: Record<string, unknown> = { activeFlag: true, billFlag: false };
    const status = ctx.state.configurationStatuses.find((s) => s.defaultFlag);
    if (status) defaults.status = { id: status.id };
    return defaults;
  }
  return {};
}

/** Rules beyond the schema that ConnectWise enforces on these records. */
function checkSemantics(
  ctx: WriteContext,
  def: ResourceDef,
  record: Record<string, unknown>,
  issues: FieldIssue[],
): void {
  const companyId = (record.company as StoredRef | undefined)?.id;
  const company = companyId === undefined ? undefined : ctx.state.companies.get(companyId);
  if (company?.deletedFlag) {
    issues.push({ code: 'InvalidField', message: `Company ${company.id} is deleted.`, field: 'company/id' });
  }
  if (def.table === 'configurations') {
    const typeId = (record.type as StoredRef | undefined)?.id;
    const type = typeId === undefined ? undefined : ctx.state.configurationTypes.get(typeId);
    if (type?.inactiveFlag)
      issues.push({
        code: 'InvalidField',
        message: `Configuration Type '${type.name}' is inactive.`,
        field: 'type/id',
      });
  }
  if (def.table === 'managementEntries') {
    const agreementId = (record.agreement as StoredRef | undefined)?.id;
    const agreement = agreementId === undefined ? undefined : ctx.state.agreements.get(agreementId);
    if (agreement && agreement.company.id !== companyId) {
      issues.push({
        code: 'InvalidField',
        message: `Agreement ${agreement.id} does not belong to company ${companyId}.`,
        field: 'agreement/id',
      });
    }
  }
}

/** The writable view of a stored row: schema properties only, references as `{id}`. */
export function writableView(
  ctx: WriteContext,
  def: ResourceDef,
  row: Record<string, unknown>,
): Record<string, unknown> {
  const schema = ctx.api.schema(def.schema);
  const view: Record<string, unknown> = {};
  for (const key of schema.properties.keys()) {
    if (READ_ONLY.includes(key)) continue;
    const value = row[key];
    if (value === undefined || value === null) continue;
    view[key] = def.refs[key] && isPlainObject(value) ? { id: value.id } : value;
  }
  return view;
}

/**
 * Applies a JSON Patch body to a writable view (in place). Returns issues; the caller then
 * validates the result with buildRecord.
 */
export function applyJsonPatch(
  ctx: WriteContext,
  def: ResourceDef,
  view: Record<string, unknown>,
  body: unknown,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!Array.isArray(body)) {
    return [
      {
        code: 'InvalidObject',
        message: 'A PATCH body must be a JSON Patch array: [{"op":"replace","path":"name","value":"x"}].',
        field: '',
      },
    ];
  }
  const schema = ctx.api.schema(def.schema);
  body.forEach((raw: unknown, i: number) => {
    const where = `[${i}]`;
    if (!isPlainObject(raw)) {
      issues.push({ code: 'InvalidField', message: `${where}: each operation must be an object.`, field: where });
      return;
    }
    const { op, path } = raw;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      issues.push({
        code: 'InvalidField',
        message: `${where}: op must be add, replace or remove, got ${JSON.stringify(op)}.`,
        field: `${where}/op`,
      });
      return;
    }
    if (typeof path !== 'string' || path.replace(/^\//, '') === '') {
      issues.push({ code: 'InvalidField', message: `${where}: path must be a property name.`, field: `${where}/path` });
      return;
    }
    const segments = path.replace(/^\//, '').split('/');
    const [key, sub] = segments as [string, string | undefined];
    if (READ_ONLY.includes(key)) {
      issues.push({ code: 'InvalidField', message: `${where}: ${key} is read-only.`, field: key });
      return;
    }
    const prop = schema.properties.get(key);
    if (!prop) {
      issues.push({
        code: 'InvalidField',
        message: `${where}: '${path}' is not a property of ${schema.name} (paths are case-sensitive).`,
        field: path,
      });
      return;
    }
    const hasValue = Object.prototype.hasOwnProperty.call(raw, 'value');
    if (op !== 'remove' && !hasValue) {
      issues.push({ code: 'InvalidField', message: `${where}: ${op} needs a value.`, field: `${where}/value` });
      return;
    }
    if (segments.length === 1) {
      if (op === 'remove') {
        delete view[key];
        return;
      }
      const before = issues.length;
      ctx.api.validateValue(prop, raw.value, key, issues);
      if (issues.length === before) view[key] = raw.value;
      return;
    }
    // A reference's sub-field: status/id, type/name, company/identifier. The reference is replaced whole.
    const refName = def.refs[key];
    const allowed = refName ? ['id', ...Object.keys(REF_TARGETS[refName].lookups)] : [];
    if (segments.length !== 2 || !refName || prop.kind !== 'ref' || sub === undefined || !allowed.includes(sub)) {
      issues.push({
        code: 'InvalidField',
        message: `${where}: '${path}' cannot be patched; replace ${key} whole or use ${key}/id.`,
        field: path,
      });
      return;
    }
    if (op === 'remove') {
      issues.push({ code: 'InvalidField', message: `${where}: cannot remove '${path}'.`, field: path });
      return;
    }
    const subProp = ctx.api.schema(prop.schema).properties.get(sub);
    const before = issues.length;
    if (subProp) ctx.api.validateValue(subProp, raw.value, path, issues);
    if (issues.length === before) view[key] = { [sub]: raw.value };
  });
  return issues;
}

const MANAGED_INFO_KEYS = [
  'managementSolutionName',
  'managedIdentifier',
  'type',
  'level',
  'childConfigurationsMatchingOn',
  'inactivateConfigurationsMatchingOn',
  'inactiveConfigurationStatusId',
] as const;

/**
 * The `managedInformation` query parameter of configuration writes. Its wire encoding is
 * unconfirmed, so the simulator accepts the OpenAPI encodings of an object in a query:
 * form/explode (`managedIdentifier=X&type=Y`), deepObject (`managedInformation[managedIdentifier]=X`),
 * dotted (`managedInformation.managedIdentifier=X`) and JSON (`managedInformation={"managedIdentifier":"X"}`).
 * Returns the parsed object, the query keys it consumed, and issues.
 */
export function parseManagedInformation(query: ReadonlyMap<string, string>): {
  info?: ManagedInformation;
  consumed: Set<string>;
  issues: FieldIssue[];
} {
  const consumed = new Set<string>();
  const issues: FieldIssue[] = [];
  const raw: Record<string, unknown> = {};
  for (const [name, value] of query) {
    let key: string | undefined;
    if (name === 'managedInformation') {
      consumed.add(name);
      try {
        const parsed: unknown = JSON.parse(value);
        if (!isPlainObject(parsed)) throw new Error('not an object');
        Object.assign(raw, parsed);
      } catch {
        issues.push({
          code: 'InvalidField',
          message: 'managedInformation must be a JSON object when passed whole.',
          field: 'managedInformation',
        });
      }
      continue;
    }
    const m = /^managedInformation(?:\[([^\]]+)\]|\.(.+))$/.exec(name);
    if (m) key = m[1] ?? m[2];
    else if ((MANAGED_INFO_KEYS as readonly string[]).includes(name)) key = name;
    if (key === undefined) continue;
    consumed.add(name);
    raw[key] = key === 'inactiveConfigurationStatusId' && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  if (consumed.size === 0) return { consumed, issues };
  for (const [key, value] of Object.entries(raw)) {
    if (!(MANAGED_INFO_KEYS as readonly string[]).includes(key)) {
      issues.push({
        code: 'InvalidField',
        message: `managedInformation/${key} is not a property of ManagedInformation.`,
        field: `managedInformation/${key}`,
      });
    } else if (key === 'inactiveConfigurationStatusId' ? !Number.isInteger(value) : typeof value !== 'string') {
      issues.push({
        code: 'InvalidField',
        message: `managedInformation/${key} has the wrong type.`,
        field: `managedInformation/${key}`,
      });
    }
  }
  return { info: raw as ManagedInformation, consumed, issues };
}
