import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { md5Crypt } from './md5-crypt.ts';

/**
 * The Whatsminer API v2 key schedule and envelope. From `get_token`'s {time, salt, newsalt}:
 * host_passwd_md5 = 4th `$` field of md5-crypt(password, `$1$<salt>$`), host_sign = same of
 * md5-crypt(host_passwd_md5 + time, `$1$<newsalt>$`); writes travel as base64(AES-256-ECB(sha256(host_passwd_md5),
 * json padded with NULs to 16 bytes)). The miner answers writes in the same envelope.
 */
export interface WhatsminerToken {
  readonly hostPasswdMd5: string;
  readonly hostSign: string;
}

export function deriveToken(password: string, time: string, salt: string, newsalt: string): WhatsminerToken {
  const hostPasswdMd5 = md5Crypt(password, `$1$${salt}$`).split('$')[3]!;
  const hostSign = md5Crypt(hostPasswdMd5 + time, `$1$${newsalt}$`).split('$')[3]!;
  return { hostPasswdMd5, hostSign };
}

function aesKey(hostPasswdMd5: string): Buffer {
  return createHash('sha256').update(hostPasswdMd5, 'utf8').digest();
}

export function encryptEnvelope(hostPasswdMd5: string, json: string): string {
  const plain = Buffer.from(json, 'utf8');
  const padded = Buffer.alloc(Math.ceil(plain.length / 16) * 16 || 16);
  plain.copy(padded);
  const cipher = createCipheriv('aes-256-ecb', aesKey(hostPasswdMd5), null).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** undefined when the text does not decrypt to something readable (a wrong key, or not base64 at all). */
export function decryptEnvelope(hostPasswdMd5: string, base64: string): string | undefined {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0 || bytes.length % 16 !== 0) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-ecb', aesKey(hostPasswdMd5), null).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end -= 1;
    return plain.subarray(0, end).toString('utf8');
  } catch {
    return undefined;
  }
}
