/** Shared result types of the feed parsers (defined in the feeds port so that use cases need no adapter import). */
export type { FeedBatch, FeedGap, FeedParseOptions, FeedParseResult, FeedReject } from '#ports/feeds.ts';
