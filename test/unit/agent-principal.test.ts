/** Who an agent token is: local tokens with a sites claim, Cognito client-credentials tokens by their client id. */
import { describe, expect, it } from 'vitest';
import { AGENT_SCOPE, mintToken, principalFromClaims, verifyToken } from '#adapters/jwt.ts';
import { Env } from '#functions/agent-api/contract.ts';
import { parseEnv } from '#functions/shared/settings.ts';

const SECRET = new TextEncoder().encode('agent-principal-tests-secret-0123456789');
const agentClients = { '5abc': 'rockdale' };

describe('agent principals', () => {
  it('a local agent token is limited to the sites it was minted for', async () => {
    const token = await mintToken(SECRET, 'agent-rockdale', ['agent'], 3600, Date.now(), ['rockdale']);
    expect(await verifyToken(SECRET, token)).toEqual({ user: 'agent-rockdale', roles: ['agent'], sites: ['rockdale'] });
  });

  it('an agent token without a sites claim is limited to no site', () => {
    expect(principalFromClaims({ username: 'a', 'cognito:groups': ['agent'] })).toEqual({ user: 'a', roles: ['agent'], sites: [] });
  });

  it('a person is not limited to sites', () => {
    expect(principalFromClaims({ username: 'desk-1', 'cognito:groups': '[trader]' })).toEqual({ user: 'desk-1', roles: ['trader'] });
  });

  it('a client-credentials token with the agent scope is the agent of its client site', () => {
    expect(principalFromClaims({ client_id: '5abc', sub: '5abc', scope: AGENT_SCOPE, token_use: 'access' }, { agentClients })).toEqual({
      user: 'agent:rockdale',
      roles: ['agent'],
      sites: ['rockdale'],
    });
  });

  it('a client-credentials token of a client that is no site agent is nobody', () => {
    expect(principalFromClaims({ client_id: 'other', sub: 'other', scope: AGENT_SCOPE }, { agentClients })).toBeNull();
  });

  it('a client token without the agent scope gets no role', () => {
    expect(principalFromClaims({ client_id: '5abc', sub: '5abc', scope: 'switchyard/other' }, { agentClients })).toEqual({
      user: '5abc',
      roles: [],
    });
  });

  it('reads the client → site map the stack sets, and refuses a malformed one naming the variable', () => {
    const base = { TABLE_NAME: 't', EVENT_BUS_NAME: 'b', SITES_FILE: 'sites.json' };
    expect(parseEnv(Env, { ...base, AGENT_CLIENTS: '5abc=rockdale, 7def=tydal,' }, 'agent-api').AGENT_CLIENTS).toEqual({
      '5abc': 'rockdale',
      '7def': 'tydal',
    });
    expect(parseEnv(Env, base, 'agent-api').AGENT_CLIENTS).toEqual({});
    expect(() => parseEnv(Env, { ...base, AGENT_CLIENTS: '5abc=rockdale,broken' }, 'agent-api')).toThrow(
      /agent-api environment: AGENT_CLIENTS: expected <clientId>=<siteId>, comma-separated \(got "broken"\)/,
    );
  });
});
