/** A LIKE pattern matching text that contains `text`, its wildcard characters (and backslash) taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}
