import { parseSecret } from '../../lib/aws/secrets.js';
import { siteOrigin, apiBaseUrl } from '../../lib/connectwise/site.js';
import { equalsCondition, quoteConditionValue } from '../../lib/connectwise/conditions.js';
import { parseLinkHeader } from '../../lib/connectwise/link-header.js';
import { SecretError } from '../../lib/errors.js';
import { accountItemSchema } from '../../lib/records/account.js';
import { mappingItemSchema } from '../../lib/records/mapping.js';
import { usageItemSchema } from '../../lib/records/usage.js';
import { validate, formatProblems } from '../../lib/input/schemas.js';

const goodSecret = {
  site: 'api-na.myconnectwise.net',
  companyId: 'acme',
  publicKey: 'PUBLIC-VALUE-1',
  privateKey: 'PRIVATE-VALUE-2',
  clientId: 'f1e2d3c4-0000-1111-2222-333344445555',
};

describe('mapping items', () => {
  const problems = (item: unknown) => {
    const result = validate(mappingItemSchema, item);
    return result.ok ? '' : formatProblems(result.problems);
  };
  it('accepts a minimal item', () => {
    expect(problems({ accountId: 'a', clientId: 'c', managedId: 'M-1' })).toBe('');
  });
  it('names a missing managedId', () =>
    expect(problems({ accountId: 'a', clientId: 'c' })).toBe('managedId is missing'));
  it('names an over-long managedId', () =>
    expect(problems({ accountId: 'a', clientId: 'c', managedId: 'x'.repeat(101) })).toBe(
      'managedId must be at most 100 characters',
    ));
  it('names an empty managedId', () =>
    expect(problems({ accountId: 'a', clientId: 'c', managedId: '' })).toBe('managedId must not be empty'));
  it('names enabled given as a string', () =>
    expect(problems({ accountId: 'a', clientId: 'c', managedId: 'm', enabled: 'true' })).toBe(
      'enabled must be a boolean (got a string)',
    ));
  it('names a managedId stored as a number', () =>
    expect(problems({ accountId: 'a', clientId: 'c', managedId: 42 })).toBe(
      'managedId must be a string (got a number)',
    ));
});

describe('usage items', () => {
  it('rejects negative usage', () => {
    const result = validate(usageItemSchema, {
      accountId: 'a',
      usageKey: '2026-10#c',
      period: '2026-10',
      clientId: 'c',
      billableSpaceGb: -1,
    });
    expect(result.ok ? '' : formatProblems(result.problems)).toBe('billableSpaceGb must be ≥ 0');
  });
});

describe('account items', () => {
  it('refuses a quote in a name that goes into a ConnectWise condition', () => {
    const result = validate(accountItemSchema, { accountId: 'a', secretId: 's', managementItName: 'Backup "Cloud"' });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : formatProblems(result.problems)).toMatch(/managementItName must not contain "/);
  });
});

describe('parseSecret', () => {
  it('accepts the contract JSON and ignores unknown fields', () => {
    expect(parseSecret(JSON.stringify({ ...goodSecret, extra: 1 }), 's').companyId).toBe('acme');
  });
  it.each(['site', 'companyId', 'publicKey', 'privateKey', 'clientId'])(
    'names a missing %s without printing any value',
    (field) => {
      const { [field as keyof typeof goodSecret]: _omit, ...rest } = goodSecret;
      const run = () => parseSecret(JSON.stringify(rest), 'cw/acme');
      expect(run).toThrow(SecretError);
      expect(run).toThrow(new RegExp(`${field} is missing`));
      try {
        run();
      } catch (error) {
        expect((error as Error).message).not.toMatch(/PUBLIC-VALUE-1|PRIVATE-VALUE-2/);
      }
    },
  );
  it('names an empty field', () => {
    expect(() => parseSecret(JSON.stringify({ ...goodSecret, privateKey: '  ' }), 's')).toThrow(
      /privateKey must not be empty/,
    );
  });
  it('does not echo invalid JSON (the parser would quote the secret)', () => {
    expect(() => parseSecret('{"privateKey": PRIVATE-VALUE-2', 's')).toThrow(/^secret "s" is not valid JSON$/);
  });
  it('refuses plain http to a non-loopback host', () => {
    expect(() => parseSecret(JSON.stringify({ ...goodSecret, site: 'http://cw.example.com' }), 's')).toThrow(
      /loopback/,
    );
  });
});

describe('siteOrigin', () => {
  it('turns a host into https', () =>
    expect(siteOrigin('api-na.myconnectwise.net')).toBe('https://api-na.myconnectwise.net'));
  it('keeps an https port', () =>
    expect(siteOrigin('https://cw.example.com:8443/')).toBe('https://cw.example.com:8443'));
  it('allows http on loopback', () => expect(siteOrigin('http://127.0.0.1:9999')).toBe('http://127.0.0.1:9999'));
  it('rejects a path', () => expect(() => siteOrigin('https://cw.example.com/v4_6_release')).toThrow(/bare origin/));
  it('builds the API base from the codebase', () =>
    expect(apiBaseUrl('https://api-na.myconnectwise.net', 'v2025_1')).toBe(
      'https://api-na.myconnectwise.net/v2025_1/apis/3.0/',
    ));
});

describe('conditions', () => {
  it('quotes strings and leaves numbers and booleans bare', () => {
    expect(equalsCondition('type/name', 'Backup Stats')).toBe('type/name="Backup Stats"');
    expect(equalsCondition('company/id', 42)).toBe('company/id=42');
    expect(equalsCondition('deletedFlag', false)).toBe('deletedFlag=False');
  });
  it('refuses values it cannot escape safely', () => {
    expect(() => quoteConditionValue('a"b', 'name')).toThrow(/must not contain/);
    expect(() => quoteConditionValue('a\\b', 'name')).toThrow(/must not contain/);
  });
});

describe('parseLinkHeader', () => {
  it('reads ConnectWise links', () => {
    const links = parseLinkHeader(
      '<https://x/v/apis/3.0/company/companies?page=2&pageSize=1000>; rel="next", <https://x/v/apis/3.0/company/companies?page=5&pageSize=1000>; rel="last"',
    );
    expect(links.get('next')).toBe('https://x/v/apis/3.0/company/companies?page=2&pageSize=1000');
    expect(links.get('last')).toMatch(/page=5/);
    expect(links.has('prev')).toBe(false);
  });
});
