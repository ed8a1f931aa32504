import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/**
 * Operations commands (accounts, mappings, usage, doctor, verify) register here.
 * Each module under commands/ registers its own sub-commands.
 */
export function registerOperations(_program: Command, _ctx: CliContext, _setExit: (code: number) => void): void {}
