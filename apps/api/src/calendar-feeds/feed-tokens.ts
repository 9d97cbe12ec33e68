import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DatabaseError, Pool } from 'pg';
import { inTransaction } from '@punchcard/postgres';
import { v7 as uuidv7 } from 'uuid';
import { Clock, CLOCK, PG_POOL, SYSTEM_POOL } from '../tokens';

/** Whose bookings a feed lists: a schedule's (the host's calendar) or a client's. */
export type FeedOwnerKind = 'schedule' | 'client';
export interface FeedOwner {
  kind: FeedOwnerKind;
  id: string;
}

/** A feed token: `pcf_` and 32 random bytes in base64url (43 characters). It is the feed's only credential. */
export const FEED_TOKEN_PREFIX = 'pcf_';
const TOKEN_FORMAT = /^pcf_[A-Za-z0-9_-]{43}$/;

export interface FeedStatus {
  exists: boolean;
  createdAt: string | null;
}

export interface IssuedFeed {
  token: string;
  createdAt: string;
  /** True when an earlier token of this owner was revoked by this call (a rotation). */
  rotated: boolean;
}

export const hashFeedToken = (token: string): Buffer => createHash('sha256').update(token).digest();

const CREATED_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

/**
 * The `calendar_feed_tokens` table (ADR 0025). A token is shown once, when issued; only its SHA-256 is
 * kept (a 256-bit random secret needs no slow hash). An owner has at most one live token: issuing
 * again rotates (the old token stops answering at once), revoking ends it.
 */
@Injectable()
export class FeedTokens {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SYSTEM_POOL) private readonly systemPool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Issues a new token for the owner, revoking the live one if any (in one transaction). Acts for the tenant. */
  async issue(tenantId: string, owner: FeedOwner): Promise<IssuedFeed> {
    for (let attempt = 0; ; attempt++) {
      const token = `${FEED_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      try {
        return await inTransaction(this.pool, async (db) => {
          const revoked = await db.query(
            'UPDATE calendar_feed_tokens SET revoked_at = now() WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3 AND revoked_at IS NULL',
            [tenantId, owner.kind, owner.id],
          );
          const { rows } = await db.query(
            `INSERT INTO calendar_feed_tokens (id, tenant_id, owner_kind, owner_id, token_hash) VALUES ($1, $2, $3, $4, $5) RETURNING ${CREATED_AT}`,
            [uuidv7({ msecs: this.clock.now().getTime() }), tenantId, owner.kind, owner.id, hashFeedToken(token)],
          );
          return { token, createdAt: rows[0].createdAt, rotated: (revoked.rowCount ?? 0) > 0 };
        });
      } catch (error) {
        // Two rotations at once: the other one's token is live now; rotate again over it.
        if (attempt < 3 && error instanceof DatabaseError && error.code === '23505') continue;
        throw error;
      }
    }
  }

  /** Revokes the owner's live token; false when there was none. */
  async revoke(tenantId: string, owner: FeedOwner): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE calendar_feed_tokens SET revoked_at = now() WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3 AND revoked_at IS NULL',
      [tenantId, owner.kind, owner.id],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Whether the owner has a live feed, and since when (never the token). */
  async status(tenantId: string, owner: FeedOwner): Promise<FeedStatus> {
    const { rows } = await this.pool.query(
      `SELECT ${CREATED_AT} FROM calendar_feed_tokens WHERE tenant_id = $1 AND owner_kind = $2 AND owner_id = $3 AND revoked_at IS NULL`,
      [tenantId, owner.kind, owner.id],
    );
    return rows[0] ? { exists: true, createdAt: rows[0].createdAt } : { exists: false, createdAt: null };
  }

  /**
   * The tenant and owner of a live token, or null. Crosses tenants (the token is the only credential),
   * so it reads through the system pool. Every token, well-formed or not, costs the same: one hash and
   * one lookup of the hash in a unique index; the row found is compared again in constant time.
   */
  async resolve(token: string): Promise<{ tenantId: string; owner: FeedOwner } | null> {
    const hash = hashFeedToken(token.slice(0, 200));
    const { rows } = await this.systemPool.query<{ tenant_id: string; owner_kind: FeedOwnerKind; owner_id: string; token_hash: Buffer }>(
      'SELECT tenant_id, owner_kind, owner_id, token_hash FROM calendar_feed_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = rows[0];
    if (!row || !TOKEN_FORMAT.test(token) || !timingSafeEqual(row.token_hash, hash)) return null;
    return { tenantId: row.tenant_id, owner: { kind: row.owner_kind, id: row.owner_id } };
  }
}
