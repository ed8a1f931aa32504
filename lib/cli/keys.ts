import { InvalidArgumentError } from 'commander';
import { checkKey } from '../imports/item-keys.js';

/** A commander argument parser for `--account` / `--client`: trimmed, and refused when empty or starting with #. */
export function keyArgument(flag: string): (value: string) => string {
  return (value: string) => {
    const checked = checkKey(value);
    if (!checked.ok) throw new InvalidArgumentError(`${flag} ${checked.problem}`);
    return checked.value;
  };
}
