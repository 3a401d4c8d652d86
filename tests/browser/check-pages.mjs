// Opens every web page seloste wrote in a folder in headless Chromium and checks what only
// a browser can show: axe-core's WCAG 2.0/2.1 A and AA rules, no horizontal scrolling at
// 320 px, every table-of-contents link landing on its heading, no request beyond the page
// itself, no Content-Security-Policy violation (the inline style's hash must match), and a
// print style that leaves out the navigation. Saves screenshots of one page at 320 and
// 1280 px. Run by tests/html.rs:
//
//   node tests/browser/check-pages.mjs PAGES_DIR SCREENSHOT_DIR SCREENSHOT_PAGE
//
// Prints one line per page and a JSON summary; exits 1 when any check fails.

import { createServer } from 'node:http';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [pagesDir, shotsDir, shotPage] = process.argv.slice(2);
if (!pagesDir || !shotsDir || !shotPage) {
  console.error('usage: check-pages.mjs PAGES_DIR SCREENSHOT_DIR SCREENSHOT_PAGE');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const axeSource = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const pages = readdirSync(pagesDir).filter((name) => name.endsWith('.html')).sort();

// A server of the folder on loopback, so that every request the page makes is seen here.
const served = [];
const server = createServer((request, response) => {
  const name = decodeURIComponent(new URL(request.url, 'http://x').pathname.slice(1));
  served.push(name);
  const path = join(pagesDir, name);
  if (!name.includes('/') && existsSync(path)) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(readFileSync(path));
  } else {
    response.writeHead(404);
    response.end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

const failures = [];
const summary = { pages: 0, violations: 0, tocLinks: 0 };

async function checkPage(name) {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(base + encodeURIComponent(name), { waitUntil: 'load' });

  const others = requests.filter((url) => url !== base + encodeURIComponent(name));
  if (others.length) problems.push(`requests beyond the page: ${others.join(', ')}`);

  // The style applied: the inline sheet's hash matches the page's policy.
  const styled = await page.evaluate(() => getComputedStyle(document.body).margin === '0px');
  if (!styled) problems.push('the inline style sheet was not applied (its hash is not the one the policy allows?)');

  // axe-core runs through the DevTools protocol, which the page's policy does not govern.
  await page.evaluate(axeSource);
  const axe = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  for (const violation of axe.violations) {
    summary.violations += 1;
    const where = violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join('; ');
    problems.push(`axe ${violation.id} (${violation.impact}): ${violation.help} at ${where}`);
  }
  if (axe.passes.length === 0) problems.push('axe ran no rule');

  const structure = await page.evaluate(() => {
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
    const skipped = headings.some((level, index) => index > 0 && level > headings[index - 1] + 1);
    const first = document.querySelector('a[href]');
    return {
      lang: document.documentElement.lang,
      h1: document.querySelectorAll('h1').length,
      skippedLevel: skipped,
      header: !!document.querySelector('header'),
      main: !!document.querySelector('main#main'),
      skipLink: !!first && first.getAttribute('href') === '#main',
      time: !!document.querySelector('time[datetime]'),
      swedishPart: !!document.querySelector('[lang="sv"] h2, [lang="sv"] h3'),
      isIndex: !!document.querySelector('ul.registers'),
      toc: [...document.querySelectorAll('nav.toc a[href^="#"]')].map((a) => a.getAttribute('href')),
      sections: document.querySelectorAll('main section > :is(h2, h3, h4, h5, h6)[id]').length,
    };
  });
  if (!['fi', 'sv'].includes(structure.lang)) problems.push(`html lang is "${structure.lang}"`);
  if (structure.h1 !== 1) problems.push(`${structure.h1} h1 headings`);
  if (structure.skippedLevel) problems.push('a heading level is skipped');
  if (!structure.header || !structure.main) problems.push('no <header> or <main id="main">');
  if (!structure.skipLink) problems.push('the first link is not the skip link to #main');
  if (!structure.time) problems.push('no <time datetime>');
  if (name.includes('.fi-sv.') && !structure.swedishPart) problems.push('the Swedish part of a bilingual page has no lang="sv"');
  if (!structure.isIndex) {
    if (structure.toc.length === 0) problems.push('no table of contents');
    if (structure.toc.length !== structure.sections) {
      problems.push(`${structure.toc.length} contents links for ${structure.sections} section headings`);
    }
  }

  for (const width of [320, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) problems.push(`${overflow} px of horizontal scrolling at ${width} px`);
    if (name === shotPage) {
      await page.screenshot({ path: join(shotsDir, `${name}.${width}.png`) });
      await page.screenshot({ path: join(shotsDir, `${name}.${width}.full.png`), fullPage: true });
    }
  }

  // Every contents link lands on its heading: after the click the heading is in view.
  for (const href of structure.toc) {
    summary.tocLinks += 1;
    await page.click(`nav.toc a[href="${href}"]`);
    const landed = await page.evaluate((id) => {
      const target = document.getElementById(id);
      if (!target || !/^H[2-6]$/.test(target.tagName)) return 'not a heading';
      const box = target.getBoundingClientRect();
      return location.hash === `#${id}` && box.top >= -1 && box.top < innerHeight ? 'ok' : `at ${box.top}`;
    }, href.slice(1));
    if (landed !== 'ok') problems.push(`contents link ${href}: ${landed}`);
  }

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() =>
    [...document.querySelectorAll('nav, .skip, .links')].every((element) => getComputedStyle(element).display === 'none'),
  );
  if (!printed) problems.push('the print style shows the navigation');

  await context.close();
  summary.pages += 1;
  console.log(`${problems.length ? 'FAIL' : 'ok  '} ${name}`);
  for (const problem of problems) {
    console.log(`     ${problem}`);
    failures.push(`${name}: ${problem}`);
  }
}

try {
  for (const name of pages) await checkPage(name);
} finally {
  await browser.close();
  server.close();
}
const beyond = served.filter((name) => !pages.includes(name));
if (beyond.length) failures.push(`the server was asked for ${beyond.join(', ')}`);
console.log(JSON.stringify({ ...summary, failures: failures.length }));
process.exit(failures.length ? 1 : 0);
