import type { ConsolePage } from '../types';

/** Content and campaigns: this area's pages (see ../types.ts). */
export const campaignPages: ConsolePage[] = [];
