import { Lexer, type YAMLError } from 'yaml';

/**
 * Where a YAML syntax error is, for a person. The yaml parser notices an unclosed `{`, `[` or
 * quote only where the next line starts, so it reports the line after the mistake (or one past
 * the end of the file). Those errors are moved back to the character that opened what was never
 * closed; every other error keeps the parser's position.
 */

/** Lexer markers that stand for no character of the source. */
const MARKERS = new Set(['\u0002', '\u0018', '\u001f']);

interface Token {
  offset: number;
  text: string;
}

function tokensBefore(text: string, end: number): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (offset >= end) break;
    if (MARKERS.has(token)) continue;
    tokens.push({ offset, text: token });
    offset += token.length;
  }
  return tokens;
}

/** The `{` or `[` still open at `end` (the innermost one). */
function openFlow(tokens: readonly Token[], opener: '{' | '['): number | undefined {
  const open: Token[] = [];
  for (const t of tokens) {
    if (t.text === '{' || t.text === '[') open.push(t);
    else if (t.text === '}' || t.text === ']') open.pop();
  }
  return open.reverse().find((t) => t.text === opener)?.offset;
}

/** The quoted scalar that runs into `end` without its closing quote. */
function openQuote(tokens: readonly Token[]): number | undefined {
  const last = [...tokens].reverse().find((t) => t.text.startsWith('"') || t.text.startsWith("'"));
  if (!last) return undefined;
  const quote = last.text[0] ?? '"';
  const body = last.text.slice(1);
  const closed = quote === '"' ? /(^|[^\\])(\\\\)*"/.test(body) : /'(?!')/.test(body.replace(/''/g, ''));
  return closed ? undefined : last.offset;
}

/** The offset to report `error` at. */
export function syntaxErrorOffset(text: string, error: YAMLError): number {
  const at = error.pos[0];
  const flow = error.code === 'BAD_INDENT' ? /end with an? ([}\]])/.exec(error.message)?.[1] : undefined;
  if (flow !== undefined) return openFlow(tokensBefore(text, at), flow === '}' ? '{' : '[') ?? at;
  if (error.code === 'MISSING_CHAR' && /quote/i.test(error.message)) return openQuote(tokensBefore(text, at + 1)) ?? at;
  return at;
}
