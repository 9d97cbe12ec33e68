import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { ApiError } from '../http/problem';
import { PG_POOL, SYSTEM_POOL } from '../tokens';

/**
 * A storefront slug: 3 to 63 lower-case letters, digits and hyphens, starting and ending with a letter
 * or digit (a DNS label, so it also fits a subdomain). The table checks the same pattern.
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;

export interface StorefrontSettings {
  /** The slug that names the business in public storefront URLs; null = no public storefront. */
  slug: string | null;
  updatedAt: string | null;
}

const notFound = () => new ApiError(404, 'storefront_not_found', 'No business has a storefront at this address.');

/**
 * The `storefronts` table: which tenant a public slug names. Publishing is opt-in: a tenant without a
 * row has no public storefront. Reading a slug crosses tenants (the request has no credential yet), so
 * it goes through the system pool; a tenant's own row is read and written acting for that tenant.
 */
@Injectable()
export class StorefrontDirectory {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
  ) {}

  /** The tenant whose storefront this slug is; 404 storefront_not_found for anything else (including a malformed slug). */
  async tenantOf(slug: string): Promise<string> {
    if (!SLUG_PATTERN.test(slug)) throw notFound();
    const { rows } = await this.systemPool.query<{ tenant_id: string }>('SELECT tenant_id FROM storefronts WHERE slug = $1', [slug]);
    if (!rows[0]) throw notFound();
    return rows[0].tenant_id;
  }

  async settings(tenantId: string): Promise<StorefrontSettings> {
    const { rows } = await this.pool.query(`SELECT slug, ${UPDATED_AT} FROM storefronts WHERE tenant_id = $1`, [tenantId]);
    return rows[0] ?? { slug: null, updatedAt: null };
  }

  /**
   * Publishes the storefront under `slug` (or moves it there: the old slug stops answering at once and
   * is free for any business to take), or unpublishes it with null. 409 slug_taken when another
   * business has the slug. Setting the slug it already has changes nothing.
   */
  async setSlug(tenantId: string, slug: string | null): Promise<StorefrontSettings> {
    if (slug === null) {
      await this.pool.query('DELETE FROM storefronts WHERE tenant_id = $1', [tenantId]);
      return { slug: null, updatedAt: null };
    }
    try {
      const { rows } = await this.pool.query(
        `INSERT INTO storefronts (tenant_id, slug) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET slug = EXCLUDED.slug, updated_at = now() WHERE storefronts.slug <> EXCLUDED.slug
         RETURNING slug, ${UPDATED_AT}`,
        [tenantId, slug],
      );
      return rows[0] ?? (await this.settings(tenantId));
    } catch (error) {
      if ((error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'storefronts_slug') {
        throw new ApiError(409, 'slug_taken', `Another business already has the storefront slug "${slug}". Choose another.`);
      }
      throw error;
    }
  }
}

const UPDATED_AT = `to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"`;
