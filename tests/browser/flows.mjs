#!/usr/bin/env node
// User flows through the web UI in a real headless Chromium, found the way a
// person finds things: by label, role and visible text (never CSS classes).
//
//   node tests/browser/flows.mjs BASE_URL [--tools DIR] [--out DIR]
//        [--save-state FILE] [--urls FILE] [--screenshots DIR] [--flow NAME]...
//
//   BASE_URL          a running demo, e.g. http://127.0.0.1:8080
//   --tools DIR       the shared browser tools (lib.mjs); default $BROWSER_TOOLS
//   --out DIR         where `<flow>-failed.png` goes on a failure (default .)
//   --save-state FILE the Latvian specialist's signed-in session (for a11y.mjs/shot.mjs
//                     --storage-state)
//   --urls FILE       JSON with the pages the flows reached (private ticket, staff ticket)
//   --screenshots DIR also save screenshots that need the flows (assistant with an answer)
//   --flow NAME       run only this flow (repeatable): citizen-lv, citizen-en, keyboard, assistant
//
// The staff password comes from $ATBALSTS_DEMO_PASSWORD (the demo's --staff-password).
// Exit status: 0 every flow passed; 1 a step failed; 2 bad usage.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = 'usage: node flows.mjs BASE_URL [--tools DIR] [--out DIR] [--save-state FILE] ' +
  '[--urls FILE] [--screenshots DIR] [--flow NAME]...';
const FLOWS = ['citizen-lv', 'citizen-en', 'keyboard', 'assistant', 'admin'];
const STEP_TIMEOUT = 10_000;

// --- options -------------------------------------------------------------
const opts = { flow: [] };
const positional = [];
{
  const argv = process.argv.slice(2);
  const valued = new Set(['tools', 'out', 'save-state', 'admin-state', 'urls', 'screenshots', 'flow']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (!valued.has(name)) { console.error(`unknown option --${name}\n${USAGE}`); process.exit(2); }
    const value = inline ?? argv[++i];
    if (value === undefined) { console.error(`--${name} needs a value`); process.exit(2); }
    if (name === 'flow') opts.flow.push(value); else opts[name] = value;
  }
}
if (positional.length !== 1) { console.error(USAGE); process.exit(2); }
const BASE = positional[0].replace(/\/+$/, '');
const toolsDir = opts.tools || process.env.BROWSER_TOOLS;
if (!toolsDir) { console.error('the browser tools are needed: --tools DIR or $BROWSER_TOOLS'); process.exit(2); }
const PASSWORD = process.env.ATBALSTS_DEMO_PASSWORD;
if (!PASSWORD) { console.error('$ATBALSTS_DEMO_PASSWORD (the demo staff password) is not set'); process.exit(2); }
const outDir = opts.out || '.';
mkdirSync(outDir, { recursive: true });
if (opts.screenshots) mkdirSync(opts.screenshots, { recursive: true });
for (const f of opts.flow) {
  if (!FLOWS.includes(f)) { console.error(`unknown flow ${f}; one of ${FLOWS.join(', ')}`); process.exit(2); }
}
const selected = opts.flow.length ? FLOWS.filter((f) => opts.flow.includes(f)) : FLOWS;

// The shared launcher (Debian's Chromium through playwright-core); nothing is copied here.
const { launch } = await import(pathToFileURL(join(resolve(toolsDir), 'lib.mjs')).href);

