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
