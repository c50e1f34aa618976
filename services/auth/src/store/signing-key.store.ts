import type { Kysely } from 'kysely';
import type { AuthTables } from './tables.js';

export interface SigningKeyRecord {
  readonly kid: string;
  readonly generation: number;
  readonly createdAt: number;
  readonly activatesAt: number;
  /** Public JWK, JSON text. */
  readonly publicJwk: string;
  /** Sealed PKCS#8 private key (see key-encryption.ts). */
  readonly privateKey: string;
}

/** Access-token signing keys, oldest generation first. */
export class SigningKeyStore {
  constructor(private readonly db: Kysely<AuthTables>) {}

  async list(): Promise<SigningKeyRecord[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('generation').execute();
    return rows.map((row) => ({
      kid: row.kid,
      generation: row.generation,
      createdAt: row.created_at,
      activatesAt: row.activates_at,
      publicJwk: row.public_jwk,
      privateKey: row.private_key,
    }));
  }

  /** Throws a unique violation when another instance created this generation first. */
  async insert(key: SigningKeyRecord): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        generation: key.generation,
        created_at: key.createdAt,
        activates_at: key.activatesAt,
        public_jwk: key.publicJwk,
        private_key: key.privateKey,
      })
      .execute();
  }

  async delete(kids: readonly string[]): Promise<number> {
    if (kids.length === 0) return 0;
    const result = await this.db.deleteFrom('signing_keys').where('kid', 'in', kids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
