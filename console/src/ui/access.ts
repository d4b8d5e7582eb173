import { useSession } from '../session';

/**
 * Whether the signed-in user's role holds a scope ('campaigns:write'); `admin` holds them all.
 * Only hides what the API would refuse anyway: the API checks every request itself.
 */
export function useCan(): (scope: string) => boolean {
  const scopes = useSession().data?.scopes ?? [];
  return (scope) => scopes.includes('admin') || scopes.includes(scope);
}
