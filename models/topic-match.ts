// Topic filter matching, MQTT 3.1.1 §4.7. A pure leaf function; the broker asks it for every
// subscription of every session on every PUBLISH, so it walks the strings without splitting them.

const DOLLAR = 0x24;
const PLUS = 0x2b;
const HASH = 0x23;
const SLASH = 0x2f;

/**
 * Whether `filter` (which may hold '+' and '#') matches the concrete topic name `topic`.
 * - '+' matches exactly one level, possibly empty (§4.7.1.3).
 * - '#' is last and matches any number of levels, including the parent: "a/#" matches "a" (§4.7.1.2).
 * - A filter that starts with a wildcard does not match a topic that starts with '$' (MQTT-4.7.2-1).
 */
export function topicMatches(filter: string, topic: string): boolean {
  // The common case, and always a match: every level is the same, and a wildcard that stands for
  // itself still matches it (a filter that starts with one cannot equal a '$' topic).
  if (filter === topic) return true;
  const first = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === DOLLAR && (first === PLUS || first === HASH)) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = levelEnd(filter, f);
    if (fEnd - f === 1 && filter.charCodeAt(f) === HASH) return true;
    const tEnd = levelEnd(topic, t);
    const wildcard = fEnd - f === 1 && filter.charCodeAt(f) === PLUS;
    if (!wildcard && !sameLevel(filter, f, fEnd, topic, t, tEnd)) return false;
    const filterDone = fEnd === filter.length;
    const topicDone = tEnd === topic.length;
    if (filterDone) return topicDone;
    if (topicDone) {
      // The topic has no level left: only a trailing "/#" matches it (the parent match).
      return fEnd + 2 === filter.length && filter.charCodeAt(fEnd + 1) === HASH;
    }
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

function levelEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i += 1) if (text.charCodeAt(i) === SLASH) return i;
  return text.length;
}

function sameLevel(a: string, aFrom: number, aEnd: number, b: string, bFrom: number, bEnd: number): boolean {
  if (aEnd - aFrom !== bEnd - bFrom) return false;
  for (let i = 0; i < aEnd - aFrom; i += 1) if (a.charCodeAt(aFrom + i) !== b.charCodeAt(bFrom + i)) return false;
  return true;
}
