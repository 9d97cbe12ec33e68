/**
 * A one-event iCalendar (RFC 5545) for a booking notice: REQUEST for a booked or moved session, CANCEL
 * for a cancelled one. The UID is the booking's, and SEQUENCE grows with each change, so a calendar
 * updates the one event instead of adding another.
 */
export interface BookingIcs {
  bookingId: string;
  sequence: number;
  start: string;
  end: string;
  method: 'REQUEST' | 'CANCEL';
  summary: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
  /** When this version of the event was made (the message's due time: the same on a resend). */
  stamp: string;
}

const utc = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
/** TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11). */
const text = (value: string) => value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
/** A parameter value in quotes cannot hold a quote. */
const param = (value: string) => `"${value.replace(/"/g, "'").replace(/[\r\n]/g, ' ')}"`;

/** Lines longer than 75 octets are folded (RFC 5545 §3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let rest = Buffer.from(line, 'utf8');
  let first = true;
  while (rest.length > (first ? 75 : 74)) {
    let cut = first ? 75 : 74;
    while ((rest[cut] & 0xc0) === 0x80) cut--; // never inside a UTF-8 sequence
    out.push((first ? '' : ' ') + rest.subarray(0, cut).toString('utf8'));
    rest = rest.subarray(cut);
    first = false;
  }
  out.push((first ? '' : ' ') + rest.toString('utf8'));
  return out.join('\r\n');
}

export function bookingIcs(event: BookingIcs): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Punchcard//Booking notices//EN',
    `METHOD:${event.method}`,
    'BEGIN:VEVENT',
    `UID:${event.bookingId}@punchcard.bookings`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${utc(event.stamp)}`,
    `DTSTART:${utc(event.start)}`,
    `DTEND:${utc(event.end)}`,
    `SUMMARY:${text(event.summary)}`,
    `ORGANIZER;CN=${param(event.organizer.name)}:mailto:${event.organizer.email}`,
    `ATTENDEE;CN=${param(event.attendee.name)};ROLE=REQ-PARTICIPANT:mailto:${event.attendee.email}`,
    `STATUS:${event.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ]
    .map(fold)
    .join('\r\n') + '\r\n';
}
