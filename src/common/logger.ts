// One root pino logger; components take a child. Secret-bearing keys are redacted by path.
import pino, { Logger } from 'pino';

const REDACT = [
  'password',
  'clientSecret',
  'privateKey',
  'bearerToken',
  'defaultPassword',
  'secret',
  'token',
  'authorization',
  '*.password',
  '*.clientSecret',
  '*.privateKey',
  '*.bearerToken',
  '*.defaultPassword',
  '*.secret',
  '*.token',
  '*.authorization',
  'req.headers.authorization',
];

let root: Logger = pino({ level: 'info', redact: { paths: REDACT, censor: '[REDACTED]' } });
const children = new Map<string, Logger>();

/** Replaces the root logger; component loggers taken earlier follow it. */
export function configureLogger(level: string, destination?: pino.DestinationStream): Logger {
  root = pino({ level, redact: { paths: REDACT, censor: '[REDACTED]' } }, destination);
  children.clear();
  return root;
}

function childFor(component: string): Logger {
  let child = children.get(component);
  if (!child) {
    child = root.child({ component });
    children.set(component, child);
  }
  return child;
}

/** A component logger; modules take it at load time, so it resolves the current root lazily. */
export function logger(component: string): Logger {
  return new Proxy({} as Logger, {
    get(_target, property) {
      const child = childFor(component);
      const value: unknown = Reflect.get(child, property);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(child)
        : value;
    },
  });
}
