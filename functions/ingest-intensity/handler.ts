/**
 * Scheduled every 15 minutes: the live grid intensity (shared/app/intensity.ts) — ERCOT's fuel-mix
 * dashboard as quarter-hour average intensities, the latest carried forward as a FORECAST for the
 * hours the next runs decide, and WattTime's marginal intensity when its credentials are set — so
 * that decisions made in AWS carry their emissions as the local runtime's do.
 *
 * Environment (./contract.ts, functions/shared/intensity.ts; a bad value is named):
 *   EMISSION_FACTORS           JSON { "<fuel>": lb/MWh } over the documented defaults (domain/carbon.ts)
 *   INTENSITY_FORECAST_HOURS   hours the latest quarter is carried forward (default 2)
 *   WATTTIME_USERNAME, WATTTIME_PASSWORD, WATTTIME_REGION   all three, or none (no marginal intensity)
 *   ERCOT_DASHBOARD_BASE_URL, WATTTIME_BASE_URL   optional overrides
 *   FEED_HTTP_TIMEOUT_MS, FEED_HTTP_MAX_ATTEMPTS, FEED_HTTP_BASE_DELAY_MS   HTTP retry policy
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ingestLiveIntensityJob } from '#app/intensity.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts, marketDataOnly } from '../shared/aws.ts';
import { feedHttpOptions } from '../shared/feeds.ts';
import { liveIntensityFromEnv } from '../shared/intensity.ts';
import { lambdaHandler, perContainer } from '../shared/lambda.ts';
import { parseEnv, parseEvent } from '../shared/settings.ts';
import { Env, Event } from './contract.ts';

const NAME = 'ingest-intensity';

const feeds = perContainer(async () => liveIntensityFromEnv(process.env, feedHttpOptions(parseEnv(Env, process.env, NAME))));

export const handler = lambdaHandler(NAME, async (raw, { metrics }) => {
  parseEvent(Event, raw);
  const { fuelMix, marginal, settings } = await feeds.get();
  const p = awsParts(NAME, marketDataOnly);
  const outcome = await ingestLiveIntensityJob(
    { marketData: p.repos.marketData, clock: systemClock, log: p.log, fuelMix, ...(marginal ? { marginal } : {}) },
    settings,
  );
  metrics.addMetric('IntensityPointsWritten', MetricUnit.Count, outcome.average.written + (outcome.marginal?.written ?? 0));
  metrics.addMetric('IntensitySourceErrors', MetricUnit.Count, outcome.errors.length);
  // The dashboard is the one source every decision's emissions need: its failure fails the invocation (retries, error alarm).
  if (outcome.average.points === 0 && outcome.errors.length > 0) throw new Error(`intensity ingest failed: ${outcome.errors.join(' | ')}`);
  return outcome;
});
