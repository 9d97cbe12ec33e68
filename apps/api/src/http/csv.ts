import { Logger } from '@nestjs/common';
import type { Response } from 'express';

/**
 * One CSV record (RFC 4180, CRLF). Text that a spreadsheet would run as a formula (=, +, -, @, tab,
 * CR at the start) gets a leading apostrophe: names and reasons are user input. Numbers stay numbers.
 */
export function csvRecord(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Streams a CSV download. Waits for the socket to drain whenever its buffer is full, so memory stays
 * flat however many rows there are. A failure after the first bytes cannot become a problem+json
 * response any more: the connection is cut, so the client sees an incomplete download, not a short file.
 */
export async function streamCsv(res: Response, filename: string, header: readonly string[], rows: AsyncIterable<readonly unknown[]>): Promise<void> {
  // The first page is read before anything is sent: a failure there (e.g. the database is down) still
  // reaches the problem filter and answers with a status (503), instead of a cut-off 200.
  const iterator = rows[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  try {
    res.write(csvRecord(header));
    let chunk = '';
    for (; !next.done; next = await iterator.next()) {
      chunk += csvRecord(next.value);
      if (chunk.length < 64 * 1024) continue;
      if (!res.write(chunk)) await drainedOrClosed(res);
      chunk = '';
      if (res.destroyed) {
        await iterator.return?.();
        return;
      }
    }
    res.end(chunk);
  } catch (error) {
    // Headers are out, so the problem filter cannot answer any more: log it here and cut the connection.
    new Logger('CsvExport').error(`Export ${filename} failed after it started`, (error as Error).stack);
    res.destroy();
  }
}

/** Resolves when the socket drains or closes, and removes both listeners (events.once would leave the loser's behind on every wait). */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
