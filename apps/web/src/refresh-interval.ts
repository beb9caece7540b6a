/** The containers page's refresh interval, from its `refresh` URL parameter (seconds, 0 = off). */

export const REFRESH_CHOICES = [0, 2, 5, 10, 30];
export const DEFAULT_REFRESH_SEC = 5;

/**
 * The interval the URL asks for: a whole number of seconds from 0 (off) to an hour; anything
 * else (missing, negative, not a number) is the default, so a typo never means "never refresh".
 */
export function refreshSeconds(param: string | null): number {
  if (param === null || param.trim() === '') return DEFAULT_REFRESH_SEC;
  const sec = Number(param);
  return Number.isInteger(sec) && sec >= 0 && sec <= 3600 ? sec : DEFAULT_REFRESH_SEC;
}

/**
 * The menu's choices: the usual ones plus the current interval when a link set another
 * (`?refresh=1`), so that the menu shows what the page does instead of a blank.
 */
export function refreshChoices(current: number): number[] {
  return REFRESH_CHOICES.includes(current)
    ? REFRESH_CHOICES
    : [...REFRESH_CHOICES, current].sort((a, b) => a - b);
}
