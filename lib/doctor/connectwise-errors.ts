import {
  ConnectWiseHttpError,
  ConnectWiseNetworkError,
  ConnectWiseResponseError,
  InputValidationError,
} from '../errors.js';

/**
 * Turns a ConnectWise failure into what an operator should do about it. Messages come from our own
 * typed errors, which never carry credentials.
 */
export function connectWiseFix(error: unknown, secretId: string): string {
  if (error instanceof ConnectWiseHttpError) {
    if (error.status === 401) {
      return (
        `check publicKey, privateKey, companyId and clientId in secret "${secretId}" (ConnectWise: ` +
        'System > Members > API Members > API Keys; clientId from the ConnectWise developer portal)'
      );
    }
    if (error.status === 403) {
      return `give the API member's security role access to ${error.path} (ConnectWise: System > Security Roles)`;
    }
    if (error.status === 404) {
      return (
        `check site and codebase in secret "${secretId}" (a wrong codebase or, ` +
        'on cloud, bad credentials answer 404); remove "codebase" to look it up'
      );
    }
    if (error.status === 429 || error.status >= 500) return 'ConnectWise is busy or failing: try again later';
    return `ConnectWise refused ${error.method} ${error.path}: see the detail`;
  }
  if (error instanceof ConnectWiseNetworkError) {
    return `check "site" in secret "${secretId}" and that this machine can reach it (network, proxy, firewall)`;
  }
  if (error instanceof ConnectWiseResponseError) {
    return `check "site" and "companyId" in secret "${secretId}"`;
  }
  if (error instanceof InputValidationError && error.field) return `fix "${error.field}" in secret "${secretId}"`;
  return 'see the detail';
}
