import Handlebars from 'handlebars';
import { MessageKind, NUDGE_KINDS, SESSION_KINDS } from './planning';

/** One email: subject and text are plain text, html is HTML (placeholder values are escaped there). */
export interface MessageTemplate {
  subject: string;
  html: string;
  text: string;
}
export const TEMPLATE_PARTS = ['subject', 'html', 'text'] as const;

const COMMON = ['client_name', 'business_name', 'package_name', 'sessions_remaining', 'sessions_total', 'package_expiry', 'booking_url'] as const;
export type Placeholder = (typeof COMMON)[number] | 'unsubscribe_url' | 'session_start' | 'previous_session_start';

/** The placeholders a kind's template may use; nudges also get the unsubscribe link, booking notices the session's time. */
export function placeholdersFor(kind: MessageKind): Placeholder[] {
  const names: Placeholder[] = [...COMMON];
  if (SESSION_KINDS.includes(kind)) names.push('session_start');
  if (kind === 'booking_rescheduled') names.push('previous_session_start');
  if (NUDGE_KINDS.includes(kind)) names.push('unsubscribe_url');
  return names;
}

/** Block helpers a template may use around placeholders (no loops, partials or other helpers). */
const BLOCK_HELPERS = ['if', 'unless'];

export interface TemplateProblem {
  field: string;
  messages: string[];
}

/** Problems of a template (empty: it may be saved): syntax errors, unknown placeholders, unsupported constructs. */
export function validateTemplate(kind: MessageKind, template: MessageTemplate): TemplateProblem[] {
  const allowed = new Set<string>(placeholdersFor(kind));
  const problems: TemplateProblem[] = [];
  for (const part of TEMPLATE_PARTS) {
    const messages: string[] = [];
    let program: hbs.AST.Program;
    try {
      program = Handlebars.parse(template[part]);
    } catch (error) {
      problems.push({ field: part, messages: [`invalid Handlebars syntax: ${String((error as Error).message).split('\n')[0]}`] });
      continue;
    }
    walk(program, allowed, messages);
    if (messages.length) problems.push({ field: part, messages: [...new Set(messages)] });
  }
  return problems;
}

function walk(program: hbs.AST.Program, allowed: Set<string>, messages: string[]): void {
  for (const node of program.body) {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        if (!m.escaped) messages.push('triple braces ({{{…}}}) are not allowed: every value is escaped');
        if (m.params.length || (m.hash && m.hash.pairs.length)) messages.push(`helpers are not allowed: ${nameOf(m.path)}`);
        else checkName(m.path, allowed, messages);
        break;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        const helper = nameOf(b.path);
        if (!BLOCK_HELPERS.includes(helper) || b.params.length !== 1) {
          messages.push(`only {{#if name}} and {{#unless name}} blocks are allowed, not {{#${helper}}}`);
          break;
        }
        checkName(b.params[0], allowed, messages);
        if (b.program) walk(b.program, allowed, messages);
        if (b.inverse) walk(b.inverse, allowed, messages);
        break;
      }
      default:
        messages.push(`${node.type} is not allowed (partials and decorators are not supported)`);
    }
  }
}

function nameOf(expression: hbs.AST.Expression): string {
  return expression.type === 'PathExpression' ? (expression as hbs.AST.PathExpression).original : expression.type;
}

function checkName(expression: hbs.AST.Expression, allowed: Set<string>, messages: string[]): void {
  const name = nameOf(expression);
  if (expression.type !== 'PathExpression' || !allowed.has(name)) messages.push(`unknown placeholder {{${name}}}`);
}

export type TemplateValues = Partial<Record<Placeholder, string | number | null>>;

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

/** Renders a validated template: values escaped in HTML, left as they are in the subject and text. */
export function renderTemplate(template: MessageTemplate, values: TemplateValues): RenderedMessage {
  const plain = (source: string) => Handlebars.compile(source, { noEscape: true, strict: false, knownHelpersOnly: true })(values).replace(/[\r\n]+/g, ' ').trim();
  return {
    subject: plain(template.subject),
    html: Handlebars.compile(template.html, { strict: false, knownHelpersOnly: true })(values),
    text: Handlebars.compile(template.text, { noEscape: true, strict: false, knownHelpersOnly: true })(values),
  };
}

