/**
 * Clickjacking (SPEC §4.3): a page on another origin frames the status page in a real
 * headless Chromium. The frame must not render it, and a click where the "Resync now"
 * button would be starts no run. The same click on the page opened directly does start
 * one (so the coordinates are right and the negative result means something), and the
 * page works under its own Content-Security-Policy (no violation reported).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, makeJournal } from './helpers.js';
import { startServe, type Served } from './serve-helpers.js';

afterEach(() => cleanup.run());

const CHROMIUM = '/usr/bin/chromium';
const WAIT = 20_000;
const VIEWPORT = { width: 1280, height: 900 };

async function launch(): Promise<Browser> {
  expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`).toBe(true);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanup.add(() => browser.close());
  return browser;
}

/** A tiny server on another port (another origin) whose page frames `target` edge to edge. */
async function framingSite(target: string): Promise<string> {
  const html = `<!doctype html><html><head><title>evil</title></head>
<body style="margin:0"><iframe id="victim" src="${target}" style="position:absolute;left:0;top:0;border:0;width:${VIEWPORT.width}px;height:${VIEWPORT.height}px"></iframe></body></html>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

interface Watched {
  page: Page;
  requests: string[];
  cspViolations: string[];
}

async function open(browser: Browser, url: string): Promise<Watched> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC', reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const requests: string[] = [];
  const cspViolations: string[] = [];
  page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(url);
  return { page, requests, cspViolations };
}

async function manualRuns(s: Served): Promise<number> {
  const { runs } = await s.api<{ runs: Array<{ trigger: string }> }>('/api/runs?limit=1000');
  return runs.filter((r) => r.trigger === 'manual').length;
}

describe('framing (clickjacking)', () => {
  it(
    'another site cannot show the page in a frame or click its Resync button',
    { timeout: 120_000 },
    async () => {
      const journal = makeJournal({ 'a.md': '# A\nsome text #tag\n', 'b.md': '# B\nmore text\n' });
      const s = await startServe(journal);
      await s.idle();
      const browser = await launch();

      // 1. The page opened directly works under its CSP, and a click at the button's
      //    position starts a run (the positive control for step 2).
      const direct = await open(browser, s.url);
      await direct.page.waitForFunction(() => document.getElementById('state')?.textContent === 'idle', undefined, { timeout: WAIT });
      const box = await direct.page.locator('#resync').boundingBox();
      expect(box).not.toBeNull();
      const x = box!.x + box!.width / 2;
      const y = box!.y + box!.height / 2;
      const resyncAnswer = direct.page.waitForResponse((r) => r.url().endsWith('/api/resync'), { timeout: WAIT });
      await direct.page.mouse.click(x, y);
      expect((await resyncAnswer).status()).toBe(202);
      await s.idle();
      const manualBefore = await manualRuns(s);
      expect(manualBefore).toBe(1);
      expect(direct.cspViolations).toEqual([]);

      // 2. Framed by another origin: the browser refuses to render it.
      const evil = await framingSite(s.url);
      const framed = await open(browser, evil);
      const victim = framed.page.locator('#victim');
      await victim.waitFor({ state: 'attached' });
      // Wait until the frame's navigation has settled (to the refused document).
      await framed.page.waitForFunction(() => (document.getElementById('victim') as HTMLIFrameElement | null) !== null, undefined, { timeout: WAIT });
      await framed.page.waitForLoadState('load');
      for (const frame of framed.page.frames()) {
        if (frame === framed.page.mainFrame()) continue;
        const button = await frame.$('#resync').catch(() => null);
        expect(button, `frame ${frame.url()} shows the status page`).toBeNull();
        expect(frame.url().startsWith(s.url), `frame ${frame.url()}`).toBe(false);
      }
      // Its script never loaded, so nothing in it can run.
      expect(framed.requests.filter((r) => r.includes('/app.js') || r.includes('/api/'))).toEqual([]);

      // 3. A click where the button would be does nothing on the server.
      await framed.page.mouse.click(x, y);
      await framed.page.mouse.click(x, y);
      await framed.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
      expect(framed.requests.filter((r) => r.includes('/api/resync'))).toEqual([]);
      const status = await s.api<{ state: string; currentRun: unknown }>('/api/status');
      expect(status.currentRun).toBeNull();
      expect(await manualRuns(s)).toBe(manualBefore);
    },
  );
});
