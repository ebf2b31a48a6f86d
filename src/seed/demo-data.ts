// The demo agency's content: a fictional Riverton Police Department, its districts and beats, and meetings placed around "today".
// Everything here is made up: 555-01xx telephone numbers and *.example hosts are reserved for fiction.
import type { z } from 'zod'
import { Temporal } from 'temporal-polyfill'
import type { agencies } from '../db/schema/index.ts'
import type { createSeriesInput, scheduleEventInput } from '../modules/events/events-schemas.ts'
import { localToInstant, toOffsetIso } from '../time.ts'

export const DEMO_SLUG = 'riverton'
export const DEMO_TIME_ZONE = 'America/Chicago'

export const demoAgency = {
  slug: DEMO_SLUG,
  name: 'Riverton Police Department',
  jurisdiction: 'City of Riverton',
  timeZone: DEMO_TIME_ZONE,
  defaultLanguage: 'en',
  // English, Spanish, Vietnamese and Somali: the languages most spoken at home in the city's neighbourhoods.
  supportedLanguages: ['en', 'es', 'vi', 'so'],
} satisfies typeof agencies.$inferInsert

type Box = { south: number; west: number; north: number; east: number }
export type DemoArea = { code: string; name: string; box: Box }
export type DemoDistrict = DemoArea & { beats: DemoArea[] }

/** Four districts in quadrants around downtown, each split into a west and an east beat. */
export const demoDistricts: DemoDistrict[] = [
  district('D1', 'District 1 (Northwest)', { south: 40.82, west: -91.18, north: 40.86, east: -91.12 }, ['Harbor Heights', 'Millrace']),
  district('D2', 'District 2 (Northeast and Downtown)', { south: 40.82, west: -91.12, north: 40.86, east: -91.06 }, ['Downtown', 'Maple Park']),
  district('D3', 'District 3 (Southeast)', { south: 40.78, west: -91.12, north: 40.82, east: -91.06 }, ['Riverside', 'Eastgate']),
  district('D4', 'District 4 (Southwest)', { south: 40.78, west: -91.18, north: 40.82, east: -91.12 }, ['Westview', 'Lincoln']),
]

function district(code: string, name: string, box: Box, [westName, eastName]: [string, string]): DemoDistrict {
  const n = code.slice(1)
  const mid = (box.west + box.east) / 2
  return {
    code,
    name,
    box,
    beats: [
      { code: `${code}-B${n}1`, name: `Beat ${n}1 (${westName})`, box: { ...box, east: mid } },
      { code: `${code}-B${n}2`, name: `Beat ${n}2 (${eastName})`, box: { ...box, west: mid } },
    ],
  }
}

/** A GeoJSON Polygon for a box; the exterior ring runs counterclockwise (RFC 7946 §3.1.6). */
export function boundaryOf({ south, west, north, east }: Box) {
  const r = (x: number) => Math.round(x * 1e6) / 1e6
  return { type: 'Polygon', coordinates: [[[r(west), r(south)], [r(east), r(south)], [r(east), r(north)], [r(west), r(north)], [r(west), r(south)]]] }
}

type Venue = NonNullable<z.input<typeof scheduleEventInput>['venue']>
const place = (name: string, street: string, postalCode: string, latitude: number, longitude: number): Venue => ({
  name,
  address: { street, locality: 'Riverton', region: 'IA', postalCode, country: 'US' },
  geo: { latitude, longitude },
})

