/** Everything a local command needs, wired from the configuration. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { jsonLogger } from '#adapters/json-logger.ts';
import { JsonLinesEventPublisher } from '#adapters/log-events.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { OutboxPublisher } from '#app/outbox.ts';
import type { Site } from '#domain/sites.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import { type LocalConfig, readConfig } from './config.ts';
import { type OpenStore, openStore } from './store.ts';

export interface LocalContext {
  config: LocalConfig;
  repos: Repositories;
  dynamo: DynamoDBClient;
  store: OpenStore;
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
  /** The configured sites (validated on first use). */
  sites(): Site[];
  close(): Promise<void>;
}

export interface ContextOptions {
  config?: LocalConfig;
  /** The runtime owns the store and serves its endpoint to other processes. */
  ownStore?: boolean;
  log?: Logger;
  /** Validate the sites file before the store is opened, so that a bad file writes nothing. */
  requireSites?: boolean;
}

export async function openLocalContext(opts: ContextOptions = {}): Promise<LocalContext> {
  const config = opts.config ?? readConfig();
  let sites: Site[] | undefined = opts.requireSites ? readSitesFile(config.sitesFile).sites : undefined;
  const store = await openStore(config.home, config.tableName, { own: opts.ownStore ?? false });
  const repos = dynamoRepositories(store.client, config.tableName);
  const log = opts.log ?? jsonLogger();
  return {
    config,
    store,
    dynamo: store.client,
    repos,
    publisher: new OutboxPublisher(new JsonLinesEventPublisher(join(config.home, 'events.jsonl')), repos.outbox, log),
    clock: systemClock,
    log,
    sites() {
      sites ??= readSitesFile(config.sitesFile).sites;
      return sites;
    },
    close: () => store.close(),
  };
}

/** The local JWT signing secret, created on first use and kept under $SWITCHYARD_HOME. */
export function localJwtSecret(home: string): Uint8Array {
  const path = join(home, 'jwt-secret');
  if (!existsSync(path)) {
    mkdirSync(home, { recursive: true });
    try {
      writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return new TextEncoder().encode(readFileSync(path, 'utf8').trim());
}
