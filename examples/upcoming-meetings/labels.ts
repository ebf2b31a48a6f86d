// The example's own words in the languages it has them in; any other language gets English (and says so in no words).
export type Labels = {
  locale: string
  heading: (count: number, language: string, where: string, needs: string) => string
  within: (km: number, point: string) => string
  needs: (list: string) => string
  cancelled: string
  postponed: string
  untranslated: (titleLanguage: string, language: string) => string
  when: string
  until: string
  zone: (zone: string) => string
  and: string
  how: string
  formats: { in_person: string; virtual: string; hybrid: string }
  where: string
  away: (km: string) => string
  joinOnline: string
  joinByPhone: string
  code: string
  spoken: string
  notStated: string
  interpretation: string
  access: string
  addToCalendar: string
}

const en: Labels = {
  locale: 'en',
  heading: (n, language, where, needs) => `${n === 0 ? 'No' : n} upcoming meeting${n === 1 ? '' : 's'} in ${language}${where}${needs}.`,
  within: (km, point) => ` within ${km} km of ${point} (or online)`,
  needs: (list) => ` with ${list}`,
  cancelled: 'CANCELLED',
  postponed: 'POSTPONED',
  untranslated: (title, language) => `Title in ${title}: no translation in ${language} yet.`,
  when: 'When',
  until: 'until',
  zone: (zone) => `${zone} time`,
  and: ' and ',
  how: 'How',
  formats: { in_person: 'In person', virtual: 'Online', hybrid: 'In person and online' },
  where: 'Where',
  away: (km) => `about ${km} km away`,
  joinOnline: 'Join online',
  joinByPhone: 'Join by phone',
  code: 'code',
  spoken: 'Spoken',
  notStated: 'not stated',
  interpretation: 'Interpretation',
  access: 'Access',
  addToCalendar: 'Add to calendar',
}

const es: Labels = {
  locale: 'es',
  heading: (n, language, where, needs) => `${n === 0 ? 'Ninguna' : n} ${n === 1 || n === 0 ? 'reunión próxima' : 'reuniones próximas'} en ${language}${where}${needs}.`,
  within: (km, point) => ` a menos de ${km} km de ${point} (o en línea)`,
  needs: (list) => ` con ${list}`,
  cancelled: 'CANCELADA',
  postponed: 'APLAZADA',
  untranslated: (title, language) => `Título en ${title}: aún sin traducción al ${language}.`,
  when: 'Cuándo',
  until: 'hasta',
  zone: (zone) => `hora de ${zone}`,
  and: ' y ',
  how: 'Cómo',
  formats: { in_person: 'En persona', virtual: 'En línea', hybrid: 'En persona y en línea' },
  where: 'Dónde',
  away: (km) => `a unos ${km} km`,
  joinOnline: 'Unirse en línea',
  joinByPhone: 'Unirse por teléfono',
  code: 'código',
  spoken: 'Idiomas',
  notStated: 'no indicado',
  interpretation: 'Interpretación',
  access: 'Accesibilidad',
  addToCalendar: 'Añadir al calendario',
}

const byLanguage: Record<string, Labels> = { en, es }

/** The labels for a BCP 47 tag: its own, its base language's ("es-MX" → es), else English. */
export function labelsFor(language: string): Labels {
  return byLanguage[language.toLowerCase()] ?? byLanguage[language.toLowerCase().split('-')[0]!] ?? en
}