// --- texts (crates/atbalsts-web/locales/{lv,en}) ---------------------------
const TEXT = {
  lv: {
    prefix: '',
    nav: 'Galvenā izvēlne',
    contact: 'Sazināties ar atbalstu',
    service: 'Pakalpojums',
    serviceName: 'Dzīvesvietas deklarēšana',
    kind: 'kaut kas nedarbojas',
    subject: 'Temats',
    description: 'Apraksts',
    name: 'Vārds, uzvārds',
    email: 'E-pasta adrese',
    consent: /Piekrītu, ka mani dati/,
    submit: 'Nosūtīt pieprasījumu',
    received: 'Pieprasījums saņemts',
    number: 'Numurs',
    staffEmail: 'ilze.berzina@pmlp.demo.atbalsts.lv',
    password: 'Parole',
    signIn: 'Pieteikties',
    queues: 'Rindas',
    unassigned: /^Nepiešķirtie/,
    nextPage: 'Nākamā lapa',
    take: 'Ņemt sev',
    taken: 'Pieprasījums piešķirts jums.',
    replyLabel: 'Atbilde (redzēs pieprasītājs)',
    reply: 'Atbildēt pieprasītājam',
    replied: 'Atbilde nosūtīta.',
    resolve: 'Atrisināt',
    resolution: 'Risinājums',
    resolved: 'Pieprasījums atrisināts.',
    statusResolved: 'Atrisināts',
    score: '5 — ļoti labi',
    comment: 'Komentārs (nav obligāts)',
    rate: 'Nosūtīt vērtējumu',
    thanks: 'Paldies par vērtējumu!',
    given: 'Jūsu vērtējums: 5 no 5',
    citizen: { subject: 'Nevaru deklarēt dzīvesvietu portālā', description: 'Deklarējot dzīvesvietu, portāls parāda kļūdu „Adrese nav atrasta”. Ko darīt?', name: 'Jānis Kalniņš', email: 'janis.kalnins@example.lv' },
    answer: 'Labdien! Lūdzu, ierakstiet adresi bez dzīvokļa numura un pēc tam izvēlieties dzīvokli sarakstā.',
    fix: 'Adrese ierakstīta pareizi; deklarācija iesniegta.',
    requesterRecord: 'Atvērt pieteicēja ierakstu',
    callNumber: 'Zvanītāja numurs',
    callButton: 'Meklēt',
    caller: { typed: '26 154 873', name: 'Pēteris Zālītis' },
  },
  en: {
    prefix: '/en',
    nav: 'Main menu',
    contact: 'Contact support',
    service: 'Service',
    serviceName: 'Submitting the annual income declaration',
    kind: 'a question',
    subject: 'Subject',
    description: 'Description',
    name: 'Full name',
    email: 'E-mail address',
    consent: /I agree that my data/,
    submit: 'Send request',
    received: 'Request received',
    number: 'Number',
    staffEmail: 'anna.grinberga@vid.demo.atbalsts.lv',
    password: 'Password',
    signIn: 'Sign in',
    queues: 'Queues',
    unassigned: /^Unassigned/,
    nextPage: 'Next page',
    take: 'Take it',
    taken: 'The request is assigned to you.',
    replyLabel: 'Reply (the requester sees it)',
    reply: 'Reply to the requester',
    replied: 'Reply sent.',
    resolve: 'Resolve',
    resolution: 'Resolution',
    resolved: 'The request is resolved.',
    statusResolved: 'Resolved',
    score: '5 — very good',
    comment: 'Comment (optional)',
    rate: 'Send rating',
    thanks: 'Thank you for your rating!',
    given: 'Your rating: 5 of 5',
    citizen: { subject: 'Where do I see my annual income declaration?', description: 'I sent my annual income declaration last week. Where can I see whether it was accepted?', name: 'Emily Smith', email: 'emily.smith@example.org' },
    answer: 'Hello! You can see it in the EDS under "Documents"; its status is shown next to it.',
    fix: 'Explained where the declaration status is shown.',
    requesterRecord: "Open the requester's record",
    callNumber: "Caller's number",
    callButton: 'Look up',
    caller: { typed: '0037126154873', name: 'Pēteris Zālītis' },
  },
};

// --- step runner -----------------------------------------------------------
class StepFailed extends Error {}

