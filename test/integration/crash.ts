import pino from 'pino';
import type { ConnectWisePort } from '../../lib/publisher/ports/connectwise.js';
import type { ConnectWiseFactory } from '../../lib/publisher/ports/index.js';
import { connectWiseFactory } from '../../lib/runtime.js';

/** Which call the process dies at: `before` it is sent, or `after` ConnectWise applied it. */
export type DeathPoint = (method: keyof ConnectWisePort, args: readonly unknown[]) => 'before' | 'after' | undefined;

/**
 * A run that dies at a chosen ConnectWise call, as a killed process does: that call (and every later
 * one) never returns, so nothing after it — records, the sync, the lock's release — ever happens.
 * `died` resolves once the death point was reached (after the write landed, for `after`).
 */
export function dyingConnectWise(at: DeathPoint): { factory: ConnectWiseFactory; died: Promise<void> } {
  let dead = false;
  let announce: () => void = () => undefined;
  const died = new Promise<void>((resolve) => (announce = resolve));
  const never = () => new Promise<never>(() => undefined);
  const base = connectWiseFactory(pino({ level: 'silent' }));
  const factory: ConnectWiseFactory = async (secret, account, options) => {
    const port = await base(secret, account, options);
    return new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function' || prop === 'requestCount') return value;
        return (...args: unknown[]) => {
          if (dead) return never();
          const when = at(prop as keyof ConnectWisePort, args);
          if (when === 'before') {
            dead = true;
            announce();
            return never();
          }
          const out = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (when !== 'after') return out;
          dead = true;
          return out.then(() => {
            announce();
            return never();
          });
        };
      },
    });
  };
  return { factory, died };
}

/** A connection whose calls named in `hooks` go through the hook (the real call passed in). */
export function hookedConnectWise(hooks: {
  [K in keyof ConnectWisePort]?: (real: ConnectWisePort[K], ...args: Parameters<ConnectWisePort[K]>) => unknown;
}): ConnectWiseFactory {
  const base = connectWiseFactory(pino({ level: 'silent' }));
  return async (secret, account, options) => {
    const port = await base(secret, account, options);
    return new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        const hook = (hooks as Record<string | symbol, ((...a: unknown[]) => unknown) | undefined>)[prop];
        if (typeof value !== 'function') return value;
        const real = (value as (...a: unknown[]) => unknown).bind(target);
        return hook ? (...args: unknown[]) => hook(real, ...args) : real;
      },
    });
  };
}
