/**
 * Loads ConnectWise's own OpenAPI document (cut to the paths we use, see openapi-subset.json)
 * and turns its schemas into validators. The document is the authority for field names,
 * JSON types, `nullable`, `required`, max lengths (ConnectWise writes them in the
 * description as " Max length: N;") and enums.
 */
import { readFileSync } from 'node:fs';

export type PropSpec =
  | { kind: 'string'; nullable: boolean; maxLength?: number; enum?: readonly string[]; format?: string }
  | { kind: 'integer'; nullable: boolean }
  | { kind: 'number'; nullable: boolean }
  | { kind: 'boolean'; nullable: boolean }
  | { kind: 'ref'; schema: string; nullable: boolean }
  | { kind: 'array'; items: PropSpec; nullable: boolean }
  | { kind: 'map'; nullable: boolean }
  | { kind: 'any'; nullable: boolean };

export interface ObjectSchema {
  readonly name: string;
  readonly required: readonly string[];
  readonly properties: ReadonlyMap<string, PropSpec>;
}

export interface OperationSpec {
  readonly method: string;
  readonly template: string;
  readonly queryParams: ReadonlySet<string>;
  readonly hasBody: boolean;
}

export interface FieldIssue {
  code: string;
  message: string;
  field: string;
}

interface RawSchema {
  type?: string;
  format?: string;
  nullable?: boolean;
  description?: string;
  enum?: string[];
  required?: string[];
  properties?: Record<string, RawSchema>;
  items?: RawSchema;
  additionalProperties?: unknown;
  $ref?: string;
}

interface RawParameter {
  name: string;
  in: string;
}

interface RawOperation {
  parameters?: RawParameter[];
  requestBody?: unknown;
}

interface RawDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components: { schemas: Record<string, RawSchema> };
  /** path → comma-separated methods, e.g. '/company/configurations/{id}': 'DELETE,GET,PATCH,PUT' */
  'x-all-paths'?: Record<string, string>;
}

