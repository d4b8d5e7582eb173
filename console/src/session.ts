import { useQuery } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, type Session } from './api';

export const SESSION_KEY = ['session'] as const;

/** The signed-in user (GET /v1/auth/me), or null when nobody is signed in. */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async (): Promise<Session | null> => {
      const { data, error, response } = await api.GET('/v1/auth/me');
      if (response.status === 401 || response.status === 403) {
        setCsrfToken(undefined);
        return null;
      }
      if (!data) throw new ApiError(response.status, error);
      setCsrfToken(data.csrfToken);
      return data;
    },
  });
}
