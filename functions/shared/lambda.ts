/**
 * Powertools habits for every handler, by hand (Powertools' `injectLambdaContext` and `logMetrics`
 * come as decorators or Middy middleware; neither fits plain function handlers): the invocation's
 * request id and cold start on every log line, temporary log keys cleared after it, and stored
 * metrics flushed on every exit, a throw included. Service name, metrics namespace and log level
 * come from POWERTOOLS_* variables the stack sets; the function's name and `Switchyard` otherwise.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { Logger } from '#ports/logger.ts';
import { METRICS_NAMESPACE, PowertoolsEnv, parseEnv } from './settings.ts';

export interface Powertools {
  logger: PowertoolsLogger;
  /** The logger behind the application's Logger port. */
  log: Logger;
  metrics: Metrics;
}

let tools: Powertools | undefined;

/** The container's logger and metrics (one per container; the first caller names the service when the stack does not). */
export function powertools(serviceName: string, env: NodeJS.ProcessEnv = process.env): Powertools {
  if (tools) return tools;
  const p = parseEnv(PowertoolsEnv, env, serviceName);
  const service = p.POWERTOOLS_SERVICE_NAME ?? serviceName;
  const logger = new PowertoolsLogger({ serviceName: service });
  tools = {
    logger,
    log: {
      info: (m, f) => logger.info(m, f ?? {}),
      warn: (m, f) => logger.warn(m, f ?? {}),
      error: (m, f) => logger.error(m, f ?? {}),
    },
    metrics: new Metrics({ namespace: p.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName: service }),
  };
  return tools;
}

const containerValues = new Set<{ reset(): void }>();

/** A value built once per container on first use; a failed build is retried on the next invocation. */
export function perContainer<T>(build: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let p: Promise<T> | undefined;
  const value = {
    get() {
      p ??= build().catch((err: unknown) => {
        p = undefined;
        throw err;
      });
      return p;
    },
    reset() {
      p = undefined;
    },
  };
  containerValues.add(value);
  return value;
}

/** For tests that run handlers several times with different environments: as if in a new container. */
export function resetContainer(): void {
  tools = undefined;
  for (const v of containerValues) v.reset();
}

/** What the logger reads of the Lambda context (Hono's and aws-lambda's types both have it). */
export type InvocationContext = Pick<
  Context,
  'awsRequestId' | 'functionName' | 'functionVersion' | 'invokedFunctionArn' | 'memoryLimitInMB'
>;

/**
 * Runs one invocation: the Lambda context on the logger (request id, cold start, function name),
 * the body, then — whether it returned or threw — metrics flushed and temporary keys reset.
 * A context is absent only when a test calls the handler directly.
 */
export async function invocation<T>(
  serviceName: string,
  context: InvocationContext | undefined,
  body: (tools: Powertools) => Promise<T>,
): Promise<T> {
  const t = powertools(serviceName);
  if (context) t.logger.addContext(context as Context);
  try {
    return await body(t);
  } catch (err) {
    t.logger.error('invocation failed', { error: err as Error });
    throw err;
  } finally {
    // Only when something was recorded: Powertools warns on an empty flush.
    if (t.metrics.hasStoredMetrics()) t.metrics.publishStoredMetrics();
    t.logger.resetKeys();
  }
}

/** A handler for an asynchronous trigger (schedule, rule): `body` gets the event as received and the container's tools. */
export function lambdaHandler<R>(serviceName: string, body: (event: unknown, tools: Powertools) => Promise<R>) {
  return (event?: unknown, context?: InvocationContext): Promise<R> => invocation(serviceName, context, (t) => body(event, t));
}
