/** The tenant a transaction or session acts for (set by the tenant pool, ADR 0014 and 0027). */
export const TENANT = `current_setting('punchcard.tenant_id', true)`;

/**
 * Row-level security for a tenant table: forced (the owner too), rows of the current tenant only, and
 * every row for punchcard_system. The text is part of recorded migrations: keep it as it is.
 */
export function isolate(table: string, tenantColumn = 'tenant_id'): string {
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_rows ON ${table} USING (${tenantColumn} = ${TENANT}) WITH CHECK (${tenantColumn} = ${TENANT});
    CREATE POLICY system_rows ON ${table} TO punchcard_system USING (true) WITH CHECK (true);`;
}
