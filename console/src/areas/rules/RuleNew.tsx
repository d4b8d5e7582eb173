import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { navigate } from '../../router';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { emptyForm, toRequest, type RuleForm as Form } from './form-model';
import { RuleForm, useContentLocales } from './RuleForm';
import { useRuleTexts } from './texts';

/** A new rule, saved disabled; then its page with the audit and the Enable button. */
export default function RuleNew() {
  const t = useRuleTexts();
  const client = useQueryClient();
  const locales = useContentLocales();
  const create = useMutation({
    mutationFn: async (form: Form) => {
      const body = toRequest(form, locales.data!.default);
      return unwrap(await api.POST('/v1/lifecycle-rules', { body: { ...body, enabled: false } }));
    },
    onSuccess: async (rule) => {
      await client.invalidateQueries({ queryKey: ['lifecycle-rules'] });
      navigate(`/rules/${encodeURIComponent(rule.key)}`);
    },
  });
  return (
    <Page title={t.newTitle} loading={locales.isPending} error={locales.error}>
      <p>{t.newIntro}</p>
      {locales.data && (
        <RuleForm
          initial={emptyForm(locales.data.locales)}
          creating
          readOnly={false}
          locales={locales.data.locales}
          defaultLocale={locales.data.default}
          submitLabel={t.create}
          onSubmit={(form) => create.mutate(form)}
          error={create.error}
          busy={create.isPending}
        />
      )}
    </Page>
  );
}
