// Removes contact details from feedback before it is published: emails, phone numbers and street addresses, in any script.

export const REDACTED = { email: '[email removed]', phone: '[phone removed]', address: '[address removed]' } as const

// Invisible characters (format characters and other default-ignorables: zero-width spaces, soft hyphens, word joiners, bidi
// controls) only serve here to split what the patterns look for; an emoji's skin tone, presentation and joiner stay (👩🏽‍💻).
const invisible = /(\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?(?:\u200D(?=\p{Extended_Pictographic}))?)|[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu

/** The text as it is published: invisible characters gone, compatibility forms folded (NFKC: ５ → 5, ＠ → @, ․ → .). */
export function normalizeForPublication(text: string): string {
  return text.replace(invisible, '$1').normalize('NFKC')
}

// Dots NFKC leaves alone but a reader takes for one in an address ("ana·ruiz•example・org"); matched, not rewritten,
// so a Catalan "l·l" or a Japanese "。" stays as written.
const dots = '.。·•∙⋅‧・'
const dot = `[${dots}]`

// Letters and digits of every script, so 用户@例子.中国 and ahmed@مثال.مصر are caught like ana@example.org.
const local = String.raw`[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}${dots}_%+'-]*`
const domainLabel = String.raw`[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?`
const email = new RegExp(String.raw`${local}\s*(?:@|＠)\s*${domainLabel}(?:\s*${dot}\s*${domainLabel})+`, 'gu')
// People dodge filters: "ana [at] example [dot] org", "ana (at) example dot org".
const spelledEmail = new RegExp(
  String.raw`${local}\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|\s+at\s+)\s*${domainLabel}(?:\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\s+dot\s+)\s*${domainLabel})+`,
  'giu',
)

// A run of digits (any script) with the separators phone numbers use; judged by its digit count below.
// (Run after NFKC, so fullwidth digits, ＋ and （） are already ASCII.)
const phoneCandidate = new RegExp(String.raw`(?:\+|\b00)?\(?\p{Nd}[\p{Nd} ()/\-‐‑‒–—−${dots}]{4,}\p{Nd}(?:\s*(?:ext\.?|x|内线)\s*\p{Nd}{1,5})?`, 'gu')
const isoDate = /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/

// "12 Main St", "1450 Hillcrest Ave NW", "300 North Water Street, Apt 4B".
const streetTypes =
  'street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|crescent|cres|close|alley|row|plaza|loop'
const unit = String.raw`(?:\s*,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*[\p{L}\p{N}-]+)?`
const englishAddress = new RegExp(
  String.raw`\b\d{1,6}[A-Za-z]?(?:\s*[-–]\s*\d{1,6})?\s+(?:[\p{L}\p{M}0-9.'’-]+\s+){0,4}(?:${streetTypes})\b(?:\s+(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)\b\.?)?${unit}`,
  'giu',
)
// "Calle Mayor 12", "Avenida Juárez 1450", "Rue de la Paix 5", "Hauptstraße 12" (number after the name).
const numberAfterName = new RegExp(
  String.raw`\b(?:calle|avenida|av\.|carrera|calzada|camino|paseo|rua|rue|boulevard|via|viale|piazza|plaza)\s+(?:[\p{L}\p{M}.'’-]+\s+){0,4}(?:n[º°o]\.?\s*)?\d{1,5}[A-Za-z]?\b|[\p{L}\p{M}-]*(?:straße|strasse|gasse|weg|platz|allee)\s+\d{1,5}[a-z]?\b`,
  'giu',
)
// "123 Đường Lê Lợi", "45 Phố Huế" (Vietnamese: number before the street word).
const vietnameseAddress = /\b\d{1,5}[A-Za-z]?(?:\/\d{1,5})?\s+(?:đường|phố|ngõ|hẻm)\s+(?:[\p{L}\p{M}]+\s*){1,4}/giu
// "建国路88号", "中山北路二段12號", "세종대로 175", "1丁目2番3号".
// Chinese has no spaces: the street name may not begin with a common word (我住在… "I live at…"), so only it is removed.
const cjkAddress = /(?:(?![在住于到的是我你他她们近])[\p{Script=Han}\p{Script=Hangul}]){1,12}(?:路|街|道|巷|弄|大道|로|길)(?:[一二三四五六七八九十]+段)?\s*\d{1,5}(?:\s*[-－]\s*\d{1,5})?\s*(?:号|號|번지|호)?|\d{1,4}\s*丁目\s*\d{1,4}\s*(?:番地?|-)\s*\d{1,4}\s*号?/gu

/** The text, normalized for publication, with every email, phone number and street address replaced by a marker saying what was removed. */
export function redact(text: string): string {
  return normalizeForPublication(text)
    .replace(email, REDACTED.email)
    .replace(spelledEmail, REDACTED.email)
    .replace(vietnameseAddress, `${REDACTED.address} `)
    .replace(cjkAddress, REDACTED.address)
    .replace(numberAfterName, REDACTED.address)
    .replace(englishAddress, REDACTED.address)
    .replace(phoneCandidate, (match) => (looksLikePhone(match) ? REDACTED.phone : match))
    .replace(/ +\n/g, '\n')
    .replace(/ {2,}/g, ' ')
    .trimEnd()
}

/** Seven to fifteen digits (E.164 allows fifteen), not a calendar date or a plain year range. */
function looksLikePhone(candidate: string): boolean {
  const trimmed = candidate.trim()
  const digits = [...trimmed].filter((c) => /\p{Nd}/u.test(c)).length
  if (digits < 7 || digits > 15) return false
  if (isoDate.test(trimmed)) return false
  // "2019-2024" and "1990 - 2000" are ranges of years.
  if (/^\d{4}\s*[-–—]\s*\d{4}$/.test(trimmed)) return false
  return true
}
