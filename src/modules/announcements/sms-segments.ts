// How many SMS segments a text takes: GSM-7 (160 characters alone, 153 per part when split) unless any character is
// outside GSM-7, then UCS-2 (70 alone, 67 per part). GSM-7 extension characters take two septets (an escape first).

const basic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
)
const extension = new Set('^{}\\[~]|€\f')

export type SmsRendering = { encoding: 'GSM-7' | 'UCS-2'; characters: number; units: number; segments: number }

export function smsSegments(text: string): SmsRendering {
  const chars = [...text]
  const gsm = chars.every((c) => basic.has(c) || extension.has(c))
  if (gsm) {
    const units = chars.reduce((n, c) => n + (extension.has(c) ? 2 : 1), 0)
    return { encoding: 'GSM-7', characters: chars.length, units, segments: units === 0 ? 0 : units <= 160 ? 1 : Math.ceil(units / 153) }
  }
  // UCS-2 counts UTF-16 code units: a character outside the BMP (an emoji) takes two.
  const units = text.length
  return { encoding: 'UCS-2', characters: chars.length, units, segments: units <= 70 ? 1 : Math.ceil(units / 67) }
}
