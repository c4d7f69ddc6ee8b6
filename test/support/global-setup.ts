/**
 * Starts one in-memory dynalite on 127.0.0.1 for a vitest project's run. Only the projects that
 * talk to DynamoDB list this file (vitest.config.ts: integration, api, infra); each gets its own.
 * Tests read its endpoint from `inject('dynamoEndpoint')` and create their own
 * uniquely named tables, so files can run in parallel without sharing state.
 */

import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynalite } from '../../local/dynalite.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const db = await startDynalite({});
  project.provide('dynamoEndpoint', db.endpoint);
  return async () => {
    await db.close();
  };
}
