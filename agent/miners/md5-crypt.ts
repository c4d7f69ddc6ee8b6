import { createHash } from 'node:crypto';

/**
 * The FreeBSD `$1$` md5-crypt (Poul-Henning Kamp's), which the Whatsminer API uses to derive its keys. Written here
 * rather than taken from npm: it is forty lines over node:crypto's MD5, fixed since 1994, and no maintained package
 * ships it without native code or a bundle of unrelated hash schemes.
 */
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MAGIC = '$1$';

export function md5Crypt(password: string, salt: string): string {
  const pw = Buffer.from(password, 'utf8');
  const bare = (salt.startsWith(MAGIC) ? salt.slice(MAGIC.length) : salt).split('$')[0]!.slice(0, 8);
  const saltBytes = Buffer.from(bare, 'utf8');

  const alternate = md5(pw, saltBytes, pw);
  const context = createHash('md5').update(pw).update(MAGIC).update(saltBytes);
  for (let left = pw.length; left > 0; left -= 16) context.update(alternate.subarray(0, Math.min(16, left)));
  for (let bits = pw.length; bits > 0; bits >>= 1) context.update((bits & 1) === 1 ? Buffer.of(0) : pw.subarray(0, 1));
  let digest = context.digest();

  // A thousand rounds, "to slow down brute force" as the original comment says.
  for (let round = 0; round < 1000; round += 1) {
    const step = createHash('md5');
    step.update((round & 1) === 1 ? pw : digest);
    if (round % 3 !== 0) step.update(saltBytes);
    if (round % 7 !== 0) step.update(pw);
    step.update((round & 1) === 1 ? digest : pw);
    digest = step.digest();
  }

  const d = digest;
  const encoded =
    to64((d[0]! << 16) | (d[6]! << 8) | d[12]!, 4) +
    to64((d[1]! << 16) | (d[7]! << 8) | d[13]!, 4) +
    to64((d[2]! << 16) | (d[8]! << 8) | d[14]!, 4) +
    to64((d[3]! << 16) | (d[9]! << 8) | d[15]!, 4) +
    to64((d[4]! << 16) | (d[10]! << 8) | d[5]!, 4) +
    to64(d[11]!, 2);
  return `${MAGIC}${bare}$${encoded}`;
}

function md5(...parts: Buffer[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function to64(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i += 1) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}
