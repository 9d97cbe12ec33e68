import { MessageKind, NUDGE_KINDS } from './planning';
import { MessageTemplate } from './templates';

/**
 * The shipped default templates, in every language Punchcard ships (a business's own template
 * replaces one, in whatever language it is written). A business's language setting picks the set by
 * its primary subtag (`de-AT` → `de`); a language not shipped gets English, with dates still
 * formatted in the business's language.
 */
export const TEMPLATE_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/** The shipped set for a BCP 47 tag: its primary subtag if shipped, else English. */
export function templateLanguageFor(tag: string): TemplateLanguage {
  const primary = tag.split('-')[0].toLowerCase();
  return (TEMPLATE_LANGUAGES as readonly string[]).includes(primary) ? (primary as TemplateLanguage) : 'en';
}

export function defaultTemplate(kind: MessageKind, language: string): MessageTemplate {
  return DEFAULT_TEMPLATES[templateLanguageFor(language)][kind];
}

/** One language's words: the greeting, the unsubscribe footer of nudges, and each kind's subject and paragraphs. */
interface Words {
  hello: string;
  unsubscribeHtml: string;
  unsubscribeText: string;
  kinds: Record<MessageKind, [subject: string, paragraphs: string[]]>;
}

function templatesOf(words: Words): Record<MessageKind, MessageTemplate> {
  const entries = (Object.keys(words.kinds) as MessageKind[]).map((kind) => {
    const [subject, paragraphs] = words.kinds[kind];
    const nudge = NUDGE_KINDS.includes(kind);
    const footerHtml = nudge ? `<p style="font-size:12px;color:#666">${words.unsubscribeHtml}</p>` : '';
    const footerText = nudge ? `\n\n--\n${words.unsubscribeText}\n` : '';
    // The text part shows a link as "its words: the URL".
    const textOf = (p: string) => p.replace(/<a href="\{\{booking_url\}\}">([^<]*)<\/a>/g, '$1: {{booking_url}}');
    const template: MessageTemplate = {
      subject,
      html: `<p>${words.hello}</p>\n${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}\n<p>{{business_name}}</p>\n${footerHtml}`,
      text: `${words.hello}\n\n${paragraphs.map(textOf).join('\n\n')}\n\n{{business_name}}${footerText}`,
    };
    return [kind, template] as const;
  });
  return Object.fromEntries(entries) as Record<MessageKind, MessageTemplate>;
}

const EN: Words = {
  hello: 'Hello {{client_name}},',
  unsubscribeHtml: 'You receive this because you bought a package from {{business_name}}. <a href="{{unsubscribe_url}}">Unsubscribe from these reminders</a>.',
  unsubscribeText: 'Unsubscribe from these reminders: {{unsubscribe_url}}',
  kinds: {
    purchase_confirmation: [
      'Your {{package_name}} from {{business_name}}',
      [
        'Thank you for your purchase of {{package_name}}. You have {{sessions_remaining}} of {{sessions_total}} sessions to use.',
        '{{#if package_expiry}}Your sessions are valid until {{package_expiry}}.{{/if}}',
        '<a href="{{booking_url}}">Book your first session</a>',
      ],
    ],
    booking_nudge: [
      'Ready to book your first session?',
      ['You bought {{package_name}} yesterday and have not booked a session yet. You have {{sessions_remaining}} sessions waiting.', '<a href="{{booking_url}}">Book a session</a>'],
    ],
    expiry_reminder: [
      'Your {{package_name}} expires on {{package_expiry}}',
      ['You still have {{sessions_remaining}} of {{sessions_total}} sessions. They expire on {{package_expiry}}.', '<a href="{{booking_url}}">Book before they expire</a>'],
    ],
    expiry_notice: [
      'Your {{package_name}} has expired',
      ['Your package {{package_name}} expired on {{package_expiry}}. Sessions that were not used can no longer be booked.', '<a href="{{booking_url}}">See what we offer</a>'],
    ],
    renewal_prompt: [
      'You have used all sessions of {{package_name}}',
      ['You have used all {{sessions_total}} sessions of {{package_name}}. We hope to see you again.', '<a href="{{booking_url}}">Renew your package</a>'],
    ],
    booking_confirmation: [
      'Booked: {{session_start}}',
      [
        'Your session on {{session_start}} is booked ({{package_name}}: {{sessions_remaining}} of {{sessions_total}} sessions left). The attached invitation adds it to your calendar.',
      ],
    ],
    booking_rescheduled: [
      'Moved to {{session_start}}',
      ['Your session on {{previous_session_start}} has moved to {{session_start}}. The attached invitation updates your calendar.'],
    ],
    booking_cancelled: [
      'Cancelled: {{session_start}}',
      ['Your session on {{session_start}} is cancelled ({{package_name}}: {{sessions_remaining}} of {{sessions_total}} sessions left).', '<a href="{{booking_url}}">Book another time</a>'],
    ],
    session_reminder: ['Reminder: your session on {{session_start}}', ['This is a reminder of your session on {{session_start}} ({{package_name}}).']],
    feedback_request: [
      'How was your session on {{session_start}}?',
      ['Thank you for coming on {{session_start}}. We would love to hear how it went: just reply to this email.'],
    ],
  },
};