const footer = (unsubscribe: boolean) =>
  unsubscribe
    ? {
        html: '<p style="font-size:12px;color:#666">You receive this because you bought a package from {{business_name}}. <a href="{{unsubscribe_url}}">Unsubscribe from these reminders</a>.</p>',
        text: '\n\n--\nUnsubscribe from these reminders: {{unsubscribe_url}}\n',
      }
    : { html: '', text: '' };

function template(kind: MessageKind, subject: string, paragraphs: string[]): MessageTemplate {
  const f = footer(NUDGE_KINDS.includes(kind));
  return {
    subject,
    html: `<p>Hello {{client_name}},</p>\n${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}\n<p>{{business_name}}</p>\n${f.html}`,
    text: `Hello {{client_name}},\n\n${paragraphs.map((p) => p.replace(/<a href="\{\{booking_url\}\}">([^<]*)<\/a>/g, '$1: {{booking_url}}')).join('\n\n')}\n\n{{business_name}}${f.text}`,
  };
}

/** The shipped defaults, one per kind (a business's own template replaces one). */
export const DEFAULT_TEMPLATES: Record<MessageKind, MessageTemplate> = {
  purchase_confirmation: template('purchase_confirmation', 'Your {{package_name}} from {{business_name}}', [
    'Thank you for your purchase of {{package_name}}. You have {{sessions_remaining}} of {{sessions_total}} sessions to use.',
    '{{#if package_expiry}}Your sessions are valid until {{package_expiry}}.{{/if}}',
    '<a href="{{booking_url}}">Book your first session</a>',
  ]),
  booking_nudge: template('booking_nudge', 'Ready to book your first session?', [
    'You bought {{package_name}} yesterday and have not booked a session yet. You have {{sessions_remaining}} sessions waiting.',
    '<a href="{{booking_url}}">Book a session</a>',
  ]),
  expiry_reminder: template('expiry_reminder', 'Your {{package_name}} expires on {{package_expiry}}', [
    'You still have {{sessions_remaining}} of {{sessions_total}} sessions. They expire on {{package_expiry}}.',
    '<a href="{{booking_url}}">Book before they expire</a>',
  ]),
  expiry_notice: template('expiry_notice', 'Your {{package_name}} has expired', [
    'Your package {{package_name}} expired on {{package_expiry}}. Sessions that were not used can no longer be booked.',
    '<a href="{{booking_url}}">See what we offer</a>',
  ]),
  renewal_prompt: template('renewal_prompt', 'You have used all sessions of {{package_name}}', [
    'You have used all {{sessions_total}} sessions of {{package_name}}. We hope to see you again.',
    '<a href="{{booking_url}}">Renew your package</a>',
  ]),
  booking_confirmation: template('booking_confirmation', 'Booked: {{session_start}}', [
    'Your session on {{session_start}} is booked ({{package_name}}: {{sessions_remaining}} of {{sessions_total}} sessions left). The attached invitation adds it to your calendar.',
  ]),
  booking_rescheduled: template('booking_rescheduled', 'Moved to {{session_start}}', [
    'Your session on {{previous_session_start}} has moved to {{session_start}}. The attached invitation updates your calendar.',
  ]),
  booking_cancelled: template('booking_cancelled', 'Cancelled: {{session_start}}', [
    'Your session on {{session_start}} is cancelled ({{package_name}}: {{sessions_remaining}} of {{sessions_total}} sessions left).',
    '<a href="{{booking_url}}">Book another time</a>',
  ]),
  session_reminder: template('session_reminder', 'Reminder: your session on {{session_start}}', [
    'This is a reminder of your session on {{session_start}} ({{package_name}}).',
  ]),
  feedback_request: template('feedback_request', 'How was your session on {{session_start}}?', [
    'Thank you for coming on {{session_start}}. We would love to hear how it went: just reply to this email.',
  ]),
};
