/**
 * Which table serves which ConnectWise collection, which of its properties reference other
 * records, and how records are rendered in ConnectWise's shape (references filled from the
 * referenced record with an `_info.<field>_href`, null properties omitted).
 */
import type { FieldIssue, ObjectSchema, OpenApi } from './openapi.js';
import { isPlainObject } from './openapi.js';
import type { SimulatorState, StoredRef, TableName } from './state.js';

type Row = { id: number; [key: string]: unknown };

export interface RefTarget {
  readonly table: TableName;
  /** Singular label used in messages, e.g. 'Configuration Type'. */
  readonly label: string;
  /** API path of the referenced record, relative to .../apis/3.0/. */
  href(id: number): string;
  /** Fields rendered beside `id` (filtered to the reference schema's properties). */
  render(row: Row, state: SimulatorState): Record<string, unknown>;
  /** Keys a client may send instead of `id`, with how to read them off a candidate row. */
  readonly lookups: Readonly<Record<string, (row: Row) => unknown>>;
}

export const REF_TARGETS = {
  configurationType: {
    table: 'configurationTypes',
    label: 'Configuration Type',
    href: (id) => `company/configurations/types/${id}`,
    render: (row) => ({ name: row.name }),
    lookups: { name: (row) => row.name },
  },
  configurationStatus: {
    table: 'configurationStatuses',
    label: 'Configuration Status',
    href: (id) => `company/configurations/statuses/${id}`,
    // A status has a description, no name: its reference shows the description as name.
    render: (row) => ({ name: row.description }),
    lookups: { name: (row) => row.description },
  },
  company: {
    table: 'companies',
    label: 'Company',
    href: (id) => `company/companies/${id}`,
    render: (row) => ({ identifier: row.identifier, name: row.name }),
    lookups: { identifier: (row) => row.identifier },
  },
  managementSolution: {
    table: 'managementItSolutions',
    label: 'Management IT Solution',
    href: (id) => `company/managementItSolutions/${id}`,
    render: (row) => ({ name: row.name, setupName: row.managementSolutionName ?? undefined }),
    lookups: { name: (row) => row.name },
  },
  agreement: {
    table: 'agreements',
    label: 'Agreement',
    href: (id) => `finance/agreements/${id}`,
    render: (row, state) => {
      const typeId = (row.type as StoredRef | undefined)?.id;
      const type = typeId === undefined ? undefined : state.agreementTypes.get(typeId);
      return { name: row.name, type: type?.name };
    },
    lookups: { name: (row) => row.name },
  },
  agreementType: {
    table: 'agreementTypes',
    label: 'Agreement Type',
    href: (id) => `finance/agreements/types/${id}`,
    render: (row) => ({ name: row.name }),
    lookups: { name: (row) => row.name },
  },
  catalogItem: {
    table: 'catalogItems',
    label: 'Product',
    href: (id) => `procurement/catalog/${id}`,
    render: (row) => ({ identifier: row.identifier, name: row.description }),
    lookups: { identifier: (row) => row.identifier },
  },
} satisfies Record<string, RefTarget>;

export type RefTargetName = keyof typeof REF_TARGETS;

export interface ParentDef {
  readonly table: TableName;
  /** Name of the secondary index keyed by the parent's id. */
  readonly index: string;
  /** The parent id a row belongs to. */
  key(row: Row): number | undefined;
  readonly label: string;
}

export interface ResourceDef {
  readonly table: TableName;
  /** OpenAPI schema name. */
  readonly schema: string;
  /** Resource name used in error bodies (`resource`), e.g. 'configuration'. */
  readonly resource: string;
  /** Label in messages, e.g. 'Configuration'. */
  readonly label: string;
  readonly refs: Readonly<Record<string, RefTargetName>>;
  readonly parent?: ParentDef;
  /** A secondary index usable to narrow `conditions` on `<field> = N`. */
  readonly conditionIndex?: { readonly index: string; readonly field: string };
  /** Fields required on write beyond the schema's `required`. */
  readonly extraRequired?: readonly string[];
}

const companyParent: ParentDef = {
  table: 'companies',
  index: 'company',
  key: (row) => (row.company as StoredRef | undefined)?.id,
  label: 'Company',
};

const agreementParent: ParentDef = {
  table: 'agreements',
  index: 'agreement',
  key: (row) => row.agreementId as number | undefined,
  label: 'Agreement',
};

export const RESOURCES = {
  companies: { table: 'companies', schema: 'Company', resource: 'company', label: 'Company', refs: {} },
  managementItSolutions: {
    table: 'managementItSolutions',
    schema: 'ManagementItSolution',
    resource: 'managementItSolution',
    label: 'Management IT Solution',
    refs: {},
  },
  managementEntries: {
    table: 'managementEntries',
    schema: 'CompanyManagementSummary',
    resource: 'companyManagementSummary',
    label: 'Company Management Summary',
    refs: { managementSolution: 'managementSolution', agreement: 'agreement', company: 'company' },
    parent: companyParent,
    // ConnectWise needs a solution to attach the entry to; the schema leaves it optional.
    extraRequired: ['managementSolution'],
  },
  configurationTypes: {
    table: 'configurationTypes',
    schema: 'ConfigurationType',
    resource: 'configurationType',
    label: 'Configuration Type',
    refs: {},
  },
  configurationStatuses: {
    table: 'configurationStatuses',
    schema: 'ConfigurationStatus',
    resource: 'configurationStatus',
    label: 'Configuration Status',
    refs: {},
  },
  management: {
    table: 'management',
    schema: 'Management',
    resource: 'management',
    label: 'Management',
    refs: { addedConfigurationStatus: 'configurationStatus', deletedConfigurationStatus: 'configurationStatus' },
  },
  catalogItems: { table: 'catalogItems', schema: 'CatalogItem', resource: 'catalogItem', label: 'Product', refs: {} },
  agreements: {
    table: 'agreements',
    schema: 'Agreement',
    resource: 'agreement',
    label: 'Agreement',
    refs: { type: 'agreementType', company: 'company' },
  },
  managementBackups: {
    table: 'managementBackups',
    schema: 'ManagementBackup',
    resource: 'managementBackup',
    label: 'Management Backup',
    refs: { type: 'agreementType', item: 'catalogItem' },
  },
  configurations: {
    table: 'configurations',
    schema: 'Company.Configuration',
    resource: 'configuration',
    label: 'Configuration',
    refs: { type: 'configurationType', status: 'configurationStatus', company: 'company' },
    conditionIndex: { index: 'company', field: 'company/id' },
  },
  additions: {
    table: 'additions',
    schema: 'Addition',
    resource: 'addition',
    label: 'Addition',
    refs: { product: 'catalogItem' },
    parent: agreementParent,
  },
} satisfies Record<string, ResourceDef>;

