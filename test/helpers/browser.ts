// A headless Debian chromium driven by playwright-core, for the dashboard's end-to-end tests.

import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function hasChromium(): boolean {
  return fs.existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Generous: the CI machine is a busy 2-core VM; these are caps on waiting for a state, not expectations of speed. */
export const UI_WAIT_MS = 30_000;
