import { createHash, randomBytes } from 'node:crypto';

/** An HTTP Digest client (RFC 7616) for qop=auth with MD5 or SHA-256, as the stock Antminer web UI asks for. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly algorithm: 'MD5' | 'SHA-256';
  readonly stale: boolean;
}

/** Parses a `WWW-Authenticate: Digest …` header; undefined when it is not a digest challenge we can answer. */
export function parseDigestChallenge(header: string | undefined): DigestChallenge | undefined {
  if (header === undefined || !/^digest\s/i.test(header)) return undefined;
  const params = new Map<string, string>();
  const pattern = /([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi;
  for (const match of header.slice(6).matchAll(pattern)) {
    params.set(match[1]!.toLowerCase(), (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
  if (realm === undefined || nonce === undefined || (algorithm !== 'MD5' && algorithm !== 'SHA-256')) return undefined;
  const qop = params.get('qop');
  if (
    qop !== undefined &&
    !qop
      .split(',')
      .map((q) => q.trim())
      .includes('auth')
  )
    return undefined;
  const opaque = params.get('opaque');
  return {
    realm,
    nonce,
    algorithm,
    stale: params.get('stale')?.toLowerCase() === 'true',
    ...(opaque === undefined ? {} : { opaque }),
    ...(qop === undefined ? {} : { qop: 'auth' }),
  };
}

export interface DigestRequest {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonceCount: number;
  /** Fixed only by tests; otherwise random. */
  readonly cnonce?: string;
}

export function digestResponse(challenge: DigestChallenge, request: DigestRequest): { response: string; cnonce: string; nc: string } {
  const hash = (text: string) =>
    createHash(challenge.algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(text, 'utf8')
      .digest('hex');
  const cnonce = request.cnonce ?? randomBytes(16).toString('hex');
  const nc = request.nonceCount.toString(16).padStart(8, '0');
  const ha1 = hash(`${request.username}:${challenge.realm}:${request.password}`);
  const ha2 = hash(`${request.method}:${request.uri}`);
  const response =
    challenge.qop === undefined
      ? hash(`${ha1}:${challenge.nonce}:${ha2}`)
      : hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${challenge.qop}:${ha2}`);
  return { response, cnonce, nc };
}

export function digestAuthorization(challenge: DigestChallenge, request: DigestRequest): string {
  const { response, cnonce, nc } = digestResponse(challenge, request);
  const quoted = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`;
  const parts = [
    `username=${quoted(request.username)}`,
    `realm=${quoted(challenge.realm)}`,
    `nonce=${quoted(challenge.nonce)}`,
    `uri=${quoted(request.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quoted(response)}`,
  ];
  if (challenge.qop !== undefined) parts.push(`qop=${challenge.qop}`, `nc=${nc}`, `cnonce=${quoted(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quoted(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

/** The server's side, for the fake Antminer: the expected response for a parsed Authorization header. */
export function parseDigestAuthorization(header: string | undefined): Map<string, string> | undefined {
  if (header === undefined || !/^digest\s/i.test(header)) return undefined;
  const params = new Map<string, string>();
  for (const match of header.slice(6).matchAll(/([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi)) {
    params.set(match[1]!.toLowerCase(), (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1'));
  }
  return params;
}
