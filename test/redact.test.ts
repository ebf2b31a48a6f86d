// The redactor that runs before feedback is published: contact details of every common shape, in several scripts,
// go; ordinary numbers (dates, years, counts, times) stay.
import t from 'tap'
import { redact } from '../src/modules/feedback/redact.ts'

const E = '[email removed]'
const P = '[phone removed]'
const A = '[address removed]'

t.test('when text holds email addresses, then each is removed', async (t) => {
  const cases: [string, string][] = [
    ['Write to ana.ruiz@example.org today', `Write to ${E} today`],
    ['mail: J.Doe+police@sub.mail.example.co.uk.', `mail: ${E}.`],
    ['ana (at) example (dot) org', E],
    ['ana [at] example [dot] org please', `${E} please`],
    ['ana at example dot org', E],
    ['用户@例子.中国 是我的邮箱', `${E} 是我的邮箱`],
    ['ahmed@مثال.مصر', E],
    ['пишите: иван@пример.рф', `пишите: ${E}`],
    ['ana＠example．org', E],
  ]
  for (const [input, expected] of cases) t.equal(redact(input), expected, input)
})

t.test('when text holds phone numbers, then each is removed', async (t) => {
  const cases: [string, string][] = [
    ['Call 555-201-4477.', `Call ${P}.`],
    ['Call (312) 555-0188 anytime', `Call ${P} anytime`],
    ['+1 312 555 0188', P],
    ['+44 20 7946 0958', P],
    ['0033 1 23 45 67 89', P],
    ['312.555.0188 ext. 12', P],
    ['Llámeme al 55 1234 5678', `Llámeme al ${P}`],
    ['電話 ０９０-１２３４-５６７８ まで', `電話 ${P} まで`],
    ['اتصل ٠١٢٣٤٥٦٧٨٩', `اتصل ${P}`],
    ['Gọi 090 123 4567 nhé', `Gọi ${P} nhé`],
  ]
  for (const [input, expected] of cases) t.equal(redact(input), expected, input)
})

t.test('when text holds street addresses, then each is removed', async (t) => {
  const cases: [string, string][] = [
    ['I live at 12 Main Street.', `I live at ${A}.`],
    ['1450 Hillcrest Ave NW is dark', `${A} is dark`],
    ['300 North Water St, Apt 4B has a leak', `${A} has a leak`],
    ['Vivo en Calle Mayor 12, cerca', `Vivo en ${A}, cerca`],
    ['en Avenida Juárez 1450', `en ${A}`],
    ['Hauptstraße 12 in Berlin', `${A} in Berlin`],
    ['Nhà tôi ở 123 Đường Lê Lợi', `Nhà tôi ở ${A}`],
    ['我住在建国路88号附近', `我住在${A}附近`],
    ['서울 세종대로 175', `서울 ${A}`],
    ['1丁目2番3号に住んでいます', `${A}に住んでいます`],
  ]
  for (const [input, expected] of cases) t.equal(redact(input), expected, input)
})

t.test('when text holds ordinary numbers, then they stay', async (t) => {
  const kept = [
    'The meeting on 2027-03-10 at 18:30 had 45 people.',
    'Between 2019-2024 thefts doubled.',
    'On 10/03/2024 nobody came.',
    'We counted 1,250 cars in 3 hours.',
    'Beat 12 and District 4 need more patrols.',
    'Route 66 bus is late every day.',
    'Ich wohne seit 12 Jahren hier.',
    '第3回の会議は良かった。',
  ]
  for (const text of kept) t.equal(redact(text), text, text)
})

t.test('when contact details are mixed into long text in several languages, then all go and the rest stays', async (t) => {
  const text = 'Hola, soy vecina de 45 Oak Avenue. Escríbame a vecina@correo.mx o llame al +52 55 1234 5678. Gracias por la reunión del 2027-03-10.'
  t.equal(redact(text), `Hola, soy vecina de ${A}. Escríbame a ${E} o llame al ${P}. Gracias por la reunión del 2027-03-10.`)
  t.equal(redact(redact(text)), redact(text), 'redacting twice changes nothing')
})
