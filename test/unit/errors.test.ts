import {
  AccountAmbiguousError,
  AccountError,
  AccountNotFoundError,
  ConnectWiseHttpError,
  ConnectWiseSetupError,
  InputValidationError,
  SecretError,
  SecretUnreadableError,
  SolutionNotFoundError,
  serializeError,
  type ErrorCode,
} from '../../lib/errors.js';

describe('Module: errors', () => {
  it('gives each class its own code, set by the class and kept by the log serialiser', () => {
    const cases: [Error & { code: ErrorCode }, ErrorCode, string][] = [
      [new AccountNotFoundError('no'), 'ACCOUNT_NOT_FOUND', 'AccountNotFoundError'],
      [new AccountAmbiguousError('which?'), 'ACCOUNT_AMBIGUOUS', 'AccountAmbiguousError'],
      [new SolutionNotFoundError('missing'), 'SOLUTION_NOT_FOUND', 'SolutionNotFoundError'],
      [new SecretUnreadableError('gone', { secretId: 's' }), 'SECRET_UNREADABLE', 'SecretUnreadableError'],
      [new SecretError('bad', { secretId: 's' }), 'SECRET_INVALID', 'SecretError'],
      [new InputValidationError('bad', { field: 'x' }), 'INVALID_INPUT', 'InputValidationError'],
      [new ConnectWiseHttpError('no', { method: 'GET', path: '/x', status: 404 }), 'HTTP_404', 'ConnectWiseHttpError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toMatchObject({ code, name });
      expect(serializeError(error)).toMatchObject({ code, name });
    }
  });

  it('keeps the family: a specific account or setup error is still caught as its parent', () => {
    expect(new AccountNotFoundError('no')).toBeInstanceOf(AccountError);
    expect(new SolutionNotFoundError('no')).toBeInstanceOf(ConnectWiseSetupError);
    expect(new SecretUnreadableError('no', { secretId: 's' })).toBeInstanceOf(SecretError);
  });
});
