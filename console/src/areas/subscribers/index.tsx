import type { ConsolePage } from '../types';

/** Subscribers: this area's pages (see ../types.ts). */
export const subscriberPages: ConsolePage[] = [];
