import { MESSAGE_KINDS } from './planning';
import { DEFAULT_TEMPLATES, defaultTemplate, TEMPLATE_LANGUAGES, templateLanguageFor } from './default-templates';
import { placeholdersFor, renderTemplate, validateTemplate } from './templates';

describe('message templates', () => {
  it('every kind ships a default in every shipped language that passes its own validation', () => {
    for (const language of TEMPLATE_LANGUAGES)
      for (const kind of MESSAGE_KINDS) expect({ language, kind, problems: validateTemplate(kind, DEFAULT_TEMPLATES[language][kind]) }).toEqual({ language, kind, problems: [] });
  });

  it('the shipped languages say the same things: each template uses the placeholders the English one uses', () => {
    const names = (source: string) => [...source.matchAll(/\{\{[#/]?(?:if |unless )?([a-z_]+)\}\}/g)].map((m) => m[1]).sort();
    for (const language of TEMPLATE_LANGUAGES)
      for (const kind of MESSAGE_KINDS)
        for (const part of ['subject', 'html', 'text'] as const)
          expect({ language, kind, part, names: names(DEFAULT_TEMPLATES[language][kind][part]) }).toEqual({ language, kind, part, names: names(DEFAULT_TEMPLATES.en[kind][part]) });
  });

  it('a language tag picks the shipped set by its primary subtag, English when none ships', () => {
    expect(templateLanguageFor('de-AT')).toBe('de');
    expect(templateLanguageFor('FR-ca')).toBe('fr');
    expect(templateLanguageFor('es-419')).toBe('es');
    expect(templateLanguageFor('pt-BR')).toBe('en');
    expect(defaultTemplate('booking_nudge', 'de-CH').subject).toBe('Bereit für Ihren ersten Termin?');
    expect(defaultTemplate('booking_nudge', 'ja').subject).toBe('Ready to book your first session?');
  });

  it('nudges, and only nudges, may use (and by default show) the unsubscribe link', () => {
    expect(placeholdersFor('booking_nudge')).toContain('unsubscribe_url');
    expect(placeholdersFor('purchase_confirmation')).not.toContain('unsubscribe_url');
    expect(DEFAULT_TEMPLATES.en.expiry_reminder.html).toContain('{{unsubscribe_url}}');
    expect(DEFAULT_TEMPLATES.en.expiry_reminder.text).toContain('{{unsubscribe_url}}');
    expect(validateTemplate('purchase_confirmation', { subject: 'x', html: '{{unsubscribe_url}}', text: 'y' })).toEqual([
      { field: 'html', messages: ['unknown placeholder {{unsubscribe_url}}'] },
    ]);
  });

  it('refuses unknown placeholders, bad syntax, triple braces, helpers, loops and partials, per field', () => {
    const problems = validateTemplate('booking_nudge', {
      subject: 'Hi {{first_name}} {{#if sessions_remaining}}{{nope}}{{/if}}',
      html: '<p>{{{client_name}}}</p>{{#each x}}{{/each}}{{> footer}}{{lookup client_name "a"}}',
      text: 'Hello {{client_name}',
    });
    expect(problems.find((p) => p.field === 'subject')!.messages).toEqual(['unknown placeholder {{first_name}}', 'unknown placeholder {{nope}}']);
    const html = problems.find((p) => p.field === 'html')!.messages;
    expect(html).toContain('triple braces ({{{…}}}) are not allowed: every value is escaped');
    expect(html).toContain('only {{#if name}} and {{#unless name}} blocks are allowed, not {{#each}}');
    expect(html.some((m) => m.startsWith('PartialStatement is not allowed'))).toBe(true);
    expect(html).toContain('helpers are not allowed: lookup');
    expect(problems.find((p) => p.field === 'text')!.messages[0]).toMatch(/^invalid Handlebars syntax/);
  });

  it('escapes values in HTML, not in the subject or text', () => {
    const rendered = renderTemplate(
      { subject: 'For {{client_name}}', html: '<p>{{client_name}} — {{package_name}}</p>', text: '{{client_name}}' },
      { client_name: 'Ann <script>alert(1)</script> & Bob', package_name: '"Six"' },
    );
    expect(rendered.html).toBe('<p>Ann &lt;script&gt;alert(1)&lt;/script&gt; &amp; Bob — &quot;Six&quot;</p>');
    expect(rendered.subject).toBe('For Ann <script>alert(1)</script> & Bob');
    expect(rendered.text).toBe('Ann <script>alert(1)</script> & Bob');
  });

  it('renders a default with every placeholder filled, and leaves out the expiry sentence without expiry', () => {
    const values = { client_name: 'Ann', business_name: 'Studio', package_name: 'Six', sessions_remaining: 6, sessions_total: 6, package_expiry: null, booking_url: 'https://x/book' };
    const rendered = renderTemplate(DEFAULT_TEMPLATES.en.purchase_confirmation, values);
    expect(rendered.subject).toBe('Your Six from Studio');
    expect(rendered.text).toContain('You have 6 of 6 sessions to use.');
    expect(rendered.text).toContain('Book your first session: https://x/book');
    expect(rendered.html).toContain('<a href="https://x/book">');
    expect(rendered.text).not.toContain('valid until');
  });

  it('a subject never spans lines (no header injection)', () => {
    expect(renderTemplate({ subject: '{{client_name}}', html: '', text: '' }, { client_name: 'a\r\nBcc: x@y' }).subject).toBe('a Bcc: x@y');
  });
});

import { signUnsubscribeToken, verifyUnsubscribeToken } from './unsubscribe-token';

describe('unsubscribe tokens', () => {
  const secret = 'x'.repeat(40);
  it('verify what was signed, refuse a changed client or another secret', () => {
    const token = signUnsubscribeToken(secret, 't1', 'c1');
    expect(verifyUnsubscribeToken(secret, token)).toEqual({ tenantId: 't1', clientId: 'c1' });
    expect(verifyUnsubscribeToken(secret, token.replace('.c1.', '.c2.'))).toBeNull();
    expect(verifyUnsubscribeToken('y'.repeat(40), token)).toBeNull();
    expect(verifyUnsubscribeToken(secret, 'garbage')).toBeNull();
  });
});
