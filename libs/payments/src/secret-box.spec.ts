import { randomBytes } from 'node:crypto';
import { generateSecretsKey, parseSecretsKey, SecretBox } from './secret-box';

const box = new SecretBox(randomBytes(32));

describe('SecretBox (AES-256-GCM)', () => {
  it('opens what it sealed, in the same context', () => {
    const sealed = box.encrypt('sk_test_51Secret', 'tenant-a/secret_key');
    expect(sealed.toString('utf8')).not.toContain('sk_test_51Secret');
    expect(box.decrypt(sealed, 'tenant-a/secret_key')).toBe('sk_test_51Secret');
  });

  it('seals the same secret differently every time (random nonce)', () => {
    expect(box.encrypt('whsec_x', 'c').equals(box.encrypt('whsec_x', 'c'))).toBe(false);
  });

  it('refuses another context, a flipped bit and another key', () => {
    const sealed = box.encrypt('sk_test_51Secret', 'tenant-a/secret_key');
    expect(() => box.decrypt(sealed, 'tenant-b/secret_key')).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1] ^= 1;
    expect(() => box.decrypt(flipped, 'tenant-a/secret_key')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'tenant-a/secret_key')).toThrow();
    expect(() => box.decrypt(Buffer.from([9, 1, 2]), 'tenant-a/secret_key')).toThrow();
  });

  it('reads the key as hex or base64, 32 bytes only', () => {
    const hex = randomBytes(32).toString('hex');
    expect(parseSecretsKey(hex)).toEqual(Buffer.from(hex, 'hex'));
    expect(parseSecretsKey(generateSecretsKey())).toHaveLength(32);
    expect(() => parseSecretsKey('too-short')).toThrow(/32 bytes/);
  });
});
