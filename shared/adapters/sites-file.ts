/** Reads and validates a sites file; every failure names the file and, for content, the field. */
import { readFileSync } from 'node:fs';
import { ValidationError } from '#domain/errors.ts';
import { parseSitesFile, type SitesFile } from '#domain/sites.ts';

export function readSitesFile(path: string): SitesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ValidationError(`sites file ${path}`, [
      { path: '', message: code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? (err as Error).message})` },
    ]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`sites file ${path}`, [{ path: '', message: `is not valid JSON: ${(err as Error).message}` }]);
  }
  return parseSitesFile(data, `sites file ${path}`);
}