export type ResourceName = keyof typeof RESOURCES;

export interface RenderContext {
  readonly api: OpenApi;
  readonly state: SimulatorState;
  /** Absolute base of the API, ending with '/', e.g. 'http://127.0.0.1:4000/v2025_1/apis/3.0/'. */
  readonly apiBase: string;
}

/**
 * Renders a stored row the way ConnectWise answers it: schema property order, null and
 * absent properties omitted, references refreshed from the referenced rows.
 */
export function renderRecord(ctx: RenderContext, def: ResourceDef, row: Row): Record<string, unknown> {
  const schema = ctx.api.schema(def.schema);
  const order = propertyOrder(schema);
  // Walk the row's own keys (a dozen) rather than the schema's (up to 90), then restore schema order.
  const keys: string[] = [];
  for (const key in row) {
    if (order.has(key)) {
      const value = row[key];
      if (value !== null && value !== undefined) keys.push(key);
    }
  }
  keys.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = row[key];
    const prop = schema.properties.get(key);
    const refName = def.refs[key];
    if (refName && isPlainObject(value) && prop?.kind === 'ref') {
      out[key] = renderRef(ctx, refName, key, prop.schema, value);
    } else if (key === '_info' && isPlainObject(value)) {
      out[key] = { ...value };
    } else {
      out[key] = value;
    }
  }
  return out;
}

const orders = new WeakMap<ObjectSchema, Map<string, number>>();

function propertyOrder(schema: ObjectSchema): Map<string, number> {
  let order = orders.get(schema);
  if (!order) {
    order = new Map([...schema.properties.keys()].map((key, i) => [key, i]));
    orders.set(schema, order);
  }
  return order;
}

function renderRef(
  ctx: RenderContext,
  refName: RefTargetName,
  field: string,
  refSchemaName: string,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const target: RefTarget = REF_TARGETS[refName];
  const refSchema = ctx.api.schema(refSchemaName);
  const id = stored.id as number;
  const row = ctx.state.table(target.table).get(id);
  const out: Record<string, unknown> = { id };
  const fields = row ? target.render(row, ctx.state) : stored;
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id' || key === '_info' || value === null || value === undefined) continue;
    if (refSchema.properties.has(key)) out[key] = value;
  }
  out._info = { [`${field}_href`]: `${ctx.apiBase}${target.href(id)}` };
  return out;
}

/**
 * Resolves a reference sent by a client (`{id}` or, where ConnectWise allows it,
 * `{name}`/`{identifier}`) to an existing record. Name matching is case-insensitive
 * (SQL collation); an ambiguous name is an error.
 */
export function resolveRef(
  state: SimulatorState,
  refName: RefTargetName,
  field: string,
  value: Record<string, unknown>,
  issues: FieldIssue[],
): StoredRef | undefined {
  const target: RefTarget = REF_TARGETS[refName];
  const table = state.table(target.table);
  let row: Row | undefined;
  if (typeof value.id === 'number') {
    row = table.get(value.id);
    if (!row) {
      issues.push({ code: 'NotFound', message: `${target.label} ${value.id} not found.`, field: `${field}/id` });
      return undefined;
    }
  } else {
    const key = Object.keys(target.lookups).find((k) => typeof value[k] === 'string');
    if (!key) {
      const accepted = ['id', ...Object.keys(target.lookups)].join(' or ');
      issues.push({ code: 'NullOrEmpty', message: `${field} needs ${accepted}.`, field: `${field}/id` });
      return undefined;
    }
    const wanted = (value[key] as string).toLowerCase();
    const lookup = target.lookups[key] as (r: Row) => unknown;
    const matches = table.filter((r) => String(lookup(r) ?? '').toLowerCase() === wanted);
    if (matches.length === 0) {
      issues.push({
        code: 'NotFound',
        message: `${target.label} '${value[key] as string}' not found.`,
        field: `${field}/${key}`,
      });
      return undefined;
    }
    if (matches.length > 1) {
      issues.push({
        code: 'InvalidField',
        message: `${target.label} '${value[key] as string}' is ambiguous; use its id.`,
        field: `${field}/${key}`,
      });
      return undefined;
    }
    row = matches[0];
  }
  if (!row) return undefined;
  const ref: StoredRef = { id: row.id };
  for (const [k, v] of Object.entries(target.render(row, state))) if (v !== undefined && v !== null) ref[k] = v;
  return ref;
}
