/**
 * Helpers for validating the messages between the extension host and a webview panel (each
 * panel's protocol module builds its parsers from these). Pure TypeScript: the webview bundles it.
 *
 * A check throws `Invalid` with the field that is wrong; `validated` turns that into a one-line
 * error that names the message type: `malformed tree: tree.root.label is not a string`.
 */

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export type Obj = Record<string, unknown>;

export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
export const isStr = (x: unknown): x is string => typeof x === 'string';
export const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const isStrArray = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
/** A non-negative integer (an index, a line number). */
export const isIndex = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
/** A non-negative integer up to `max`. */
export const isCount = (x: unknown, max: number): x is number => isIndex(x) && x <= max;
/** A string of 1 to `max` characters. */
export const isId = (x: unknown, max: number): x is string => isStr(x) && x.length > 0 && x.length <= max;
/** An answer or a question: 1 to 64 symbols, each a non-empty string without white space. */
export const isSymbols = (x: unknown): x is string[] =>
  Array.isArray(x) && x.length > 0 && x.length <= 64 && x.every((s) => isStr(s) && s.length > 0 && s.length <= 64 && !/\s/.test(s));
/** A node's path in a tree: child indices from the root. */
export const isPath = (x: unknown): x is number[] => Array.isArray(x) && x.length <= 256 && x.every((i) => isCount(i, 1023));

/** A failed check: its message says which field is wrong and how. */
export class Invalid extends Error {}

export function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Invalid(what);
}

/** `need` for an object: returns it typed as a record. */
export function needObj(x: unknown, where: string): Obj {
  need(isObj(x), `${where} is not an object`);
  return x;
}

/** A list of `what` (each element checked by `check`, which throws `Invalid`). */
export function needList(x: unknown, where: string, check: (item: unknown, where: string) => void): unknown[] {
  need(Array.isArray(x), `${where} is not a list`);
  x.forEach((item, i) => check(item, `${where}[${i}]`));
  return x;
}

/**
 * Runs the checks of one message of type `type`: their value, or the first failed check as
 * `malformed <type>: <what>`. Data nested too deeply for the stack is malformed too.
 */
export function validated<T>(type: string, check: () => T): Result<T> {
  try {
    return { ok: true, value: check() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: `malformed ${type}: ${e.message}` };
    if (e instanceof RangeError) return { ok: false, error: `malformed ${type}: too deeply nested` };
    throw e;
  }
}

/** The start of every parser: an object whose `type` is a key of the parser's table. */
export function messageType<T extends string>(x: unknown, table: Record<T, unknown>): Result<{ m: Obj; type: T }> {
  if (!isObj(x)) return { ok: false, error: 'a message must be an object' };
  if (!isStr(x.type) || !Object.hasOwn(table, x.type)) return { ok: false, error: `unknown message type ${JSON.stringify(x.type)?.slice(0, 40)}` };
  return { ok: true, value: { m: x, type: x.type as T } };
}

/** Per message type: a parser that returns the message rebuilt from what it checked (extra fields dropped). */
export type Parsers<M extends { type: string }> = { [K in M['type']]: (m: Obj) => Extract<M, { type: K }> };
/** Per message type: a check that throws on what is wrong; the message is then passed on as it is. */
export type Checks<M extends { type: string }> = { [K in M['type']]: (m: Obj) => void };

/** Validates a message with its type's parser. */
export function parseWith<M extends { type: string }>(x: unknown, parsers: Parsers<M>): Result<M> {
  const t = messageType(x, parsers);
  if (!t.ok) return t;
  return validated<M>(t.value.type, () => parsers[t.value.type](t.value.m));
}

/** Validates a message with its type's check (deeply: trees are walked). */
export function checkWith<M extends { type: string }>(x: unknown, checks: Checks<M>): Result<M> {
  const t = messageType(x, checks);
  if (!t.ok) return t;
  return validated(t.value.type, () => {
    checks[t.value.type](t.value.m);
    return t.value.m as unknown as M;
  });
}
