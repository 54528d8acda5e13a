/**
 * Component lifecycle. Rules: a component's factory (`create*(config, deps)`) does no work;
 * `start()` acquires resources, `stop()` releases them and must be safe to call after a
 * failed or partial start. startAll starts in order and, when one fails, stops the ones
 * already started in reverse before rethrowing; stopAll stops in reverse, each bounded by a
 * timeout, and never throws.
 */
import { HomesecError, errorMessage } from './errors.js';

export interface Component {
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** A component that always has both start and stop. */
export interface Service extends Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NamedComponent {
  name: string;
  component: Component;
}

export interface LifecycleLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Starts components in order; on failure stops the started ones (reverse) and throws START_FAILED. */
export async function startAll(items: NamedComponent[], log: LifecycleLog, stopTimeoutMs = 5000): Promise<void> {
  const started: NamedComponent[] = [];
  for (const item of items) {
    try {
      await item.component.start?.();
      started.push(item);
    } catch (err) {
      log.error({ component: item.name, err: errorMessage(err) }, 'component failed to start');
      await stopAll(started, log, stopTimeoutMs);
      if (err instanceof HomesecError) throw err;
      throw new HomesecError('START_FAILED', `${item.name} failed to start: ${errorMessage(err)}`, undefined, {
        cause: err,
      });
    }
  }
}

/** Stops components in reverse order; each stop is bounded by timeoutMs; errors are logged, not thrown. */
export async function stopAll(items: NamedComponent[], log: LifecycleLog, timeoutMs = 5000): Promise<void> {
  for (const item of [...items].reverse()) {
    if (!item.component.stop) continue;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        item.component.stop(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new HomesecError('STOP_TIMEOUT', `${item.name} did not stop within ${timeoutMs} ms`)),
            timeoutMs,
          );
          timer.unref();
        }),
      ]);
    } catch (err) {
      log.error({ component: item.name, err: errorMessage(err) }, 'component failed to stop cleanly');
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
