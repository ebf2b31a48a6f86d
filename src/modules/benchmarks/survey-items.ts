/** The survey items' stable codes: what norm tables, comparisons and pooled aggregates name, whatever a field is called. */
import { trustPrinciples } from '../insights/community-trust.ts'

type Principle = (typeof trustPrinciples)[number]

export const surveyItems = [
  { code: 'pj.dignity', principle: 'dignity', label: 'Treated with dignity and respect' },
  { code: 'pj.voice', principle: 'voice', label: 'Had a voice' },
  { code: 'pj.neutrality', principle: 'neutrality', label: 'Neutral and transparent' },
  { code: 'pj.trust', principle: 'trust', label: 'Trustworthy motives' },
] as const satisfies readonly { code: string; principle: Principle; label: string }[]

export type ItemCode = (typeof surveyItems)[number]['code']
export const itemCodes = surveyItems.map((i) => i.code) as ItemCode[]
/** Every item is answered on 1–5 (1 strongly disagree … 5 strongly agree). */
export const ITEM_SCALE = { min: 1, max: 5 } as const
export const codeOf = Object.fromEntries(surveyItems.map((i) => [i.principle, i.code])) as Record<Principle, ItemCode>
export const principleOf = Object.fromEntries(surveyItems.map((i) => [i.code, i.principle])) as Record<ItemCode, Principle>