function makeRunner(name) {
  const state = { page: null };
  const step = async (msg, fn) => {
    try {
      const r = await fn();
      console.log(`  ok  ${msg}`);
      return r;
    } catch (e) {
      console.log(`  FAIL ${msg}`);
      const err = new StepFailed(`${msg}: ${String(e.message || e).split('\n')[0]}`);
      err.page = state.page;
      throw err;
    }
  };
  return { name, state, step };
}

async function newContext(browser, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, locale: 'lv-LV' });
  context.setDefaultTimeout(STEP_TIMEOUT);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT);
  return context;
}

// A private ticket link is a secret: logs show it without its token.
const hideToken = (url) => url.replace(/\/t\/[^/?#]+/, '/t/…');
const visible = (locator) => locator.first().waitFor({ state: 'visible' });

// Sign a specialist in through /staff (which sends an anonymous visitor to the sign-in page).
async function signIn(step, page, T) {
  await step(`open ${T.prefix}/staff and get the sign-in page`, async () => {
    await page.goto(`${BASE}${T.prefix}/staff`);
    await page.waitForURL(/\/staff\/sign-in/);
  });
  await step(`sign in as ${T.staffEmail}`, async () => {
    await page.getByLabel(T.email, { exact: true }).fill(T.staffEmail);
    await page.getByLabel(T.password, { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: T.signIn, exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: T.queues }));
  });
}

// Flows 1 and 2: a citizen asks, a specialist answers and resolves, the citizen rates.
async function citizenFlow(run, browser, lang, urls) {
  const T = TEXT[lang];
  const { step, state } = run;
  const citizenCtx = await newContext(browser);
  const citizen = await citizenCtx.newPage();
  state.page = citizen;
  const subject = T.citizen.subject;

  await step(`open ${T.prefix}/ and follow "${T.contact}"`, async () => {
    await citizen.goto(`${BASE}${T.prefix}/`);
    await citizen.getByRole('navigation', { name: T.nav }).getByRole('link', { name: T.contact, exact: true }).click();
    await visible(citizen.getByRole('heading', { level: 1, name: T.contact }));
  });
  await step(`choose the service "${T.serviceName}" and the kind "${T.kind}"`, async () => {
    await citizen.getByLabel(T.service, { exact: false }).selectOption({ label: T.serviceName });
    await citizen.getByRole('radio', { name: T.kind, exact: true }).check();
  });
  await step('fill subject, description, name, e-mail and consent', async () => {
    await citizen.getByLabel(T.subject, { exact: true }).fill(subject);
    await citizen.getByLabel(T.description, { exact: false }).fill(T.citizen.description);
    await citizen.getByLabel(T.name, { exact: true }).fill(T.citizen.name);
    await citizen.getByLabel(T.email, { exact: true }).fill(T.citizen.email);
    await citizen.getByLabel(T.consent).check();
  });
  const { number, link } = await step(`send "${T.submit}" and see "${T.received}"`, async () => {
    await citizen.getByRole('button', { name: T.submit, exact: true }).click();
    await visible(citizen.getByRole('heading', { name: T.received }));
    const number = (await citizen.locator('dt', { hasText: new RegExp(`^${T.number}$`) })
      .locator('xpath=following-sibling::dd[1]').innerText()).trim();
    const link = await citizen.getByRole('status').getByRole('link').getAttribute('href');
    if (!number) throw new Error('no ticket number');
    if (!link || !/\/t\//.test(link)) throw new Error(`no private link (${link})`);
    return { number, link };
  });
  console.log(`      ticket ${number}, private link ${hideToken(link)}`);

  // The specialist, in a browser context of their own.
  const staffCtx = await newContext(browser);
  const staff = await staffCtx.newPage();
  state.page = staff;
  await signIn(step, staff, T);
  await step(`open the queue "${T.unassigned.source.slice(1)}" and the ticket ${number}`, async () => {
    await staff.getByRole('link', { name: T.unassigned }).click();
    const row = staff.getByRole('link', { name: number, exact: true });
    for (let i = 0; i < 20 && !(await row.count()); i++) {
      const next = staff.getByRole('link', { name: T.nextPage, exact: true });
      if (!(await next.count())) break;
      await next.click();
    }
    // Another unassigned ticket stays open: its page is checked for accessibility too.
    const other = staff.getByRole('table').getByRole('link').filter({ hasNotText: number }).first();
    if (lang === 'lv' && await other.count()) urls.staffTicketOpen = new URL(await other.getAttribute('href'), BASE).href;
    await row.click();
    await visible(staff.getByRole('heading', { level: 1, name: subject }));
  });
  urls[`staffTicket${lang === 'lv' ? '' : 'En'}`] = staff.url();
  await step(`"${T.take}"`, async () => {
    await staff.getByRole('button', { name: T.take, exact: true }).click();
    await visible(staff.getByRole('status').getByText(T.taken));
  });
  await step(`reply "${T.reply}"`, async () => {
    const field = staff.getByLabel(T.replyLabel, { exact: true });
    await field.fill(T.answer);
    await staff.locator('form').filter({ has: field }).getByRole('button', { name: T.reply, exact: true }).click();
    await visible(staff.getByRole('status').getByText(T.replied));
  });
  await step(`open "${T.resolve}", fill "${T.resolution}" and resolve`, async () => {
    await staff.locator('summary').filter({ hasText: new RegExp(`^\\s*${T.resolve}\\s*$`) }).click();
    const field = staff.getByLabel(T.resolution, { exact: true });
    await field.fill(T.fix);
    await staff.locator('form').filter({ has: field }).getByRole('button', { name: T.resolve, exact: true }).click();
    await visible(staff.getByRole('status').getByText(T.resolved));
  });
  await step(`"${T.requesterRecord}" lists the ticket`, async () => {
    await staff.getByRole('link', { name: T.requesterRecord, exact: true }).click();
    await visible(staff.getByRole('heading', { level: 1, name: new RegExp(T.citizen.name) }));
    await visible(staff.getByRole('link', { name: number, exact: true }));
  });
  urls[`staffRequester${lang === 'lv' ? '' : 'En'}`] = staff.url();
  await step(`screen pop: "${T.callNumber}" ${T.caller.typed} finds ${T.caller.name}`, async () => {
    await staff.goto(`${BASE}${T.prefix}/staff/calls`);
    await staff.getByLabel(T.callNumber, { exact: true }).fill(T.caller.typed);
    await staff.getByRole('button', { name: T.callButton, exact: true }).click();
    await visible(staff.getByRole('heading', { level: 2, name: T.caller.name }));
  });
  urls[`staffCall${lang === 'lv' ? '' : 'En'}`] = staff.url();
  if (lang === 'lv' && opts['save-state']) {
    await step(`save the signed-in session -> ${opts['save-state']}`, () =>
      staffCtx.storageState({ path: opts['save-state'] }));
  }

  // Back to the citizen.
  state.page = citizen;
  await step('the citizen opens the private link and sees the reply, resolved', async () => {
    await citizen.goto(new URL(link, BASE).href);
    await visible(citizen.getByText(T.answer));
    await visible(citizen.getByText(T.statusResolved, { exact: true }));
  });
  urls[`privateTicket${lang === 'lv' ? '' : 'En'}`] = citizen.url();
  await step(`rate "${T.score}" with a comment and "${T.rate}"`, async () => {
    await citizen.getByRole('radio', { name: T.score, exact: true }).check();
    await citizen.getByLabel(T.comment, { exact: true }).fill(lang === 'lv' ? 'Ātri un skaidri.' : 'Quick and clear.');
    await citizen.getByRole('button', { name: T.rate, exact: true }).click();
    await visible(citizen.getByText(T.thanks));
    await visible(citizen.getByText(T.given));
  });
  await staffCtx.close();
  await citizenCtx.close();
}

// Flow 3: the request form with the keyboard only, focus visible at every stop.
async function keyboardFlow(run, browser, urls) {
  const { step, state } = run;
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  state.page = page;
  const kb = page.keyboard;
  const stops = [];
  // What has the focus, and is the focus visible (a non-`none` outline)?
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const labels = el.labels ? [...el.labels].map((l) => l.textContent.trim()).join(' ') : '';
    return {
      tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id, name: el.getAttribute('name') || '',
      text: (labels || el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60),
      outline: style.outlineStyle, inAlert: !!el.closest('[role=alert]'),
      href: el.getAttribute('href') || '',
    };
  });
  const describe = (f) => f ? `${f.tag}${f.type ? `[${f.type}]` : ''}${f.id ? `#${f.id}` : ''} "${f.text}"` : 'nothing';
  const tab = async () => {
    await kb.press('Tab');
    const f = await focused();
    if (!f) throw new Error('Tab left the focus on nothing');
    if (f.outline === 'none') throw new Error(`focus not visible (outline-style: none) on ${describe(f)}`);
    stops.push(describe(f));
    return f;
  };
  // Tab until `want(f)` holds (at most `max` stops), checking every stop on the way.
  const tabTo = async (what, want, max = 40) => {
    for (let i = 0; i < max; i++) {
      const f = await tab();
      if (want(f)) return f;
    }
    throw new Error(`${what} not reached in ${max} Tab presses (last stops: ${stops.slice(-5).join(', ')})`);
  };
  const value = (id) => page.evaluate((id) => {
    const el = document.getElementById(id);
    return el.tagName === 'SELECT' ? el.selectedOptions[0]?.textContent.trim() : el.value;
  }, id);

  await step('open /requests/new; the first Tab focuses the skip link "Pāriet uz saturu"', async () => {
    await page.goto(`${BASE}/requests/new`);
    const f = await tab();
    if (f.tag !== 'a' || f.text !== 'Pāriet uz saturu') throw new Error(`first Tab focused ${describe(f)}`);
  });
  await step('Enter on the skip link moves the focus to <main>', async () => {
    await kb.press('Enter');
    await page.waitForFunction(() => document.activeElement?.tagName === 'MAIN');
  });

  // Fill the whole form except the subject, so the first submission is refused.
  const fillForm = async ({ withSubject }) => {
    await step('Tab to "Pakalpojums" and choose "Dzīvesvietas deklarēšana" with the arrow keys', async () => {
      await tabTo('the service select', (f) => f.id === 'service', 5);
      for (let i = 0; i < 80 && (await value('service')) !== 'Dzīvesvietas deklarēšana'; i++) await kb.press('ArrowDown');
      if ((await value('service')) !== 'Dzīvesvietas deklarēšana') throw new Error('the service could not be chosen');
    });
    await step('Tab to the kind radios, ArrowRight + Space chooses "kaut kas nedarbojas"', async () => {
      await tabTo('the kind radios', (f) => f.name === 'kind', 3);
      await kb.press('ArrowRight');
      await kb.press('Space');
      const f = await focused();
      if (f.text !== 'kaut kas nedarbojas' || !(await page.getByRole('radio', { name: 'kaut kas nedarbojas' }).isChecked())) {
        throw new Error(`kind not chosen (focus on ${describe(f)})`);
      }
    });
    await step(withSubject ? 'Tab to "Temats" and type it' : 'Tab past "Temats", leaving it empty', async () => {
      await tabTo('the subject', (f) => f.id === 'subject', 3);
      if (withSubject) await kb.type('Dzīvesvietas deklarācija ar tastatūru');
    });
    await step('Tab to "Apraksts" and type it', async () => {
      await tabTo('the description', (f) => f.id === 'description', 3);
      await kb.type('Aizpildīju veidlapu tikai ar tastatūru. Kā pārbaudīt, vai deklarācija pieņemta?');
    });
    await step('Tab to "Vārds, uzvārds" and "E-pasta adrese" and type them', async () => {
      await tabTo('the name', (f) => f.id === 'name', 3);
      await kb.type('Anna Tastatūra');
      await tabTo('the e-mail', (f) => f.id === 'email', 3);
      await kb.type('anna.tastatura@example.lv');
    });
    await step('Tab to "Tālruņa numurs" and type it', async () => {
      await tabTo('the phone', (f) => f.id === 'phone', 3);
      await kb.type('+371 20000000');
    });
    await step('Tab to "Kā vēlaties saņemt atbildi?" and keep "e-pastā" with Space', async () => {
      const f = await tabTo('the answer-by radios', (f) => f.name === 'preferred', 3);
      await kb.press('Space');
      if (f.text !== 'e-pastā' || !(await page.getByRole('radio', { name: 'e-pastā' }).isChecked())) {
        throw new Error(`"e-pastā" not chosen (focus on ${describe(f)})`);
      }
    });
    await step('Tab to the consent checkbox and tick it with Space', async () => {
      await tabTo('the consent checkbox', (f) => f.id === 'consent', 3);
      await kb.press('Space');
      if (!(await page.getByLabel(/Piekrītu, ka mani dati/).isChecked())) throw new Error('consent not ticked');
    });
  };
  await fillForm({ withSubject: false });
  await step('Tab to "Nosūtīt pieprasījumu" and press Enter: the form is refused', async () => {
    const f = await tabTo('the submit button', (f) => f.tag === 'button' && f.text === 'Nosūtīt pieprasījumu', 3);
    await Promise.all([page.waitForNavigation(), kb.press('Enter')]);
    await visible(page.getByRole('alert'));
    await visible(page.getByRole('alert').getByRole('link', { name: 'Ierakstiet tematu.' }));
    return f;
  });
  await step('Tab to the error summary\'s link and Enter: the focus moves to "Temats"', async () => {
    await tabTo('the error link', (f) => f.inAlert && f.tag === 'a', 30);
    await kb.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'subject');
    await kb.type('Dzīvesvietas deklarācija ar tastatūru');
  });
  await step('the other fields kept their values', async () => {
    for (const [id, want] of [['service', 'Dzīvesvietas deklarēšana'], ['name', 'Anna Tastatūra'], ['email', 'anna.tastatura@example.lv']]) {
      const got = await value(id);
      if (got !== want) throw new Error(`#${id} is "${got}", not "${want}"`);
    }
    if (!(await page.getByLabel(/Piekrītu, ka mani dati/).isChecked())) throw new Error('the consent is no longer ticked');
  });
  await step('Tab on to "Nosūtīt pieprasījumu", Enter, and see "Pieprasījums saņemts"', async () => {
    await tabTo('the submit button', (f) => f.tag === 'button' && f.text === 'Nosūtīt pieprasījumu', 12);
    await Promise.all([page.waitForNavigation(), kb.press('Enter')]);
    await visible(page.getByRole('heading', { name: 'Pieprasījums saņemts' }));
  });
  urls.privateTicketNew = page.url();
  console.log(`      ${stops.length} focus stops, every one with a visible outline`);
  await ctx.close();
}

