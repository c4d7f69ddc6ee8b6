/**
 * `@smithy/core/event-streams` for the Lambda bundles: nothing (≈ 15 KB minified saved per bundle).
 *
 * The only importer is the SDK's `HttpProtocol.loadEventStreamCapability()`, which loads this
 * module with `import()` when an operation has an event-stream member — and no operation the
 * bundled clients call (DynamoDB, EventBridge, Secrets Manager: AWS JSON protocols) has one. The
 * bundler aliases the module here (infra/bundling.ts); esbuild fails the build if a future client
 * imports anything else from it. Should an event-stream operation ever be called, it fails loudly
 * instead of misbehaving.
 *
 * Checked against @smithy/core 3.41.0 (@aws-sdk/client-dynamodb and client-eventbridge 3.1169.0, as
 * locked in package-lock.json). test/infra/bundles.test.ts builds the api bundle without this alias
 * to show that it is still needed (over budget), and the bundle tests run every bundle with it.
 */
const unsupported = (): never => {
  throw new Error('AWS SDK event streams are not included in the Lambda bundles (infra/smithy-event-streams-lean.ts)');
};

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;
