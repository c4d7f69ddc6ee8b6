import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, cachingVerifier, ISSUER, MAX_TOKEN_LIFETIME_SECONDS, mintToken, verifyToken } from '#adapters/jwt.ts';

const SECRET = new TextEncoder().encode('switchyard-test-secret-0123456789abcdef');
const OTHER = new TextEncoder().encode('another-secret-0123456789abcdef-xyz');

describe('cachingVerifier', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a token it has verified with the same principal', async () => {
    const verify = cachingVerifier(SECRET);
    const token = await mintToken(SECRET, 'desk-1', ['trader']);
    const first = await verify(token);
    expect(first).toEqual({ user: 'desk-1', roles: ['trader'] });
    expect(await verify(token)).toEqual(first);
  });

  it('refuses a remembered token once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-01T12:00:00Z'));
    const verify = cachingVerifier(SECRET);
    const token = await mintToken(SECRET, 'desk-1', ['trader'], 60);
    expect(await verify(token)).not.toBeNull();
    vi.setSystemTime(Date.parse('2026-03-01T12:00:59Z'));
    expect(await verify(token)).not.toBeNull();
    vi.setSystemTime(Date.parse('2026-03-01T12:01:01Z'));
    expect(await verify(token)).toBeNull();
  });

  it('refuses, every time, tokens that do not verify', async () => {
    const verify = cachingVerifier(SECRET);
    const forged = await mintToken(OTHER, 'mallory', ['trader']);
    const expired = await mintToken(SECRET, 'desk-1', ['trader'], 60, Date.now() - 3_600_000);
    for (let i = 0; i < 2; i++) {
      expect(await verify(forged)).toBeNull();
      expect(await verify(expired)).toBeNull();
      expect(await verify('not.a.jwt')).toBeNull();
    }
  });

  it('keeps verifying correctly past its size bound', async () => {
    const verify = cachingVerifier(SECRET, { maxEntries: 2 });
    const tokens = await Promise.all(['a', 'b', 'c', 'd'].map((u) => mintToken(SECRET, u, ['finance'])));
    for (let round = 0; round < 2; round++) {
      for (const [i, t] of tokens.entries()) expect((await verify(t))?.user).toBe(['a', 'b', 'c', 'd'][i]);
    }
  });
});

describe('verifyToken lifetime rules', () => {
  const NOW_S = Math.floor(Date.now() / 1000);
  const sign = (claims: { iat?: number; exp?: number }) => {
    let jwt = new SignJWT({ 'cognito:groups': ['trader'], username: 'desk-1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE);
    if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
    return jwt.sign(SECRET);
  };

  it('accepts a token within the maximum lifetime', async () => {
    expect(await verifyToken(SECRET, await sign({ iat: NOW_S, exp: NOW_S + MAX_TOKEN_LIFETIME_SECONDS }))).not.toBeNull();
  });

  it('refuses a token with no expiry', async () => {
    expect(await verifyToken(SECRET, await sign({ iat: NOW_S }))).toBeNull();
  });

  it('refuses a token with no issue time', async () => {
    expect(await verifyToken(SECRET, await sign({ exp: NOW_S + 3600 }))).toBeNull();
  });

  it('refuses a token that expires in the year 3000', async () => {
    expect(await verifyToken(SECRET, await sign({ iat: NOW_S, exp: Date.parse('3000-01-01T00:00:00Z') / 1000 }))).toBeNull();
  });

  it('refuses a token issued in the future', async () => {
    expect(await verifyToken(SECRET, await sign({ iat: NOW_S + 3600, exp: NOW_S + 7200 }))).toBeNull();
  });

  it('refuses a token issued longer ago than the maximum lifetime', async () => {
    const iat = NOW_S - MAX_TOKEN_LIFETIME_SECONDS - 3600;
    expect(await verifyToken(SECRET, await sign({ iat, exp: NOW_S + 60 }))).toBeNull();
  });
});
