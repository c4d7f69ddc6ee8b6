/**
 * The one table (DESIGN §3): generic keys `pk`/`sk` and two sparse GSIs. Access patterns get
 * domain names in the repositories; this file knows only the physical shape.
 *
 *   item                  pk                               sk                         gsi1 (pk / sk)                    gsi2 (pk / sk)
 *   decision revision     DEC#<site>#<interval>            REV#<000001>               –                                 UNPUBLISHED / <decidedAt>#…  (until sent)
 *   current decision      SITE#<site>                      DEC#<interval>             DAY#<yyyy-mm-dd> / <interval>#<site>   (names its revision)
 *   pointer version       SITE#<site>                      VERSION                    (a counter every change of the site's pointers adds to)
 *   price                 PRICE#<market>#<node>#<kind>     <interval>
 *   system load           LOAD#<market>#<kind>             <interval>
 *   AS price              ASP#<market>#<node>#<product>    <interval>
 *   hashprice             HASHPRICE                        <yyyy-mm-dd>
 *   market data version   MARKETDATA                       VERSION                    (a counter every market data write adds to)
 *   grid event            GRID#<market>                    <end>#<id>
 *   run                   RUN                              <startedAt>#<runId>
 *   run state             RUNSTATE                         LAST_SUCCESS
 *   override              OVR#<id>                         OVR                        SITEOVR#<site> / <to>#<id>  (cancelled: !<id>)
 *   capability test       CAPTEST#<id>                     CAPTEST                    SITECAPTEST#<site> / <start>#<id>
 *   audit record          AUDIT                            <at>#<id>                  AUDITSITE#<site> / <at>#<id>
 *   idempotency key       IDEM#<scope>#<key>               IDEM
 *   day-ahead bids        BIDS#<site>                      <operating day>
 *   unsent event          OUTBOX                           <time>#<event id>
 *   recorded sites config CONFIG                           SITES
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const GSI1 = 'gsi1';
export const GSI2 = 'gsi2';

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** A client for a local endpoint (dynalite) or, without one, the default AWS chain. */
export function dynamoClient(endpoint?: string, extra: DynamoDBClientConfig = {}): DynamoDBClient {
  if (!endpoint) return new DynamoDBClient(extra);
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
    ...extra,
  });
}

/** Creates the table as the CDK stack defines it; a table that already exists is left alone. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const keys = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: GSI1,
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: GSI2,
            KeySchema: [
              { AttributeName: 'gsi2pk', KeyType: 'HASH' },
              { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
