// Canonical text of immutable JSON-like values (node states, packets), cheap to recompute: node
// states share most of their structure with the state before, so every object is written once
// and remembered by identity; an object with no connection id in it is interned, i.e. replaced
// by a short token naming its text (exact: equal tokens mean equal texts, within a process).
// Object keys are sorted. Connection ids — numbers under a key `conn` or `connSeen`, and the keys
// of a record named `conns` (see models/node.ts ConnId) — are written as marks that the caller
// renames (see check/canonical.ts: the exhaustive search's state hash renames them by rank).
export const connMarkChar = '\u0001';
export const connMarkPattern = /\u0001(\d+)\u0001/g;
/**
 * A record of connections is written as its entries between these marks, so that the caller,
 * once it has renamed the ids, can put the entries in the order of the new names
 * (connRecordPattern's group 1 is the entries, joined by connRecordSeparator).
 */
export const connRecordOpen = '\u0002';
export const connRecordSeparator = '\u0003';
export const connRecordPattern = /\u0002([^\u0004]*)\u0004/g;
const connRecordClose = '\u0004';

/** Objects seen before, by identity: their token ("#n") or, if they hold connection ids, their marked text. */
const written = new WeakMap<object, string>();
/** The same for records of connections (their keys are connection ids). */
const writtenConns = new WeakMap<object, string>();
const internTable = new Map<string, number>();

function connMark(id: number): string {
  // Ids start at 1; 0 is a model's "none yet" (connSeen before any connection), below every id.
  return id < 1 ? String(id) : `${connMarkChar}${id}${connMarkChar}`;
}

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

function intern(text: string): string {
  if (text.includes(connMarkChar)) return text;
  let id = internTable.get(text);
  if (id === undefined) {
    id = internTable.size;
    internTable.set(text, id);
  }
  return `#${id}`;
}

/** Quoted texts of keys and string values: few distinct ones, met over and over. */
const quoted = new Map<string, string>();

function quote(text: string): string {
  let found = quoted.get(text);
  if (found === undefined) {
    found = JSON.stringify(text);
    if (quoted.size < 100_000) quoted.set(text, found);
  }
  return found;
}

function primitiveText(value: unknown, key: string): string {
  switch (typeof value) {
    case 'number':
      return key === 'conn' || key === 'connSeen' ? connMark(value) : Number.isFinite(value) ? String(value) : 'null';
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : (JSON.stringify(value) ?? 'null');
  }
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i += 1) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

/** The canonical text of `value`, found under `key` in its parent. */
export function canonicalText(value: unknown, key = ''): string {
  if (value === null || typeof value !== 'object') return primitiveText(value, key);
  const connKeyed = key === 'conns';
  const cache = connKeyed ? writtenConns : written;
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (let i = 0; i < value.length; i += 1) text += (i === 0 ? '' : ',') + canonicalText(value[i]);
    text += ']';
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (connKeyed) keys.sort(byNumber);
    else if (!isSorted(keys)) keys.sort();
    const open = connKeyed && keys.length > 0 ? connRecordOpen : '{';
    const separator = open === connRecordOpen ? connRecordSeparator : ',';
    text = open;
    let first = true;
    for (const k of keys) {
      const entry = record[k];
      if (entry === undefined) continue;
      text += `${first ? '' : separator}${connKeyed ? connMark(Number(k)) : quote(k)}:${canonicalText(entry, k)}`;
      first = false;
    }
    text += open === connRecordOpen ? connRecordClose : '}';
  }
  const token = intern(text);
  cache.set(value, token);
  return token;
}

/** How many distinct connection-free objects have been interned (memory accounting). */
export function internedCount(): number {
  return internTable.size;
}
