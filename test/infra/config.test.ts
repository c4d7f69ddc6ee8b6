/** Stage configuration and the schedule table, without synthesizing anything. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Cadence, parseStage, resolveStageConfig, stages } from '../../infra/config.ts';
import { CADENCES, cronFor, jobs } from '../../infra/schedules.ts';

const none = { context: () => undefined, env: {} };

describe('stage', () => {
  it('is dev or prod, and anything else is refused with the way to pass it', () => {
    expect(parseStage('prod')).toBe('prod');
    expect(() => parseStage('staging')).toThrow(/stage must be one of dev, prod \(got "staging"\); pass -c stage=dev\|prod/);
  });
});

describe('resolveStageConfig', () => {
  it('takes account and region from context first, then from the CDK environment', () => {
    const c = resolveStageConfig('dev', {
      context: (k) => ({ account: '111122223333' })[k],
      env: { CDK_DEFAULT_ACCOUNT: '999999999999', CDK_DEFAULT_REGION: 'us-east-2' },
    });

    expect(c.env).toEqual({ account: '111122223333', region: 'us-east-2' });
  });

  it('applies deploy-time overrides and can create the schedules disabled', () => {
    const c = resolveStageConfig('dev', {
      context: (k) => ({ alarmEmail: 'ops@example.com', schedules: 'off' })[k],
      env: { SWITCHYARD_DASHBOARD_ORIGIN: 'https://dash.example.com', SWITCHYARD_COGNITO_DOMAIN_PREFIX: 'switchyard-dev-acme' },
    });

    expect(c.alarmEmail).toBe('ops@example.com');
    expect(c.schedules.enabled).toBe(false);
    expect(c.api.dashboardOrigin).toBe('https://dash.example.com');
    expect(c.cognito.domainPrefix).toBe('switchyard-dev-acme');
    expect(stages.dev.schedules.enabled).toBe(true);
  });

  it('refuses a stage whose sites file does not exist, saying how to pass one', () => {
    expect(() => resolveStageConfig('prod', none)).toThrow(
      /stage prod: sites file .*sites\.prod\.json does not exist; pass -c sitesFile=<path> or set SWITCHYARD_SITES_FILE/,
    );
  });

  it('refuses an invalid sites file, naming the file and the field', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'sites.json');
    writeFileSync(
      file,
      JSON.stringify({
        sites: [{ id: 'x', name: 'X', market: 'ERCOT', timezone: 'America/Chicago', interconnectMw: -1, baseLoadMw: 0, loads: [] }],
      }),
    );

    expect(() => resolveStageConfig('prod', { context: (k) => ({ sitesFile: file })[k], env: {} })).toThrow(
      new RegExp(`sites file ${file}.*interconnectMw`),
    );
  });
});

describe('schedules', () => {
  it('in dev: prices hourly at :50, hashprice daily at 00:10 UTC, intensity every 15 minutes, the run at the top of every hour, Nord Pool in Oslo afternoons', () => {
    expect(jobs(stages.dev).map((j) => [j.name, j.expression, j.timeZone ?? 'UTC'])).toEqual([
      ['ingest-prices', 'cron(50 * * * ? *)', 'UTC'],
      ['ingest-hashprice', 'cron(10 0 * * ? *)', 'UTC'],
      ['ingest-intensity', 'cron(10/15 * * * ? *)', 'UTC'],
      ['run-interval-hourly', 'cron(0 * * * ? *)', 'UTC'],
      ['ingest-nordpool-1315', 'cron(15 13 * * ? *)', 'Europe/Oslo'],
      ['ingest-nordpool-1400', 'cron(0 14 * * ? *)', 'Europe/Oslo'],
      ['ingest-nordpool-1530', 'cron(30 15 * * ? *)', 'Europe/Oslo'],
      ['ingest-nordpool-1630', 'cron(30 16 * * ? *)', 'Europe/Oslo'],
    ]);
  });

  it.each(Object.keys(CADENCES) as Cadence[])('%s: a retried invocation gives up before the next one is due', (cadence) => {
    const { minutes, retry } = CADENCES[cadence];

    expect(retry.maxEventAge.toSeconds()).toBeLessThan(minutes * 60);
    expect(retry.maxEventAge.toSeconds()).toBeGreaterThanOrEqual(60);
  });

  it('fires at the same minute offset whatever the cadence', () => {
    expect(cronFor('every-5-minutes', 50)).toBe('cron(0/5 * * * ? *)');
    expect(cronFor('every-15-minutes', 50)).toBe('cron(5/15 * * * ? *)');
    expect(cronFor('hourly', 50)).toBe('cron(50 * * * ? *)');
    expect(cronFor('daily', 50, 23)).toBe('cron(50 23 * * ? *)');
  });
});
