const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/

/** Days in a month (1-12); the Gregorian calendar repeats every 400 years. */
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(2000 + (year % 400), month, 0)).getUTCDate()

/**
 * An ISO 8601 date-time from a client, in UTC with its fraction kept to the microsecond (as the
 * original Python server stored it): `2025-10-05T18:30:00.123456` (no offset, what Dart's local
 * `DateTime.toIso8601String()` sends) is taken as UTC → `2025-10-05T18:30:00.123456Z`; an offset is
 * applied (`…+02:00` → two hours earlier, `Z`). At least milliseconds are written (`.000`), at most
 * microseconds (further digits are dropped). Null when the text is not a valid date-time.
 */
export function normalizeTimestamp (text: string): string | null {
  const match = ISO_DATE_TIME.exec(text)
  if (match === null) return null
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number)
  const fraction = match[7] ?? ''
  const offsetMinutes = match[9] === undefined ? 0 : (match[9] === '-' ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11]))
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 ||
    Number(match[10] ?? 0) > 23 || Number(match[11] ?? 0) > 59) return null

  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute - offsetMinutes, second, 0)
  const iso = date.toISOString()
  if (!/^\d{4}-/.test(iso)) return null
  const digits = fraction.length <= 3 ? fraction.padEnd(3, '0') : fraction.slice(0, 6)
  return `${iso.slice(0, 19)}.${digits}Z`
}
