import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { changes, formOf, toRequest, type RuleForm as Form } from './form-model';
import { RuleAudit } from './RuleAudit';
import { RuleForm, useContentLocales } from './RuleForm';
import { ruleSentence } from './summary';
import { useRuleTexts } from './texts';

/** One rule: what it does, its trust audit with the Enable button, and its form. */
export default function RuleDetail({ idOrKey }: { idOrKey: string }) {
  const t = useRuleTexts();
  const locale = useLocale();
  const can = useCan();
  const client = useQueryClient();
  const canWrite = can('lifecycle:write');
  const [notice, setNotice] = useState<string>();
  const rule = useQuery({
    queryKey: ['lifecycle-rules', idOrKey],
    queryFn: async () =>
      unwrap(await api.GET('/v1/lifecycle-rules/{idOrKey}', { params: { path: { idOrKey } } })),
  });
  const locales = useContentLocales();
  const save = useMutation({
    mutationFn: async (form: Form) => {
      const current = rule.data!;
      const body = changes(current, toRequest(form, locales.data!.default));
      if (Object.keys(body).length === 0) return null;
      return unwrap(
        await api.PATCH('/v1/lifecycle-rules/{idOrKey}', {
          params: { path: { idOrKey: current.key } },
          body,
        }),
      );
    },
    onSuccess: async (saved) => {
      setNotice(saved ? t.saved : t.nothingChanged);
      if (!saved) return;
      client.setQueryData(['lifecycle-rules', idOrKey], saved);
      await client.invalidateQueries({ queryKey: ['lifecycle-rules'] });
    },
  });
  const data = rule.data;
  return (
    <Page
      title={data ? t.detailTitle(data.name) : t.listTitle}
      loading={rule.isPending || locales.isPending}
      error={rule.error ?? locales.error}
      actions={<Link to="/rules">{t.back}</Link>}
    >
      {data && locales.data && (
        <>
          <p>
            <span className={data.enabled ? 'rule-status on' : 'rule-status off'}>
              {data.enabled ? t.enabled : t.disabled}
            </span>{' '}
            <code>{data.key}</code> · {t.triggerNames[data.trigger.type]}
          </p>
          <p className="rule-sentence-current">{ruleSentence(data, locale)}</p>
          <RuleAudit rule={data} canWrite={canWrite} />
          <h2>{t.editTitle}</h2>
          <RuleForm
            key={String(data.updatedAt)}
            initial={formOf(data, locales.data.locales)}
            creating={false}
            readOnly={!canWrite}
            locales={locales.data.locales}
            defaultLocale={locales.data.default}
            submitLabel={t.save}
            onSubmit={(form) => {
              setNotice(undefined);
              save.mutate(form);
            }}
            error={save.error}
            busy={save.isPending}
            notice={notice}
          />
        </>
      )}
    </Page>
  );
}
