// A learner logs a problem and two actions at a human pace: typing at ~40 words a minute
// (60 ms a character) and a 1.5 s pause to read each field's label before filling it.
// Run against the demo (make run), with playwright-core installed and Debian's chromium:
//   npm install playwright-core@1.64.1
//   NODE_PATH=$PWD/node_modules BASE=http://127.0.0.1:8000 node bench/journeys/log_a_problem.js
// Prints the seconds to log the problem and to finish its two actions (1.1 and 1.5).
const { chromium } = require('playwright-core');
const PAUSE = 1500, TYPE = 60;
const BASE = process.env.BASE || 'http://127.0.0.1:8000';
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--no-first-run','--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(BASE + '/accounts/login/');
  await page.fill('input[name=username]', 'learner');
  await page.fill('input[name=password]', 'casebook-demo');
  await page.click('button[type=submit]');
  await page.waitForLoadState('networkidle');
  const t0 = Date.now();
  const type = async (sel, text) => { await page.waitForTimeout(PAUSE); await page.click(sel); await page.keyboard.type(text, { delay: TYPE }); };
  const pick = async (sel, value) => { await page.waitForTimeout(PAUSE); await page.selectOption(sel, value); };
  await page.goto(BASE + '/log/problems/new/');
  await pick('select[name=identified_by]', 'customer');
  await pick('select[name=channel]', 'phone');
  await type('input[name=product]', 'Smart meters');
  await pick('select[name=category]', 'system_failure');
  await type('textarea[name=customer_expectation]', 'A correct bill based on real readings.');
  await type('textarea[name=description]', 'Customer rang: bill estimated although the smart meter sends readings every day.');
  await page.waitForTimeout(PAUSE);
    await Promise.all([page.waitForNavigation(), page.click('form button[type=submit].btn-primary')]);
  const problemUrl = page.url(); 
  const tProblem = Date.now();
  // Action 1: responded (1.1)
  await page.goto(problemUrl);
  await pick('#add-action select[name=kind]', 'responded');
  await type('#add-action textarea[name=description]', 'Apologised, explained I would check the readings today.');
  await Promise.all([page.waitForNavigation(), page.click('#add-action [type=submit]')]);
  // Action 2: satisfaction checked (1.5)
  await page.goto(problemUrl);
  await pick('#add-action select[name=kind]', 'satisfaction_checked');
  await type('#add-action textarea[name=description]', 'Called back after the corrected bill went out.');
  await pick('#add-action select[name=satisfaction_score]', '4');
  await type('#add-action textarea[name=customer_words]', 'Thanks for sorting it quickly.');
  await Promise.all([page.waitForNavigation(), page.click('#add-action [type=submit]')]);
  const t1 = Date.now();
  await page.screenshot({ path: process.env.SHOT || 'journey.png', fullPage: true });
  console.log(JSON.stringify({ problem_url: problemUrl, problem_seconds: (tProblem - t0) / 1000, total_seconds: (t1 - t0) / 1000 }));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
