/** A LIKE pattern matching text that contains `text`, its wildcard characters (and backslash) taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
}

/**
 * SQL true when `expression` matches the `pattern` parameter (a containsPattern) case-insensitively.
 * `lower(x) LIKE lower(p)` is the match ILIKE makes (it lowercases both sides too) at about half the
 * CPU per row, which counts where a search reads every row: no LIKE is leakproof, so under
 * row-level security no index can narrow one.
 */
export function containsSql(expression: string, pattern: string): string {
  return `lower(${expression}) LIKE lower(${pattern})`;
}
