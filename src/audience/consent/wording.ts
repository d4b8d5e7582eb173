import type { ConsentAction } from './consent-event.entity';

/**
 * Wording recorded when the caller supplies none. It states what happened, honestly: when the
 * API records an opt-in without the text the person saw, the history says exactly that.
 */
export const DEFAULT_WORDING_VERSION = 'tidings-default-1';

export function defaultWording(
  action: ConsentAction,
  ctx: { topic?: string; frequency?: string; previousFrequency?: string; via: string },
): string {
  switch (action) {
    case 'opt_in':
      return `Subscribed to "${ctx.topic}" (${ctx.frequency}) through ${ctx.via}; no consent wording was supplied.`;
    case 'confirm':
      return `Confirmed the subscription to "${ctx.topic}" through ${ctx.via}.`;
    case 'opt_out':
      return ctx.topic
        ? `Unsubscribed from "${ctx.topic}" through ${ctx.via}.`
        : `Unsubscribed from all email through ${ctx.via}.`;
    case 'frequency_change':
      return `Changed how often to receive "${ctx.topic}" from ${ctx.previousFrequency} to ${ctx.frequency} through ${ctx.via}.`;
    case 'data_use_grant':
      return `Allowed the data use described through ${ctx.via}.`;
    case 'data_use_withdrawal':
      return `Withdrew permission for the data use described through ${ctx.via}.`;
    case 'pause':
      return `Paused all email through ${ctx.via}.`;
    case 'resume':
      return `Resumed email through ${ctx.via}.`;
  }
}
