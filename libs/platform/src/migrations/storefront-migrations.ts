import { Migration } from '@punchcard/postgres';

/**
 * A business's public storefront (issue 12): the slug that names it in public URLs
 * (`/v1/storefront/{slug}/offerings`). A tenant without a row has no public storefront: publishing is
 * a choice of its admins. Slugs are unique across tenants; looking one up crosses tenants, so only
 * `punchcard_system` may read every row, while `punchcard_app` sees and sets its own tenant's only.
 */
export const storefrontMigrations: Migration[] = [
  {
    id: 'storefront-001-slugs',
    sql: `
      CREATE TABLE storefronts (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        slug text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT storefronts_slug_format CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$')
      );
      CREATE UNIQUE INDEX storefronts_slug ON storefronts (slug);
      ALTER TABLE storefronts ENABLE ROW LEVEL SECURITY;
      ALTER TABLE storefronts FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_rows ON storefronts USING (tenant_id::text = current_setting('punchcard.tenant_id', true))
        WITH CHECK (tenant_id::text = current_setting('punchcard.tenant_id', true));
      CREATE POLICY system_rows ON storefronts TO punchcard_system USING (true) WITH CHECK (true);
      GRANT SELECT, INSERT, UPDATE, DELETE ON storefronts TO punchcard_app;
      GRANT SELECT ON storefronts TO punchcard_system;
    `,
  },
];