export const venues = {
  northsideLibrary: place('Northside Branch Library, Community Room', '2150 N Harbor Ave', '52641', 40.8452, -91.1648),
  mapleRec: place('Maple Street Recreation Center, Gymnasium', '810 Maple St', '52642', 40.8384, -91.1043),
  stBrendans: place("St. Brendan's Church, Parish Hall", '455 E Riverside Dr', '52644', 40.8061, -91.1012),
  lincolnSchool: place('Lincoln Elementary School, Gym', '1200 S 14th St', '52645', 40.7953, -91.1331),
  cityHall: place('Riverton City Hall, Council Chambers', '100 W Main St', '52642', 40.8212, -91.1183),
  headquarters: place('Police Headquarters, Community Room (ground floor)', '300 W Main St', '52642', 40.8219, -91.1192),
  centralLibrary: place('Riverton Public Library (Central), Auditorium', '401 E Main St', '52642', 40.8231, -91.1152),
  eastgatePlaza: place('Eastgate Plaza, by the fountain', '3300 E Grand Ave', '52644', 40.8117, -91.0751),
  cornerGrind: place('Corner Grind Coffee', '1718 N Harbor Ave', '52641', 40.8363, -91.1382),
  westviewYouth: place('Westview Youth Center', '620 W Oak St', '52645', 40.8004, -91.1652),
  sanJose: place('Iglesia San José, Salón parroquial', '915 S Prairie Ave', '52644', 40.7998, -91.1104),
  vietHall: place('Vietnamese Community Association Hall', '2710 E Grand Ave', '52644', 40.8102, -91.0823),
  riversidePark: place('Riverside Park, south trailhead', '1 Riverside Park Dr', '52645', 40.7861, -91.1577),
}

const online = (slug: string) => ({
  joinUrl: `https://meet.riverton-pd.example/${slug}`,
  captionsUrl: `https://captions.riverton-pd.example/${slug}`,
})

/** What the data needs from the loader: local dates relative to today, and the ids the areas got. */
export type DemoPlan = {
  /** The id of a demo partner organization, by its key in demoOrganizations. */
  organizationId: (key: DemoOrganizationKey) => string
  /** Today's date in the agency's time zone. */
  today: Temporal.PlainDate
  areaId(code: string): string
}

const weekdays = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 } as const

/**
 * An ISO instant with the agency's offset, at local `time` ("HH:mm") on the first `weekday` at least `days`
 * after today (local), so meetings fall on plausible days whatever day the demo is loaded.
 */
function at(plan: DemoPlan, days: number, weekday: keyof typeof weekdays, time: string): string {
  const earliest = plan.today.add({ days })
  const date = earliest.add({ days: (weekdays[weekday] - earliest.dayOfWeek + 7) % 7 })
  return toOffsetIso(localToInstant(`${date.toString()}T${time}`, DEMO_TIME_ZONE), DEMO_TIME_ZONE)
}

/** The second Tuesday of a month. */
function secondTuesday(month: Temporal.PlainDate): Temporal.PlainDate {
  const first = month.with({ day: 1 })
  return first.add({ days: ((2 - first.dayOfWeek + 7) % 7) + 7 })
}

const SESSION_TIME = '18:30'
const SESSION_MONTHS = 12

/**
 * The listening sessions' dates: the second Tuesday of twelve months starting two months ago (so some have
 * happened), which always spans a daylight-saving change, less the December session (holidays).
 */
export function listeningSessionPlan(today: Temporal.PlainDate) {
  const firstMonth = today.with({ day: 1 }).subtract({ months: 2 })
  const all = Array.from({ length: SESSION_MONTHS }, (_, i) => secondTuesday(firstMonth.add({ months: i })))
  const skipped = all.find((d) => d.month === 12)!
  const meetings = all.filter((d) => d !== skipped)
  const local = (d: Temporal.PlainDate, time = SESSION_TIME) => `${d.toString()}T${time}`
  // Both moved sessions are a few months out, so they are still ahead whatever day the demo is loaded.
  const saturday = meetings[4]!
  const online = meetings[6]!
  return {
    rule: `FREQ=MONTHLY;BYDAY=2TU;COUNT=${SESSION_MONTHS}`,
    start: local(all[0]!),
    exception: local(skipped),
    saturday: { occurrence: local(saturday), start: local(saturday.add({ days: 4 }), '10:00') },
    virtual: { occurrence: local(online) },
    meetings: meetings.length,
  }
}

export type DemoSeriesInput = z.input<typeof createSeriesInput>