const DE: Words = {
  hello: 'Hallo {{client_name}},',
  unsubscribeHtml: 'Sie erhalten diese E-Mail, weil Sie ein Paket bei {{business_name}} gekauft haben. <a href="{{unsubscribe_url}}">Diese Erinnerungen abbestellen</a>.',
  unsubscribeText: 'Diese Erinnerungen abbestellen: {{unsubscribe_url}}',
  kinds: {
    purchase_confirmation: [
      'Ihr {{package_name}} von {{business_name}}',
      [
        'Vielen Dank für Ihren Kauf von {{package_name}}. Sie haben {{sessions_remaining}} von {{sessions_total}} Terminen zur Verfügung.',
        '{{#if package_expiry}}Ihre Termine sind gültig bis {{package_expiry}}.{{/if}}',
        '<a href="{{booking_url}}">Ersten Termin buchen</a>',
      ],
    ],
    booking_nudge: [
      'Bereit für Ihren ersten Termin?',
      ['Sie haben gestern {{package_name}} gekauft und noch keinen Termin gebucht. {{sessions_remaining}} Termine warten auf Sie.', '<a href="{{booking_url}}">Termin buchen</a>'],
    ],
    expiry_reminder: [
      'Ihr {{package_name}} läuft am {{package_expiry}} ab',
      ['Sie haben noch {{sessions_remaining}} von {{sessions_total}} Terminen. Sie verfallen am {{package_expiry}}.', '<a href="{{booking_url}}">Jetzt buchen, bevor sie verfallen</a>'],
    ],
    expiry_notice: [
      'Ihr {{package_name}} ist abgelaufen',
      ['Ihr Paket {{package_name}} ist am {{package_expiry}} abgelaufen. Nicht genutzte Termine können nicht mehr gebucht werden.', '<a href="{{booking_url}}">Unser Angebot ansehen</a>'],
    ],
    renewal_prompt: [
      'Sie haben alle Termine von {{package_name}} genutzt',
      ['Sie haben alle {{sessions_total}} Termine von {{package_name}} genutzt. Wir freuen uns, Sie wiederzusehen.', '<a href="{{booking_url}}">Paket erneuern</a>'],
    ],
    booking_confirmation: [
      'Gebucht: {{session_start}}',
      [
        'Ihr Termin am {{session_start}} ist gebucht ({{package_name}}: noch {{sessions_remaining}} von {{sessions_total}} Terminen). Mit der angehängten Einladung tragen Sie ihn in Ihren Kalender ein.',
      ],
    ],
    booking_rescheduled: [
      'Verschoben auf {{session_start}}',
      ['Ihr Termin am {{previous_session_start}} wurde auf {{session_start}} verschoben. Die angehängte Einladung aktualisiert Ihren Kalender.'],
    ],
    booking_cancelled: [
      'Abgesagt: {{session_start}}',
      ['Ihr Termin am {{session_start}} ist abgesagt ({{package_name}}: noch {{sessions_remaining}} von {{sessions_total}} Terminen).', '<a href="{{booking_url}}">Anderen Termin buchen</a>'],
    ],
    session_reminder: ['Erinnerung: Ihr Termin am {{session_start}}', ['Wir erinnern Sie an Ihren Termin am {{session_start}} ({{package_name}}).']],
    feedback_request: [
      'Wie war Ihr Termin am {{session_start}}?',
      ['Danke, dass Sie am {{session_start}} da waren. Wir würden gern hören, wie es war: Antworten Sie einfach auf diese E-Mail.'],
    ],
  },
};

