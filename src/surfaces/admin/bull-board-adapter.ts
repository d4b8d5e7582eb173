import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';

type EntryRoute = Parameters<ExpressAdapter['setEntryRoute']>[0];

/** Bull Board's page asks Google Fonts for IBM Plex; its own CSS falls back to system fonts. */
const THIRD_PARTY_STYLESHEET =
  /<link\b[^>]*\bhref="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>\s*/g;

/** Served next to the board (under its <base href>), so the app's `script-src 'self'` allows it. */
const NAMES_SCRIPT_PATH = 'tidings/accessible-names.js';

/**
 * Bull Board's entry page as Tidings serves it: no request leaves this origin (the Google Fonts
 * stylesheet is dropped) and the script that names its icon buttons is added.
 */
export function tidingsBoardPage(html: string): string {
  return html
    .replace(THIRD_PARTY_STYLESHEET, '')
    .replace('</body>', `<script defer src="${NAMES_SCRIPT_PATH}"></script></body>`);
}

/**
 * Names for Bull Board's icon-only buttons, which screen readers would otherwise announce as
 * "button". The icons are Lucide's (`class="lucide lucide-<name>"`); the Redis button shows the
 * Redis logo. Runs again whenever the React app changes the page.
 */
export const ACCESSIBLE_NAMES_SCRIPT = `(function () {
  'use strict';
  // Bull Board's own words (its en-US texts) for what each icon does where it is icon-only.
  var NAMES = {
    'arrow-up-down': 'Change priority', 'book-open': 'Documentation', 'check': 'Confirm',
    'chevron-left': 'Previous', 'chevron-right': 'Next', 'clock': 'Reschedule', 'copy': 'Copy',
    'corner-up-left': 'Promote', 'ellipsis-vertical': 'More actions', 'files': 'Duplicate',
    'list-x': 'Remove unprocessed children', 'maximize': 'Full screen',
    'maximize-2': 'Full screen', 'minimize-2': 'Exit full screen', 'panel-left': 'Side panel',
    'pause': 'Pause', 'pencil': 'Update data', 'play': 'Resume', 'refresh-cw': 'Retry',
    'search': 'Search', 'settings': 'Settings', 'trash2': 'Clean', 'trash-2': 'Clean',
    'x': 'Close'
  };
  function ownText(el) {
    var text = el.textContent || '';
    el.querySelectorAll('svg').forEach(function (svg) { text = text.replace(svg.textContent || '', ''); });
    return text.trim();
  }
  function nameOf(el) {
    var title = el.getAttribute('title');
    if (title) return title;
    var icon = el.querySelector('svg[class*="lucide-"]');
    var match = icon && /lucide-([a-z0-9-]+)/.exec(icon.getAttribute('class') || '');
    if (match) return NAMES[match[1]] || match[1].replace(/-/g, ' ');
    if (el.querySelector('svg [class^="rds-"]')) return 'Redis details';
    return null;
  }
  function label() {
    document.querySelectorAll('button, [role="button"], a[href]').forEach(function (el) {
      if (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby') || ownText(el)) return;
      var name = nameOf(el);
      if (name) el.setAttribute('aria-label', name);
    });
  }
  label();
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
})();
`;

/**
 * Bull Board's Express adapter, serving its entry page through tidingsBoardPage and the naming
 * script next to it. Everything else (its API, its static files) is Bull Board's own.
 */
export class BullBoardAdapter extends ExpressAdapter {
  constructor() {
    super();
    this.app.get(`/${NAMES_SCRIPT_PATH}`, (_req: Request, res: Response) => {
      res.type('text/javascript').setHeader('Cache-Control', 'no-cache');
      res.send(ACCESSIBLE_NAMES_SCRIPT);
    });
  }

  override setEntryRoute(routeDef: EntryRoute): ExpressAdapter {
    const handler = (_req: Request, res: Response, next: NextFunction) => {
      const { name, params } = routeDef.handler({
        basePath: this.basePath,
        uiConfig: this.uiConfig,
      });
      res.render(name, params, (err: Error | null, html: string) =>
        err ? next(err) : res.type('html').send(tidingsBoardPage(html)),
      );
    };
    this.app[routeDef.method](routeDef.route, handler);
    return this;
  }
}
