import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Lets V8 grow the old generation by at most 30% over the live set after each full collection,
 * instead of up to 4x when the allocation rate is high. A delivery worker allocates about 100 KB
 * of short-lived strings and buffers per email; with the default factor its heap grew to about
 * 250 MB around a live set of 60 MB (peak RSS 360 MB in bench:campaign), with this it stays under
 * 200 MB for the same throughput. V8 reads the flag at each collection, so it can be set after start.
 */
export function boundHeapGrowth(percent = 30): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * One full collection right after start. Loading the application and compiling the MJML
 * templates leaves tens of MB of garbage, and V8 sizes the first old-generation limit from its
 * defaults rather than from the live set: a delivery worker's RSS then climbed for its first
 * ~20 s of sending to about 290 MB before the first full collection brought it to about 200 MB
 * (bench:campaign, 100k). Collecting once at start sets the limit from the real live set.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
