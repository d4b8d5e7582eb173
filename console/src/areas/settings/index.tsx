import type { ConsolePage } from '../types';

/** Deliverability and settings: this area's pages (see ../types.ts). */
export const settingsPages: ConsolePage[] = [];
