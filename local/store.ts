/**
 * Access to the local store. dynalite's on-disk store can be opened by one process only: when the
 * runtime is up it records its DynamoDB endpoint in $SWITCHYARD_HOME/runtime.json and every other
 * command uses that endpoint; otherwise the command opens the store itself.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { type EmbeddedDynamo, startDynalite } from './dynalite.ts';

export interface RuntimeInfo {
  pid: number;
  dynamoEndpoint: string;
  apiUrl: string;
  startedAt: string;
}

export interface OpenStore {
  client: DynamoDBClient;
  endpoint: string;
  /** True when this process opened the on-disk store itself. */
  owned: boolean;
  close(): Promise<void>;
}

const runtimeFile = (home: string) => join(home, 'runtime.json');

export function readRuntimeInfo(home: string): RuntimeInfo | null {
  try {
    const info = JSON.parse(readFileSync(runtimeFile(home), 'utf8')) as RuntimeInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

export function writeRuntimeInfo(home: string, info: RuntimeInfo): void {
  writeFileSync(runtimeFile(home), `${JSON.stringify(info, null, 2)}\n`);
}

export function clearRuntimeInfo(home: string, pid: number): void {
  const info = readRuntimeInfoRaw(home);
  if (info?.pid === pid) rmSync(runtimeFile(home), { force: true });
}

function readRuntimeInfoRaw(home: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(runtimeFile(home), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

/** Opens the store: through a running runtime's endpoint, or by starting dynalite on the folder. */
export async function openStore(home: string, tableName: string, opts: { own?: boolean; port?: number } = {}): Promise<OpenStore> {
  mkdirSync(home, { recursive: true });
  const running = opts.own ? null : readRuntimeInfo(home);
  if (running) {
    const client = dynamoClient(running.dynamoEndpoint);
    try {
      await client.send(new ListTablesCommand({}));
      return { client, endpoint: running.dynamoEndpoint, owned: false, close: async () => client.destroy() };
    } catch {
      client.destroy();
      // The runtime recorded there is not answering: fall through and open the store here.
    }
  }
  let db: EmbeddedDynamo;
  try {
    db = await startDynalite({ path: join(home, 'db'), ...(opts.port !== undefined ? { port: opts.port } : {}) });
  } catch (err) {
    throw new Error(
      `cannot open the store in ${join(home, 'db')}: ${(err as Error).message} (is another switchyard process using ${home}?)`,
    );
  }
  const client = dynamoClient(db.endpoint);
  try {
    await createTable(client, tableName);
  } catch (err) {
    client.destroy();
    await db.close();
    throw new Error(`cannot open the store in ${join(home, 'db')}: ${(err as Error).message}`);
  }
  return {
    client,
    endpoint: db.endpoint,
    owned: true,
    close: async () => {
      client.destroy();
      await db.close();
    },
  };
}

export function storeExists(home: string): boolean {
  return existsSync(join(home, 'db'));
}
