import { useCampaignTexts } from './texts';
import type { ContentPreview } from './shared';

/**
 * The campaign email as the server rendered it, per locale, in a sandboxed frame: `sandbox=""`
 * gives the email's HTML no scripts, no forms, no same-origin access and no top navigation.
 */
export function EmailPreview({ preview }: { preview: ContentPreview }) {
  const t = useCampaignTexts();
  return (
    <div className="email-previews">
      {preview.tooLarge && (
        <div role="alert" className="error">
          <p>
            <strong>{t.tooLarge}</strong> (<code>{preview.tooLarge.field}</code>):{' '}
            {preview.tooLarge.message}
          </p>
        </div>
      )}
      {preview.warnings.map((w) => (
        <p key={w} role="status" className="warning">
          <strong>{t.sizeWarning}:</strong> {w}
        </p>
      ))}
      {preview.locales.map((l) => {
        const language = t.localeName[l.locale] ?? l.locale;
        return (
          <section key={l.locale} className="email-preview">
            <h3>
              {t.previewIn(language)} ({t.previewWording(l.wording)})
            </h3>
            <p>
              <strong>{t.subject}:</strong> {l.subject}
            </p>
            <p className="hint">{t.size((l.htmlBytes / 1024).toFixed(1))}</p>
            <iframe className="preview" title={t.previewIn(language)} sandbox="" srcDoc={l.html} />
          </section>
        );
      })}
    </div>
  );
}
