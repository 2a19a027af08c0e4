// Reads a JavaScript object or array literal as data, without evaluating any code: the subset that
// minifiers emit for JSON-like values (unquoted keys, `!0` / `!1` for true / false, `.5` and `1e-7`
// numbers, single- or double-quoted strings, `null`, `void 0`). Anything else is an error.

export type JsValue = null | boolean | number | string | JsValue[] | { [key: string]: JsValue } | undefined;

// Sticky patterns, matched in place at `lastIndex`.
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const DIGITS = /\d+/y;
const PLAIN = /[^"'\\]*/y;
const WORDS: readonly (readonly [string, JsValue])[] = [['null', null], ['true', true], ['false', false], ['void 0', undefined], ['NaN', NaN], ['Infinity', Infinity]];
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0' };

class Reader {
  constructor(readonly text: string, public at: number) {}

  fail(what: string): never {
    const around = this.text.slice(Math.max(0, this.at - 30), this.at + 30);
    throw new Error(`JS literal: ${what} at offset ${this.at} (near ${JSON.stringify(around)})`);
  }

  /** The next non-blank character (not consumed). */
  peek(): string {
    const t = this.text;
    let c = t.charCodeAt(this.at);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.at);
    return t[this.at] ?? '';
  }

  expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected '${c}'`);
    this.at++;
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.at;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.at += m[0].length;
    return m[0];
  }

  value(): JsValue {
    const c = this.peek();
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return this.string();
    if (c === '!') {
      const d = this.text[this.at + 1];
      if (d !== '0' && d !== '1') this.fail('expected !0 or !1');
      this.at += 2;
      return d === '0';
    }
    if (c === '-' || c === '.' || (c >= '0' && c <= '9')) {
      const n = this.match(NUMBER);
      if (n === undefined) this.fail('bad number');
      return Number(n);
    }
    for (const [word, v] of WORDS) {
      if (this.text.startsWith(word, this.at) && !/[A-Za-z0-9_$]/.test(this.text[this.at + word.length] ?? '')) {
        this.at += word.length;
        return v;
      }
    }
    return this.fail('unsupported value (this reader evaluates no code)');
  }

  /** After an item: true at the closing bracket (consumed), false after a comma (a trailing comma closes too). */
  private next(close: string): boolean {
    const c = this.peek();
    this.at++;
    if (c === close) return true;
    if (c !== ',') this.fail(`expected ',' or '${close}'`);
    if (this.peek() !== close) return false;
    this.at++;
    return true;
  }

  object(): { [key: string]: JsValue } {
    this.expect('{');
    const out: { [key: string]: JsValue } = {};
    if (this.peek() === '}') {
      this.at++;
      return out;
    }
    do {
      const key = this.key();
      this.expect(':');
      out[key] = this.value();
    } while (!this.next('}'));
    return out;
  }

  array(): JsValue[] {
    this.expect('[');
    const out: JsValue[] = [];
    if (this.peek() === ']') {
      this.at++;
      return out;
    }
    do out.push(this.value()); while (!this.next(']'));
    return out;
  }

  key(): string {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    const k = this.match(IDENTIFIER) ?? this.match(DIGITS);
    return k ?? this.fail('expected a key');
  }

  string(): string {
    const quote = this.text[this.at++];
    let out = '';
    for (;;) {
      out += this.match(PLAIN) ?? '';
      const c = this.text[this.at++];
      if (c === undefined) this.fail('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c; // the other quote
        continue;
      }
      const e = this.text[this.at++];
      if (e === 'u' || e === 'x') {
        const len = e === 'u' ? 4 : 2;
        const hex = this.text.slice(this.at, this.at + len);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) this.fail(`bad \\${e} escape`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += len;
      } else {
        out += ESCAPES[e] ?? e;
      }
    }
  }
}

/** Parses the literal that starts at `start` (an object or array); returns it and the offset just after it. */
export function parseJsLiteral(text: string, start = 0): { value: JsValue; end: number } {
  const r = new Reader(text, start);
  const c = r.peek();
  if (c !== '{' && c !== '[') r.fail("expected '{' or '['");
  const value = r.value();
  return { value, end: r.at };
}
