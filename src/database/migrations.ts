import { Foundation1764000000000 } from '../../migrations/1764000000000-Foundation';
import { Delivery1764000300000 } from '../../migrations/1764000300000-Delivery';
import { Alerts1764000400000 } from '../../migrations/1764000400000-Alerts';
import { Campaigns1764000800000 } from '../../migrations/1764000800000-Campaigns';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the server, the CLI and the
 * tests run exactly the same set from source or from dist.
 */
export const MIGRATIONS = [
  Foundation1764000000000,
  Delivery1764000300000,
  Alerts1764000400000,
  Campaigns1764000800000,
];
