/** Live grid intensity in the local runtime: the job of shared/app/intensity.ts with the context's store, clock and log. */
import { ingestLiveIntensityJob, type LiveIntensityOutcome } from '#app/intensity.ts';
import type { LiveIntensityFeeds } from '#functions/shared/intensity.ts';
import type { LocalContext } from './context.ts';

/** The live intensity job with the context's store, clock and log. */
export function pullLiveIntensity(
  ctx: Pick<LocalContext, 'repos' | 'clock' | 'log'>,
  feeds: LiveIntensityFeeds,
): Promise<LiveIntensityOutcome> {
  return ingestLiveIntensityJob(
    {
      marketData: ctx.repos.marketData,
      clock: ctx.clock,
      log: ctx.log,
      fuelMix: feeds.fuelMix,
      ...(feeds.marginal ? { marginal: feeds.marginal } : {}),
    },
    feeds.settings,
  );
}