export function demoSeries(plan: DemoPlan): DemoSeriesInput {
  const dates = listeningSessionPlan(plan.today)
  return {
    title: {
      en: 'District Listening Session',
      es: 'Sesión comunitaria para escucharle en su distrito',
    },
    description: {
      en:
        'Once a month, district commanders and officers sit down with residents to listen: what is working, what is not, and what you want us to change. ' +
        'The session moves between the four districts so it is close to home at least every few months. We bring no slides; you set the agenda. ' +
        'Notes and the actions we commit to are published within two weeks, and we report back on them at the next session. ' +
        'Vietnamese, Somali and ASL interpretation are provided at every session; free childcare is available on site.',
      es:
        'Una vez al mes, los comandantes de distrito y los agentes se reúnen con los residentes para escuchar: qué funciona, qué no y qué quiere que cambiemos. ' +
        'La sesión rota entre los cuatro distritos para que sea cerca de su casa. No traemos presentaciones: usted marca la agenda. ' +
        'Publicamos las notas y los compromisos en un plazo de dos semanas e informamos sobre ellos en la siguiente sesión. ' +
        'Hay interpretación al vietnamita, al somalí y en lengua de señas (ASL), y cuidado de niños gratuito.',
    },
    kind: 'listening_session',
    format: 'in_person',
    languages: ['en', 'es'],
    interpretation: ['vi', 'so', 'ase'],
    accommodations: ['step_free_access', 'accessible_restroom', 'sign_language_interpretation', 'assistive_listening', 'childcare', 'transit_nearby'],
    capacity: 120,
    registrationRequired: false,
    hostUnit: 'Community Engagement Unit',
    topics: ['community_safety', 'everyday_interactions', 'policy'],
    recurrence: { rule: dates.rule, start: dates.start, durationMinutes: 90, exceptions: [dates.exception] },
    rotation: [
      { venue: venues.northsideLibrary, areaId: plan.areaId('D1-B11') },
      { venue: venues.mapleRec, areaId: plan.areaId('D2-B21') },
      { venue: venues.stBrendans, areaId: plan.areaId('D3-B31') },
      { venue: venues.lincolnSchool, areaId: plan.areaId('D4-B42') },
    ],
    overrides: [
      // Residents who work evening shifts asked for a daytime session: this one meets on the Saturday morning instead.
      { occurrence: dates.saturday.occurrence, start: dates.saturday.start },
      // One session a year is held online only, for people who cannot travel; captions and a phone line are provided.
      {
        occurrence: dates.virtual.occurrence,
        format: 'virtual',
        venue: {},
        online: { ...online('listening-session'), dialIn: { number: '+1 (319) 555-0147', accessCode: '482 915 307' } },
      },
    ],
  }
}

export type DemoEventInput = z.input<typeof scheduleEventInput>
/** What happens to the event after it is scheduled. */
export type DemoOutcome = { complete: true } | { cancel: string } | { postpone: string }
export type DemoEvent = { input: DemoEventInput; then?: DemoOutcome }