// Flow 4: the virtual assistant answers from the knowledge base, with a link to an article.
async function assistantFlow(run, browser) {
  const { step, state } = run;
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  state.page = page;
  const question = 'Kā deklarēt dzīvesvietu?';
  await step('open /assistant', async () => {
    await page.goto(`${BASE}/assistant`);
    await visible(page.getByRole('heading', { level: 1, name: 'Virtuālais asistents' }));
  });
  await step(`ask "${question}"`, async () => {
    await page.getByLabel('Jūsu jautājums', { exact: true }).fill(question);
    await page.getByRole('button', { name: 'Jautāt', exact: true }).click();
  });
  await step('the answer comes with a link to an article', async () => {
    const conversation = page.getByRole('list', { name: 'Saruna' });
    await visible(conversation.getByText(question));
    const link = conversation.getByRole('link').first();
    await visible(link);
    const href = await link.getAttribute('href');
    if (!/\/articles\//.test(href || '')) throw new Error(`the link goes to ${href}, not an article`);
    console.log(`      article: ${(await link.innerText()).trim()} (${href})`);
  });
  if (opts.screenshots) {
    const file = join(opts.screenshots, 'assistant-answer-lv-1280.png');
    await step(`screenshot -> ${file}`, () => page.screenshot({ path: file, fullPage: true }));
  }
  await ctx.close();
}

// Flow 5: the system administrator signs in, sees the accounts and groups, opens an
// account, the import form and the knowledge-base editor; the session is saved for a11y.
async function adminFlow(run, browser, urls) {
  const { step, state } = run;
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  state.page = page;
  await step('sign in as the system administrator', async () => {
    await page.goto(`${BASE}/staff/sign-in`);
    await page.getByLabel('E-pasta adrese', { exact: true }).fill('admin@demo.atbalsts.lv');
    await page.getByLabel('Parole', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Pieteikties', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: /Rindas/ }));
  });
  await step('open Administrēšana: staff and support groups', async () => {
    await page.getByRole('link', { name: 'Administrēšana', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Administrēšana' }));
    await visible(page.getByRole('heading', { level: 2, name: 'Atbalsta grupas' }));
  });
  await step('open a staff member', async () => {
    await page.getByRole('link', { name: 'ilze.berzina@pmlp.demo.atbalsts.lv' }).click();
    await visible(page.getByLabel('Loma', { exact: true }));
    urls.adminUser = page.url();
  });
  await step('open the register import', async () => {
    await page.goto(`${BASE}/staff/admin`);
    await page.getByRole('link', { name: 'Importēt reģistrus' }).click();
    await visible(page.getByLabel('Reģistru datnes', { exact: true }));
  });
  await step('open the knowledge-base editor and an article', async () => {
    await page.getByRole('link', { name: 'Zināšanu bāze', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1 }));
    const article = page.getByRole('main').getByRole('link', { name: /deklarēt/i }).first();
    await article.click();
    await visible(page.getByLabel(/Virsraksts|Nosaukums/));
    urls.kbArticle = page.url();
  });
  if (opts['admin-state']) {
    await step(`save the administrator's session -> ${opts['admin-state']}`, () =>
      ctx.storageState({ path: opts['admin-state'] }));
  }
  await ctx.close();
}

// --- main ------------------------------------------------------------------
const browser = await launch();
const urls = {};
const results = [];
try {
  for (const name of selected) {
    console.log(`flow ${name}:`);
    const run = makeRunner(name);
    try {
      if (name === 'citizen-lv') await citizenFlow(run, browser, 'lv', urls);
      else if (name === 'citizen-en') await citizenFlow(run, browser, 'en', urls);
      else if (name === 'keyboard') await keyboardFlow(run, browser, urls);
      else if (name === 'assistant') await assistantFlow(run, browser);
      else if (name === 'admin') await adminFlow(run, browser, urls);
      results.push([name, true]);
    } catch (e) {
      results.push([name, false]);
      const page = e.page || run.state.page;
      const shot = join(outDir, `${name}-failed.png`);
      let says = '';
      if (page) {
        await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
        says = await page.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
      }
      console.log(`  flow ${name} failed: ${e.message}`);
      console.log(`  page at failure: ${page ? hideToken(page.url()) : '(none)'}; screenshot ${shot}`);
      if (says) console.log(`  the page says: ${says.replace(/\s+/g, ' ').trim().slice(0, 200)}`);
    }
  }
} finally {
  await browser.close();
}
if (opts.urls) writeFileSync(opts.urls, JSON.stringify(urls, null, 2) + '\n');
const failed = results.filter(([, ok]) => !ok).map(([n]) => n);
console.log(`flows: ${results.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}`);
process.exit(failed.length ? 1 : 0);
