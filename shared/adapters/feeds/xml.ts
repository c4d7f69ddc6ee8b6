/**
 * XML documents for the feed parsers (ENTSO-E, ECB), read with fast-xml-parser: well-formedness is
 * checked first so that a broken file fails with its line and column, namespace prefixes are
 * dropped (`gesmes:Envelope` → `Envelope`), values stay strings (each parser checks its numbers
 * strictly), and every element node remembers where it starts so that errors can name its line.
 */
import { XMLParser } from 'fast-xml-parser';
import { ValidationError } from '#domain/errors.ts';

/** An element with children or attributes, as fast-xml-parser gives it. */
export type XmlNode = Record<string, unknown>;

export interface XmlDocument {
  /** The root element's local name, e.g. `Publication_MarketDocument`. */
  rootName: string;
  root: XmlNode;
  /** The 1-based line an element node starts on, if known. */
  lineOf(node: unknown): number | undefined;
}

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

/**
 * Parses `text`; `arrays` names the elements that may repeat (always returned as arrays, even when
 * there is one). Throws a ValidationError `<what>, line L` when the text is not well-formed XML.
 */
export function parseXml(text: string, what: string, arrays: readonly string[], opts: { attributes?: boolean } = {}): XmlDocument {
  const parser = new XMLParser({
    removeNSPrefix: true,
    ignoreAttributes: !opts.attributes,
    parseTagValue: false,
    parseAttributeValue: false,
    captureMetaData: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => arrays.includes(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(text, true) as XmlNode;
  } catch (err) {
    // The validator's message ends in `:line:col`.
    const m = /^(.*):(\d+):(\d+)$/s.exec((err as Error).message);
    const where = m ? `${what}, line ${m[2]}` : what;
    const reason = m ? `${m[1]} (column ${m[3]})` : (err as Error).message;
    throw new ValidationError(where, [{ path: '', message: `not well-formed XML: ${reason}` }]);
  }
  const names = Object.keys(doc);
  const rootName = names[0];
  if (names.length !== 1 || !rootName || !isNode(doc[rootName])) {
    throw new ValidationError(what, [{ path: '', message: 'expected one root element with content' }]);
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (node: unknown): number | undefined => {
    const at = isNode(node) ? ((node as Record<symbol, unknown>)[META] as { startIndex?: number } | undefined)?.startIndex : undefined;
    if (at === undefined) return undefined;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return { rootName, root: doc[rootName] as XmlNode, lineOf };
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The text of a child element (trimmed), or undefined when it is absent or has children. */
export function childText(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The repeated child elements named `name` (parsed as arrays because they were listed in `arrays`);
 * an empty element (`<Point/>`) comes back as a node without children, so that its fields read as missing.
 */
export function children(node: XmlNode, name: string): XmlNode[] {
  const v = node[name];
  return Array.isArray(v) ? v.map((c) => (isNode(c) ? c : {})) : [];
}
