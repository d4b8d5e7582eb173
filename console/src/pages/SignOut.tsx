import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken } from '../api';
import { useTexts } from '../i18n';
import { navigate } from '../router';
import { SESSION_KEY } from '../session';

export function SignOut({ name }: { name: string }) {
  const t = useTexts();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: async () => {
      const { response } = await api.POST('/v1/auth/sign-out');
      // 401/403: the session had ended already; signed out either way.
      if (!response.ok && response.status !== 401 && response.status !== 403) {
        throw new Error(t.somethingWrong(`HTTP ${response.status}`));
      }
    },
    onSuccess: () => {
      setCsrfToken(undefined);
      queryClient.removeQueries();
      queryClient.setQueryData(SESSION_KEY, null);
      navigate('/sign-in', { replace: true });
    },
  });
  return (
    <div className="account">
      <span>{t.signedInAs(name)}</span>
      <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        {t.signOut}
      </button>
      {signOut.isError && <span role="alert">{signOut.error.message}</span>}
    </div>
  );
}
