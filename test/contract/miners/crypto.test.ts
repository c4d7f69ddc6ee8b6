import { describe, expect, it } from 'vitest';
import { digestAuthorization, digestResponse, parseDigestChallenge } from '../../../agent/miners/digest-auth.ts';
import { md5Crypt } from '../../../agent/miners/md5-crypt.ts';
import { decryptEnvelope, deriveToken, encryptEnvelope } from '../../../agent/miners/whatsminer-crypto.ts';

describe('md5-crypt ($1$)', () => {
  // Produced by `openssl passwd -1 -salt <salt> <password>`.
  it.each([
    ['password', 'saltsalt', '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/'],
    ['admin', 'BHzBzi1E', '$1$BHzBzi1E$ptvb/Sy1Q6VPhSZrLObGY0'],
    ['', 'ab', '$1$ab$rn6aQS/o7141mj179E/zA.'],
    ['a much longer password that exceeds sixteen', '12345678', '$1$12345678$.ufJmP2kd6glFADQiesTA0'],
  ])('hashes %j with salt %s as openssl does', (password, salt, expected) => {
    expect(md5Crypt(password, `$1$${salt}$`)).toBe(expected);
  });

  it('takes at most eight salt characters and stops at a $', () => {
    expect(md5Crypt('password', '$1$saltsaltEXTRA$whatever')).toBe('$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/');
  });
});

describe('HTTP digest (RFC 7616 / 2617)', () => {
  it('computes the RFC 7616 §3.9.1 MD5 example response', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    expect(challenge).toBeDefined();
    const { response } = digestResponse(challenge!, {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonceCount: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    expect(response).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('computes the RFC 2617 §3.5 example response', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    const { response } = digestResponse(challenge!, {
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonceCount: 1,
      cnonce: '0a4f113b',
    });
    expect(response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('writes an Authorization header with qop, nc, cnonce and the opaque echoed', () => {
    const challenge = parseDigestChallenge('Digest realm="antMiner Configuration", qop="auth", nonce="abc", opaque="xyz"')!;
    const header = digestAuthorization(challenge, {
      username: 'root',
      password: 'root',
      method: 'POST',
      uri: '/cgi-bin/x.cgi',
      nonceCount: 2,
      cnonce: 'c',
    });
    expect(header).toMatch(/^Digest username="root", realm="antMiner Configuration", nonce="abc", uri="\/cgi-bin\/x.cgi", algorithm=MD5, /);
    expect(header).toContain('qop=auth, nc=00000002, cnonce="c", opaque="xyz"');
  });

  it('refuses challenges it cannot answer', () => {
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="x", nonce="n", qop="auth-int"')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256')).toBeUndefined();
  });
});

describe('Whatsminer key schedule and envelope', () => {
  it('derives host_passwd_md5 and host_sign as the 4th $ field of md5-crypt', () => {
    const token = deriveToken('admin', '1234', 'BHzBzi1E', 'saltsalt');
    expect(token.hostPasswdMd5).toBe('ptvb/Sy1Q6VPhSZrLObGY0');
    expect(token.hostSign).toBe(md5Crypt('ptvb/Sy1Q6VPhSZrLObGY0' + '1234', '$1$saltsalt$').split('$')[3]);
  });

  it('pads with NULs to 16 bytes and round-trips; a wrong key does not read back', () => {
    const json = '{"cmd":"power_off","respbefore":"true","token":"abc"}';
    const sealed = encryptEnvelope('key-one', json);
    expect(Buffer.from(sealed, 'base64').length).toBe(64);
    expect(decryptEnvelope('key-one', sealed)).toBe(json);
    expect(decryptEnvelope('key-two', sealed)).not.toBe(json);
  });
});
