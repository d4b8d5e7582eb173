import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { ruleSentence } from './summary';
import { useRuleTexts } from './texts';

/** Every rule with its status, trigger and the rule in one sentence. */
export default function RuleList() {
  const t = useRuleTexts();
  const locale = useLocale();
  const can = useCan();
  const rules = useQuery({
    queryKey: ['lifecycle-rules'],
    queryFn: async () => unwrap(await api.GET('/v1/lifecycle-rules')),
  });
  return (
    <Page
      title={t.listTitle}
      loading={rules.isPending}
      error={rules.error}
      actions={
        can('lifecycle:write') ? (
          <Link to="/rules/new" className="rule-button-link">
            {t.newRule}
          </Link>
        ) : undefined
      }
    >
      <p>{t.listIntro}</p>
      {rules.data?.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        <div className="table-wrap">
          <table className="rule-table">
            <thead>
              <tr>
                <th scope="col">{t.rule}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.trigger}</th>
                <th scope="col">{t.summary}</th>
              </tr>
            </thead>
            <tbody>
              {(rules.data ?? []).map((rule) => (
                <tr key={rule.id}>
                  <td>
                    <Link to={`/rules/${encodeURIComponent(rule.key)}`}>{rule.name}</Link>
                    <br />
                    <code>{rule.key}</code>
                  </td>
                  <td>
                    <span className={rule.enabled ? 'rule-status on' : 'rule-status off'}>
                      {rule.enabled ? t.enabled : t.disabled}
                    </span>
                  </td>
                  <td>{t.triggerNames[rule.trigger.type]}</td>
                  <td>{ruleSentence(rule, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