export function demoEvents(plan: DemoPlan): DemoEvent[] {
  const area = plan.areaId
  return [
    {
      input: {
        title: {
          en: 'Town Hall: Body-Worn Cameras, Our Draft Policy and Your Questions',
          es: 'Asamblea comunitaria: cámaras corporales, nuestra propuesta de política y sus preguntas',
          vi: 'Họp công chúng: Camera đeo trên người, dự thảo chính sách và câu hỏi của quý vị',
        },
        description: {
          en:
            'The Chief and the body-worn camera project team present the draft policy: when cameras record, who may view footage, how long it is kept and when it is released. ' +
            'Most of the evening is open questions. Join in person or online; comments made here are recorded as feedback on the draft and answered in writing.',
          es:
            'La jefa de policía y el equipo del proyecto presentan la propuesta de política: cuándo graban las cámaras, quién puede ver las grabaciones, cuánto tiempo se guardan y cuándo se publican. ' +
            'La mayor parte de la noche es para preguntas. Participe en persona o en línea; los comentarios se registran y se responden por escrito.',
        },
        kind: 'town_hall',
        format: 'hybrid',
        startsAt: at(plan, 21, 'thu', '18:00'),
        endsAt: at(plan, 21, 'thu', '20:00'),
        venue: venues.cityHall,
        areaId: area('D2-B21'),
        online: { ...online('town-hall-body-worn-cameras'), dialIn: { number: '+1 (319) 555-0123', accessCode: '730 118 264' } },
        languages: ['en'],
        interpretation: ['es', 'vi', 'so', 'ase'],
        accommodations: ['step_free_access', 'accessible_parking', 'sign_language_interpretation', 'live_captioning', 'assistive_listening', 'childcare', 'transit_nearby'],
        capacity: 250,
        hostUnit: 'Office of the Chief of Police',
        topics: ['agency_technology', 'policy'],
      },
    },
    {
      input: {
        title: { en: 'Community Walk: Eastgate and Grand Avenue', es: 'Caminata comunitaria: Eastgate y Grand Avenue' },
        description: {
          en:
            'Walk the Grand Avenue corridor with District 3 officers and the Eastgate Neighbors Association. Show us the places that worry you, ' +
            'from poor lighting to speeding, and the ones that work. About 1.5 miles on level sidewalks, at an easy pace.',
          es:
            'Recorra el corredor de Grand Avenue con agentes del Distrito 3 y la Asociación de Vecinos de Eastgate. Muéstrenos los lugares que le preocupan ' +
            'y los que funcionan bien. Unas 1.5 millas por aceras planas, a paso tranquilo.',
        },
        kind: 'community_walk',
        format: 'in_person',
        startsAt: at(plan, 10, 'wed', '17:30'),
        endsAt: at(plan, 10, 'wed', '19:00'),
        venue: venues.eastgatePlaza,
        areaId: area('D3-B32'),
        languages: ['en', 'es'],
        accommodations: ['step_free_access', 'transit_nearby', 'plain_language'],
        capacity: 40,
        registrationRequired: true,
        hostUnit: 'District 3 Command',
        topics: ['community_safety', 'everyday_interactions'],
      },
    },
    {
      input: {
        title: { en: 'Coffee with an Officer: Harbor Heights', es: 'Café con un agente: Harbor Heights', vi: 'Cà phê với cảnh sát: Harbor Heights' },
        description: {
          en: 'No agenda and no speeches: the officers who patrol Harbor Heights and Millrace are buying the coffee. Drop in, ask anything, tell us what you see.',
          es: 'Sin agenda ni discursos: los agentes que patrullan Harbor Heights y Millrace invitan el café. Pase, pregunte lo que quiera y cuéntenos lo que ve.',
        },
        kind: 'coffee_with_an_officer',
        format: 'in_person',
        startsAt: at(plan, -12, 'thu', '08:00'),
        endsAt: at(plan, -12, 'thu', '09:30'),
        venue: venues.cornerGrind,
        areaId: area('D1-B12'),
        languages: ['en', 'vi'],
        accommodations: ['step_free_access', 'transit_nearby'],
        hostUnit: 'District 1 Command',
        topics: ['everyday_interactions'],
      },
      then: { complete: true },
    },
    {
      input: {
        title: { en: 'Youth Basketball and Conversation Night', es: 'Noche de básquetbol y conversación para jóvenes' },
        description: {
          en:
            'Open gym for ages 13–19 with officers and Westview Youth Center coaches, then a conversation led by the youth council about stops, school safety and what young people want officers to know. ' +
            'Dinner provided. A parent or guardian does not need to attend.',
          es:
            'Gimnasio abierto para jóvenes de 13 a 19 años con agentes y entrenadores del Westview Youth Center, seguido de una conversación dirigida por el consejo juvenil. ' +
            'Se ofrece cena.',
        },
        kind: 'youth_event',
        format: 'in_person',
        startsAt: at(plan, 17, 'fri', '16:30'),
        endsAt: at(plan, 17, 'fri', '19:00'),
        venue: venues.westviewYouth,
        areaId: area('D4-B41'),
        languages: ['en', 'es'],
        accommodations: ['step_free_access', 'food_provided', 'transit_nearby'],
        capacity: 60,
        registrationRequired: true,
        hostUnit: 'Youth Services Unit',
        coHostIds: [plan.organizationId('youth-league')],
        topics: ['everyday_interactions', 'wellness'],
      },
    },
    {
      input: {
        title: { en: 'Community Advisory Board: Quarterly Public Meeting', es: 'Consejo Asesor Comunitario: reunión pública trimestral' },
        description: {
          en:
            'The Community Advisory Board reviewed the department’s quarterly use-of-force and complaints data and its recommendations on the traffic-stop data dashboard. ' +
            'Public comment opened the meeting. Minutes are published on the board’s page.',
        },
        kind: 'advisory_board',
        format: 'in_person',
        startsAt: at(plan, -30, 'mon', '18:00'),
        endsAt: at(plan, -30, 'mon', '20:00'),
        venue: venues.headquarters,
        areaId: area('D2-B21'),
        languages: ['en'],
        interpretation: ['es', 'ase'],
        accommodations: ['step_free_access', 'accessible_parking', 'sign_language_interpretation', 'assistive_listening'],
        capacity: 80,
        hostUnit: 'Office of Community Trust',
        topics: ['policy', 'everyday_interactions'],
      },
      then: { complete: true },
    },
    {
      input: {
        title: {
          en: 'Virtual Forum: Licence-Plate Readers: What We Collect, What We Keep, Who Sees It',
          es: 'Foro virtual: lectores de placas: qué recopilamos, qué guardamos y quién lo ve',
        },
        description: {
          en:
            'A lunchtime online forum on the city’s automated licence-plate readers: where they are, the 30-day retention limit, the audit log and sharing with other agencies. ' +
            'Ask questions by chat, by phone or in advance through the feedback form.',
          es:
            'Un foro en línea al mediodía sobre los lectores automáticos de placas: dónde están, el límite de conservación de 30 días, el registro de auditoría y el intercambio con otras agencias. ' +
            'Haga sus preguntas por chat, por teléfono o con anticipación en el formulario de comentarios.',
        },
        kind: 'virtual_forum',
        format: 'virtual',
        startsAt: at(plan, 7, 'wed', '12:00'),
        endsAt: at(plan, 7, 'wed', '13:00'),
        online: { ...online('forum-licence-plate-readers'), dialIn: { number: '+1 (319) 555-0168', accessCode: '915 204 776' } },
        languages: ['en', 'es'],
        accommodations: ['live_captioning', 'plain_language'],
        hostUnit: 'Community Engagement Unit',
        topics: ['agency_technology', 'policy'],
      },
    },
    {
      input: {
        title: { en: 'Know Your Rights: A Community Workshop', es: 'Conozca sus derechos: taller comunitario', vi: 'Biết quyền của mình: Hội thảo cộng đồng' },
        description: {
          en:
            'Led by Riverton Legal Aid Society, with officers from the Training Unit answering questions: your rights during a traffic stop, at your door and when filming police, ' +
            'and how to file a complaint or a commendation. Legal Aid volunteers offer free one-to-one advice afterwards.',
          es:
            'Dirigido por la Sociedad de Asistencia Legal de Riverton, con agentes de la Unidad de Capacitación que responden preguntas: sus derechos durante una parada de tránsito, en su puerta y al grabar a la policía, ' +
            'y cómo presentar una queja o un reconocimiento. Después, asesoría gratuita individual.',
        },
        kind: 'training',
        format: 'in_person',
        startsAt: at(plan, 28, 'sat', '10:00'),
        endsAt: at(plan, 28, 'sat', '12:30'),
        venue: venues.centralLibrary,
        areaId: area('D2-B21'),
        languages: ['en', 'es'],
        interpretation: ['vi', 'so'],
        accommodations: ['step_free_access', 'childcare', 'large_print', 'plain_language', 'transit_nearby'],
        capacity: 80,
        registrationRequired: true,
        hostUnit: 'Training Unit',
        coHostIds: [plan.organizationId('legal-aid')],
        topics: ['everyday_interactions', 'policy'],
      },
    },
    {
      input: {
        title: {
          es: 'Reunión comunitaria en español: seguridad en el barrio',
          en: 'Community meeting in Spanish: neighbourhood safety',
        },
        description: {
          es:
            'Después de la misa del mediodía, una reunión totalmente en español con agentes bilingües del Distrito 3 y la parroquia San José. Hable de lo que pasa en su cuadra, de cómo reportar sin miedo ' +
            'y de lo que espera de la policía. La policía de Riverton no pregunta por el estatus migratorio.',
          en:
            'After the noon Mass, a meeting held entirely in Spanish with bilingual District 3 officers and San José parish. Talk about what is happening on your block, how to report without fear, ' +
            'and what you expect from the police. Riverton police do not ask about immigration status.',
        },
        kind: 'listening_session',
        format: 'in_person',
        startsAt: at(plan, 14, 'sun', '13:00'),
        endsAt: at(plan, 14, 'sun', '14:30'),
        venue: venues.sanJose,
        areaId: area('D3-B31'),
        languages: ['es'],
        accommodations: ['step_free_access', 'childcare', 'food_provided'],
        hostUnit: 'District 3 Command',
        coHostIds: [plan.organizationId('san-jose-parish')],
        topics: ['community_safety', 'everyday_interactions'],
      },
    },
    {
      input: {
        title: {
          vi: 'Họp mặt cộng đồng bằng tiếng Việt với cảnh sát Quận 3',
          en: 'Vietnamese-language community meeting with District 3 officers',
        },
        description: {
          vi:
            'Buổi họp hoàn toàn bằng tiếng Việt, cùng Hội Người Việt Riverton. Chia sẻ những lo ngại về an toàn trong khu phố, đặt câu hỏi và cho chúng tôi biết chúng tôi cần làm tốt hơn ở đâu.',
          en:
            'A meeting held in Vietnamese, co-hosted with the Vietnamese Community Association. Share safety concerns in the neighbourhood, ask questions and tell us where we need to do better.',
        },
        kind: 'listening_session',
        format: 'in_person',
        startsAt: at(plan, 24, 'sat', '14:00'),
        endsAt: at(plan, 24, 'sat', '15:30'),
        venue: venues.vietHall,
        areaId: area('D3-B32'),
        languages: ['vi'],
        interpretation: ['en'],
        accommodations: ['step_free_access', 'accessible_parking', 'food_provided'],
        capacity: 100,
        hostUnit: 'District 3 Command',
        coHostIds: [plan.organizationId('vietnamese-association')],
        topics: ['community_safety', 'other'],
      },
    },
    {
      input: {
        title: { en: 'Community Walk: Riverside Park Trail', es: 'Caminata comunitaria: sendero de Riverside Park' },
        description: {
          en: 'An evening walk along the Riverside Park trail with District 4 officers and Parks staff, looking at lighting, sightlines and the spots people avoid after dark.',
          es: 'Una caminata al atardecer por el sendero de Riverside Park con agentes del Distrito 4 y personal de Parques.',
        },
        kind: 'community_walk',
        format: 'in_person',
        startsAt: at(plan, 4, 'thu', '17:00'),
        endsAt: at(plan, 4, 'thu', '18:30'),
        venue: venues.riversidePark,
        areaId: area('D4-B41'),
        languages: ['en', 'es'],
        accommodations: ['step_free_access'],
        capacity: 30,
        registrationRequired: true,
        hostUnit: 'District 4 Command',
        topics: ['community_safety'],
      },
      then: {
        cancel: 'Cancelled: the trail is closed for flood repairs. We will walk it with you once it reopens; registered walkers will be contacted first.',
      },
    },
    {
      input: {
        title: {
          en: 'Listening Session: The Elm Street Use-of-Force Incident',
          es: 'Sesión para escuchar: el incidente de uso de la fuerza en Elm Street',
        },
        description: {
          en:
            'A session for Millrace residents and anyone affected by the use-of-force incident on Elm Street. Department leaders will listen, explain what the independent review covers and its timeline, ' +
            'and answer what they can. Counsellors from Riverton Community Health will be present.',
          es:
            'Una sesión para los residentes de Millrace y todas las personas afectadas por el incidente en Elm Street. La dirección del departamento escuchará, explicará el alcance y los plazos de la revisión independiente ' +
            'y responderá lo que pueda. Habrá consejeros de Riverton Community Health.',
        },
        kind: 'listening_session',
        format: 'hybrid',
        startsAt: at(plan, 6, 'mon', '18:30'),
        endsAt: at(plan, 6, 'mon', '20:30'),
        venue: venues.northsideLibrary,
        areaId: area('D1-B12'),
        online: online('listening-elm-street'),
        languages: ['en', 'es'],
        interpretation: ['so', 'ase'],
        accommodations: ['step_free_access', 'sign_language_interpretation', 'live_captioning', 'quiet_room', 'childcare'],
        capacity: 150,
        hostUnit: 'Office of the Chief of Police',
        topics: ['high_profile_incident', 'everyday_interactions'],
      },
      then: {
        postpone:
          'Postponed at the request of the Millrace Neighborhood Council and the family, so that the independent reviewer can attend. A new date will be set with them and announced at least two weeks ahead.',
      },
    },
    {
      input: {
        title: { en: 'Officer and Community Wellness Fair', es: 'Feria de bienestar para agentes y la comunidad' },
        description: {
          en: 'Draft, not yet announced: health screenings, peer-support and mental-health resources, and a panel on the stress officers and residents carry after traumatic events. Partners still being confirmed.',
        },
        kind: 'other',
        format: 'in_person',
        draft: true,
        startsAt: at(plan, 60, 'sat', '11:00'),
        endsAt: at(plan, 60, 'sat', '15:00'),
        venue: venues.mapleRec,
        areaId: area('D2-B21'),
        languages: ['en', 'es'],
        accommodations: ['step_free_access', 'accessible_restroom', 'quiet_room', 'scent_free', 'food_provided'],
        capacity: 300,
        hostUnit: 'Employee Wellness Unit',
        topics: ['wellness'],
      },
    },
  ]
}

