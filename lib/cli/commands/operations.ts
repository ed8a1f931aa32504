import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAccounts } from './accounts.js';
import { registerDoctor } from './doctor.js';
import { registerMappings } from './mappings.js';
import { registerUsage } from './usage.js';
import { registerVerify } from './verify.js';

/**
 * Operations commands (accounts, mappings, usage, doctor, verify) register here.
 * Each module under commands/ registers its own sub-commands.
 */
export function registerOperations(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  registerAccounts(program, ctx, setExit);
  registerMappings(program, ctx, setExit);
  registerUsage(program, ctx, setExit);
  registerDoctor(program, ctx, setExit);
  registerVerify(program, ctx, setExit);
}
