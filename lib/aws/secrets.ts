import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretError, SecretUnreadableError } from '../errors.js';
import type { SecretsPort } from '../publisher/ports/index.js';
import { secretSchema, validate, type ConnectWiseSecret } from '../input/schemas.js';
import { siteOrigin } from '../connectwise/site.js';

/**
 * Reads ConnectWise credentials from Secrets Manager. One instance lives for one run: each secret is
 * fetched at most once per run and forgotten afterwards, so a rotated secret takes effect next run.
 * Errors name the secret and the field, never a value (not even a JSON parser's excerpt).
 */
export class SecretsManagerSecrets implements SecretsPort {
  private readonly cache = new Map<string, Promise<ConnectWiseSecret>>();

  constructor(private readonly client: SecretsManagerClient) {}

  load(secretId: string): Promise<ConnectWiseSecret> {
    let pending = this.cache.get(secretId);
    if (!pending) {
      pending = this.fetch(secretId);
      pending.catch(() => this.cache.delete(secretId));
      this.cache.set(secretId, pending);
    }
    return pending;
  }

  private async fetch(secretId: string): Promise<ConnectWiseSecret> {
    let text: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      text = out.SecretString;
    } catch (error) {
      const name = (error as Error).name;
      const what = name === 'ResourceNotFoundException' ? 'does not exist' : `could not be read (${name})`;
      throw new SecretUnreadableError(`secret "${secretId}" ${what}`, { secretId });
    }
    return parseSecret(text, secretId);
  }
}

export function parseSecret(text: string | undefined, secretId: string): ConnectWiseSecret {
  if (text === undefined || text.trim() === '') {
    throw new SecretError(`secret "${secretId}" has no SecretString (store the ConnectWise JSON as a string)`, {
      secretId,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SecretError(`secret "${secretId}" is not valid JSON`, { secretId });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SecretError(`secret "${secretId}" must be a JSON object`, { secretId });
  }
  const result = validate(secretSchema, json);
  if (!result.ok) {
    const fields = result.problems.map(
      (p) => `${p.field} ${p.problem.startsWith('must be a string') ? 'must be a non-empty string' : p.problem}`,
    );
    throw new SecretError(`secret "${secretId}": ${fields.join('; ')}`, { secretId });
  }
  try {
    siteOrigin(result.value.site);
  } catch (error) {
    throw new SecretError(`secret "${secretId}": ${(error as Error).message}`, { secretId });
  }
  return result.value;
}
