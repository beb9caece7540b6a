import { RE2JS } from 're2js';
import { InvalidInputError } from '@ztsdb/errors';
import type { StringMatcher } from './glob-matcher';

/**
 * A label matcher's regular expression (`=~`, `!~`), as Prometheus reads it:
 * RE2 syntax, anchored at both ends, `.` matching newlines too. RE2 matches in
 * time linear in the text, so no pattern can stall the service the way a
 * backtracking JavaScript RegExp can (`(.*.*)*!` on a 26-character value).
 * Throws a ZTSDB_BAD_PARAM with RE2's reason when it cannot parse it (the
 * selector parser adds which parameter and label).
 */
export function compileLabelRegex(source: string): StringMatcher {
  let re: RE2JS;
  try {
    re = RE2JS.compile(`^(?s:${source})$`);
  } catch (e) {
    throw new InvalidInputError('ZTSDB_BAD_PARAM', `${(e as Error).message} (RE2 syntax)`);
  }
  return { test: (text) => re.matches(text) };
}