export type DemoOrganizationKey = 'youth-league' | 'legal-aid' | 'san-jose-parish' | 'vietnamese-association'

/** Partner organizations that co-host some of the demo meetings. Contacts are fictional (example.org). */
export function demoOrganizations(plan: Pick<DemoPlan, 'areaId'>): { key: DemoOrganizationKey; input: Record<string, unknown> }[] {
  return [
    {
      key: 'youth-league',
      input: { name: 'Riverton Youth Basketball League', kind: 'youth', areaIds: [plan.areaId('D2')], languages: ['en', 'es'], contact: { name: 'Jordan Ellis', email: 'coach@youthleague.example.org' } },
    },
    {
      key: 'legal-aid',
      input: { name: 'Riverton Legal Aid Society', kind: 'service_provider', areaIds: [], languages: ['en', 'es', 'vi'], contact: { name: 'Priya Raman', email: 'outreach@legalaid.example.org', phone: '+1 (319) 555-0140' } },
    },
    {
      key: 'san-jose-parish',
      input: { name: 'San José Parish Community Council', kind: 'faith', areaIds: [plan.areaId('D3')], languages: ['es', 'en'], contact: { name: 'María Delgado', email: 'consejo@sanjose.example.org' } },
    },
    {
      key: 'vietnamese-association',
      input: { name: 'Riverton Vietnamese American Association', kind: 'neighbourhood_association', areaIds: [plan.areaId('D3')], languages: ['vi', 'en'], contact: { name: 'Trần Minh', email: 'lienlac@vaa.example.org' } },
    },
  ]
}