const MAX_LENGTH = /Max length: (\d+);/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** ISO 8601 date-time as ConnectWise writes it; the offset is required. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class OpenApi {
  readonly schemas = new Map<string, ObjectSchema>();
  /** template (e.g. 'company/configurations/{id}', no leading slash) → method (upper case) → operation */
  readonly operations = new Map<string, Map<string, OperationSpec>>();
  /** Every path template of the whole REST API (2025.1), without leading slash. */
  readonly allPaths: readonly string[];

  constructor(doc: RawDocument) {
    for (const [name, raw] of Object.entries(doc.components.schemas)) {
      this.schemas.set(name, compileObject(name, raw));
    }
    for (const [path, methods] of Object.entries(doc.paths)) {
      const template = path.replace(/^\//, '');
      const byMethod = new Map<string, OperationSpec>();
      for (const [method, op] of Object.entries(methods)) {
        const queryParams = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
        byMethod.set(method.toUpperCase(), {
          method: method.toUpperCase(),
          template,
          queryParams,
          hasBody: op.requestBody !== undefined,
        });
      }
      this.operations.set(template, byMethod);
    }
    this.allPaths = Object.keys(doc['x-all-paths'] ?? {}).map((p) => p.replace(/^\//, ''));
  }

  schema(name: string): ObjectSchema {
    const schema = this.schemas.get(name);
    if (!schema) throw new Error(`OpenAPI document has no schema ${name}`);
    return schema;
  }

  /**
   * Checks a value against a property. Pushes issues (field paths joined with '/', the way
   * ConnectWise names them in errors, e.g. 'type/id').
   */
  validateValue(prop: PropSpec, value: unknown, field: string, issues: FieldIssue[]): void {
    if (value === null) {
      if (!prop.nullable) issues.push({ code: 'InvalidField', message: `${field} may not be null.`, field });
      return;
    }
    switch (prop.kind) {
      case 'string': {
        if (typeof value !== 'string') {
          issues.push({ code: 'InvalidField', message: `${field} must be a string, got ${jsonType(value)}.`, field });
          return;
        }
        if (prop.maxLength !== undefined && value.length > prop.maxLength) {
          issues.push({
            code: 'MaxLengthField',
            message: `The field ${field} must be a string with a maximum length of ${prop.maxLength}.`,
            field,
          });
        }
        if (prop.enum && !prop.enum.includes(value)) {
          issues.push({
            code: 'InvalidField',
            message: `${field} must be one of ${prop.enum.join(', ')} (case-sensitive), got '${value}'.`,
            field,
          });
        }
        if (prop.format === 'date-time' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
          issues.push({
            code: 'InvalidField',
            message: `${field} must be an ISO 8601 date-time with offset, e.g. 2026-01-31T00:00:00Z.`,
            field,
          });
        }
        if (prop.format === 'uuid' && !UUID.test(value)) {
          issues.push({ code: 'InvalidField', message: `${field} must be a GUID.`, field });
        }
        return;
      }
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
          issues.push({
            code: 'InvalidField',
            message: `${field} must be a 32-bit integer, got ${JSON.stringify(value)}.`,
            field,
          });
        }
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          issues.push({
            code: 'InvalidField',
            message: `${field} must be a number, got ${JSON.stringify(value)}.`,
            field,
          });
        }
        return;
      case 'boolean':
        if (typeof value !== 'boolean') {
          issues.push({
            code: 'InvalidField',
            message: `${field} must be a boolean, got ${JSON.stringify(value)}.`,
            field,
          });
        }
        return;
      case 'array':
        if (!Array.isArray(value)) {
          issues.push({ code: 'InvalidField', message: `${field} must be an array.`, field });
          return;
        }
        value.forEach((item, i) => this.validateValue(prop.items, item, `${field}/${i}`, issues));
        return;
      case 'map':
        if (!isPlainObject(value)) issues.push({ code: 'InvalidField', message: `${field} must be an object.`, field });
        return;
      case 'any':
        return;
      case 'ref':
        if (!isPlainObject(value)) {
          issues.push({ code: 'InvalidField', message: `${field} must be an object, got ${jsonType(value)}.`, field });
          return;
        }
        this.validateObject(this.schema(prop.schema), value, field, issues, {
          checkRequired: false,
          ignore: ['_info'],
        });
        return;
    }
  }

  /** Checks every key of `obj` (unknown keys are issues) and, optionally, the required ones. */
  validateObject(
    schema: ObjectSchema,
    obj: Record<string, unknown>,
    prefix: string,
    issues: FieldIssue[],
    options: { checkRequired: boolean; ignore: readonly string[] },
  ): void {
    for (const [key, value] of Object.entries(obj)) {
      if (options.ignore.includes(key)) continue;
      const field = prefix ? `${prefix}/${key}` : key;
      const prop = schema.properties.get(key);
      if (!prop) {
        issues.push({
          code: 'InvalidField',
          message: `${field} is not a property of ${schema.name} (property names are case-sensitive).`,
          field,
        });
        continue;
      }
      this.validateValue(prop, value, field, issues);
    }
    if (options.checkRequired) {
      for (const key of schema.required) {
        const value = obj[key];
        const field = prefix ? `${prefix}/${key}` : key;
        if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
          issues.push({ code: 'NullOrEmpty', message: `The field ${field} is required.`, field });
        }
      }
    }
  }

  /**
   * Resolves a field path ('company/id', 'type/name', '_info/lastUpdated') against a schema.
   * Returns the leaf property, or a string explaining why the path is not usable.
   */
  resolvePath(schemaName: string, segments: readonly string[]): PropSpec | string {
    let schema = this.schema(schemaName);
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      const prop = schema.properties.get(seg);
      const sofar = segments.slice(0, i + 1).join('/');
      if (!prop) return `unknown field '${sofar}' on ${schema.name}`;
      const last = i === segments.length - 1;
      if (prop.kind === 'map') {
        // _info/<key>: lastUpdated and dateEntered are date-times, the rest strings.
        if (last) return prop;
        if (i !== segments.length - 2) return `unknown field '${segments.join('/')}'`;
        const key = segments[i + 1] as string;
        if (key === 'lastUpdated' || key === 'dateEntered')
          return { kind: 'string', nullable: true, format: 'date-time' };
        if (key === 'updatedBy' || key === 'enteredBy') return { kind: 'string', nullable: true };
        return `unknown field '${segments.join('/')}'`;
      }
      if (last) return prop;
      if (prop.kind !== 'ref') return `'${sofar}' has no sub-fields`;
      schema = this.schema(prop.schema);
    }
    return 'empty field path';
  }
}

function compileObject(name: string, raw: RawSchema): ObjectSchema {
  const properties = new Map<string, PropSpec>();
  for (const [key, p] of Object.entries(raw.properties ?? {})) properties.set(key, compileProp(p));
  return { name, required: raw.required ?? [], properties };
}

function compileProp(raw: RawSchema): PropSpec {
  const nullable = raw.nullable === true;
  if (raw.$ref) return { kind: 'ref', schema: raw.$ref.replace('#/components/schemas/', ''), nullable };
  switch (raw.type) {
    case 'string': {
      const m = MAX_LENGTH.exec(raw.description ?? '');
      const spec: PropSpec = { kind: 'string', nullable };
      if (m?.[1]) spec.maxLength = Number(m[1]);
      if (raw.enum) spec.enum = raw.enum;
      if (raw.format) spec.format = raw.format;
      return spec;
    }
    case 'integer':
      return { kind: 'integer', nullable };
    case 'number':
      return { kind: 'number', nullable };
    case 'boolean':
      return { kind: 'boolean', nullable };
    case 'array':
      return { kind: 'array', items: raw.items ? compileProp(raw.items) : { kind: 'any', nullable: true }, nullable };
    case 'object':
      return raw.additionalProperties ? { kind: 'map', nullable } : { kind: 'any', nullable: true };
    default:
      return { kind: 'any', nullable: true };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

let cached: OpenApi | undefined;

/** The OpenAPI document beside this file, parsed once per process. */
export function loadOpenApi(): OpenApi {
  if (!cached) {
    const text = readFileSync(new URL('./openapi-subset.json', import.meta.url), 'utf8');
    cached = new OpenApi(JSON.parse(text) as RawDocument);
  }
  return cached;
}
