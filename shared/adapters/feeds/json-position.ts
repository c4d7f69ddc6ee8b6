/**
 * Where a value sits in a JSON text: `JSON.parse` forgets positions, so a reader that validates the
 * parsed document finds the offending value again by its path (`multiAreaEntries[3].entryPerArea.NO3`)
 * with this small scanner, to name its line and column as the CSV and XML readers name theirs.
 * Only called when something is wrong, on a text `JSON.parse` has accepted.
 */

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in characters from the start of the line. */
  column: number;
}

/**
 * The position of the value at `path` in `text`, or of the deepest value on the way to it that
 * exists (a missing key is reported where its object begins). Undefined when the text is not JSON.
 */
export function jsonPosition(text: string, path: readonly PropertyKey[]): TextPosition | undefined {
  try {
    return positionAt(text, new Scanner(text).locate(path));
  } catch {
    return undefined;
  }
}

/** `, line L, column C` for a message's subject, or nothing when the position is unknown. */
export function atJsonPosition(text: string, path: readonly PropertyKey[]): string {
  const p = jsonPosition(text, path);
  return p ? `, line ${p.line}, column ${p.column}` : '';
}

export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

class Scanner {
  private i = 0;

  constructor(private readonly text: string) {}

  /** The offset of the value at `path` (or of its deepest existing ancestor). */
  locate(path: readonly PropertyKey[]): number {
    this.ws();
    let at = this.i;
    for (const key of path) {
      const found = this.child(key);
      if (found === undefined) return at;
      at = found;
    }
    return at;
  }

  /** Moves to the member `key` of the object, or the element `key` of the array, that starts here. */
  private child(key: PropertyKey): number | undefined {
    const open = this.text[this.i];
    if (open !== '{' && open !== '[') return undefined;
    this.i++;
    this.ws();
    const close = open === '{' ? '}' : ']';
    for (let index = 0; this.i < this.text.length && this.text[this.i] !== close; index++) {
      let name: string | number = index;
      if (open === '{') {
        const start = this.i;
        this.skipString();
        name = JSON.parse(this.text.slice(start, this.i)) as string;
        this.ws();
        this.i++; // ':'
        this.ws();
      }
      if (String(name) === String(key)) return this.i;
      this.skipValue();
      this.ws();
      if (this.text[this.i] === ',') {
        this.i++;
        this.ws();
      }
    }
    return undefined;
  }

  private ws(): void {
    while (/\s/.test(this.text[this.i] ?? '')) this.i++;
  }

  private skipString(): void {
    this.i++; // opening quote
    while (this.text[this.i] !== '"') this.i += this.text[this.i] === '\\' ? 2 : 1;
    this.i++;
  }

  private skipValue(): void {
    const c = this.text[this.i];
    if (c === '"') {
      this.skipString();
      return;
    }
    if (c !== '{' && c !== '[') {
      while (this.i < this.text.length && !/[\s,\]}]/.test(this.text[this.i]!)) this.i++;
      return;
    }
    let depth = 0;
    do {
      const d = this.text[this.i];
      if (d === '"') {
        this.skipString();
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') depth--;
      this.i++;
    } while (depth > 0 && this.i < this.text.length);
  }
}
