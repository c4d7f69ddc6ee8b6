/**
 * A fuzz worker of `npm run bench -- reliability`: runs the batches in RELIABILITY_FUZZ_BATCHES (JSON `[{ seed, total }]`)
 * against the in-process app over a dynalite of its own, and prints their sums as one JSON line.
 */
import { startDynalite } from '#local/dynalite.ts';
import { fuzzBatches } from './reliability.ts';

const batches = JSON.parse(process.env.RELIABILITY_FUZZ_BATCHES ?? '[]') as { seed: number; total: number }[];
const db = await startDynalite({});
try {
  process.stdout.write(`${JSON.stringify(await fuzzBatches(db.endpoint, batches))}\n`);
} finally {
  await db.close();
}