const FR: Words = {
  hello: 'Bonjour {{client_name}},',
  unsubscribeHtml: 'Vous recevez ce message parce que vous avez acheté une formule chez {{business_name}}. <a href="{{unsubscribe_url}}">Se désabonner de ces rappels</a>.',
  unsubscribeText: 'Se désabonner de ces rappels : {{unsubscribe_url}}',
  kinds: {
    purchase_confirmation: [
      'Votre {{package_name}} chez {{business_name}}',
      [
        'Merci pour votre achat de {{package_name}}. Il vous reste {{sessions_remaining}} séances sur {{sessions_total}}.',
        '{{#if package_expiry}}Vos séances sont valables jusqu’au {{package_expiry}}.{{/if}}',
        '<a href="{{booking_url}}">Réserver votre première séance</a>',
      ],
    ],
    booking_nudge: [
      'Prêt à réserver votre première séance ?',
      ['Vous avez acheté {{package_name}} hier et n’avez pas encore réservé de séance. {{sessions_remaining}} séances vous attendent.', '<a href="{{booking_url}}">Réserver une séance</a>'],
    ],
    expiry_reminder: [
      'Votre {{package_name}} expire le {{package_expiry}}',
      ['Il vous reste {{sessions_remaining}} séances sur {{sessions_total}}. Elles expirent le {{package_expiry}}.', '<a href="{{booking_url}}">Réserver avant l’expiration</a>'],
    ],
    expiry_notice: [
      'Votre {{package_name}} a expiré',
      ['Votre formule {{package_name}} a expiré le {{package_expiry}}. Les séances non utilisées ne peuvent plus être réservées.', '<a href="{{booking_url}}">Voir nos offres</a>'],
    ],
    renewal_prompt: [
      'Vous avez utilisé toutes les séances de {{package_name}}',
      ['Vous avez utilisé les {{sessions_total}} séances de {{package_name}}. Nous espérons vous revoir bientôt.', '<a href="{{booking_url}}">Renouveler votre formule</a>'],
    ],
    booking_confirmation: [
      'Réservé : {{session_start}}',
      [
        'Votre séance du {{session_start}} est réservée ({{package_name}} : il reste {{sessions_remaining}} séances sur {{sessions_total}}). L’invitation jointe l’ajoute à votre calendrier.',
      ],
    ],
    booking_rescheduled: [
      'Déplacé au {{session_start}}',
      ['Votre séance du {{previous_session_start}} est déplacée au {{session_start}}. L’invitation jointe met à jour votre calendrier.'],
    ],
    booking_cancelled: [
      'Annulé : {{session_start}}',
      ['Votre séance du {{session_start}} est annulée ({{package_name}} : il reste {{sessions_remaining}} séances sur {{sessions_total}}).', '<a href="{{booking_url}}">Réserver un autre créneau</a>'],
    ],
    session_reminder: ['Rappel : votre séance du {{session_start}}', ['Nous vous rappelons votre séance du {{session_start}} ({{package_name}}).']],
    feedback_request: [
      'Comment s’est passée votre séance du {{session_start}} ?',
      ['Merci d’être venu le {{session_start}}. Dites-nous comment cela s’est passé : il suffit de répondre à cet e-mail.'],
    ],
  },
};

const ES: Words = {
  hello: 'Hola, {{client_name}}:',
  unsubscribeHtml: 'Recibe este mensaje porque compró un bono en {{business_name}}. <a href="{{unsubscribe_url}}">Darse de baja de estos recordatorios</a>.',
  unsubscribeText: 'Darse de baja de estos recordatorios: {{unsubscribe_url}}',
  kinds: {
    purchase_confirmation: [
      'Su {{package_name}} de {{business_name}}',
      [
        'Gracias por comprar {{package_name}}. Tiene {{sessions_remaining}} de {{sessions_total}} sesiones disponibles.',
        '{{#if package_expiry}}Sus sesiones son válidas hasta el {{package_expiry}}.{{/if}}',
        '<a href="{{booking_url}}">Reservar su primera sesión</a>',
      ],
    ],
    booking_nudge: [
      '¿Listo para reservar su primera sesión?',
      ['Ayer compró {{package_name}} y aún no ha reservado ninguna sesión. Tiene {{sessions_remaining}} sesiones esperándole.', '<a href="{{booking_url}}">Reservar una sesión</a>'],
    ],
    expiry_reminder: [
      'Su {{package_name}} caduca el {{package_expiry}}',
      ['Le quedan {{sessions_remaining}} de {{sessions_total}} sesiones. Caducan el {{package_expiry}}.', '<a href="{{booking_url}}">Reservar antes de que caduquen</a>'],
    ],
    expiry_notice: [
      'Su {{package_name}} ha caducado',
      ['Su bono {{package_name}} caducó el {{package_expiry}}. Las sesiones no utilizadas ya no se pueden reservar.', '<a href="{{booking_url}}">Ver nuestra oferta</a>'],
    ],
    renewal_prompt: [
      'Ha utilizado todas las sesiones de {{package_name}}',
      ['Ha utilizado las {{sessions_total}} sesiones de {{package_name}}. Esperamos volver a verle.', '<a href="{{booking_url}}">Renovar su bono</a>'],
    ],
    booking_confirmation: [
      'Reservado: {{session_start}}',
      [
        'Su sesión del {{session_start}} está reservada ({{package_name}}: le quedan {{sessions_remaining}} de {{sessions_total}} sesiones). La invitación adjunta la añade a su calendario.',
      ],
    ],
    booking_rescheduled: [
      'Cambiado al {{session_start}}',
      ['Su sesión del {{previous_session_start}} se ha cambiado al {{session_start}}. La invitación adjunta actualiza su calendario.'],
    ],
    booking_cancelled: [
      'Cancelado: {{session_start}}',
      ['Su sesión del {{session_start}} está cancelada ({{package_name}}: le quedan {{sessions_remaining}} de {{sessions_total}} sesiones).', '<a href="{{booking_url}}">Reservar otra hora</a>'],
    ],
    session_reminder: ['Recordatorio: su sesión del {{session_start}}', ['Le recordamos su sesión del {{session_start}} ({{package_name}}).']],
    feedback_request: ['¿Qué tal su sesión del {{session_start}}?', ['Gracias por venir el {{session_start}}. Nos encantaría saber qué tal fue: basta con responder a este correo.']],
  },
};

export const DEFAULT_TEMPLATES: Record<TemplateLanguage, Record<MessageKind, MessageTemplate>> = {
  en: templatesOf(EN),
  de: templatesOf(DE),
  fr: templatesOf(FR),
  es: templatesOf(ES),
};
