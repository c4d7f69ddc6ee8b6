/** Domain events published for fleet controllers, alerting and tenants (DESIGN §4). */

export const EVENT_SOURCE = 'switchyard';

export type DetailType =
  | 'DecisionMade'
  | 'DecisionRevised'
  | 'OverrideCreated'
  | 'OverrideCancelled'
  | 'BidsPrepared'
  | 'MarketDataStale'
  | 'PricesStored'
  | 'GridEmergency'
  | 'RunCompleted'
  | 'LoadCurtailed'
  | 'LoadResumed';

export interface DomainEvent {
  detailType: DetailType;
  /** Everything a consumer needs to act without another read. */
  detail: Record<string, unknown>;
  /** Stable id for de-duplication by consumers (e.g. `decision#site#interval#rev`). */
  id: string;
  timeMs: number;
  /** A record tracks whether this event was sent and re-sends it itself (decision revisions). */
  tracked?: boolean;
}

export interface PublishResult {
  /** Ids of the events that were accepted. */
  sent: string[];
  /** Events that could not be sent after retries, with the reason. */
  failed: { id: string; error: string }[];
}

export interface EventPublisher {
  /** Sends events; partial failures are retried, and what still failed is reported, never thrown away. */
  publish(events: readonly DomainEvent[]): Promise<PublishResult>;
}
