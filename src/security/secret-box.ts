import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { sha256Hex } from './sha256.js';

/** Encrypts and decrypts small secrets at rest with AES-256-GCM. */
export interface SecretBox {
  /** Encrypts `plaintext`; the output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  seal(plaintext: string): string;
  /** Decrypts what {@link SecretBox.seal} produced; throws when the text was tampered with. */
  open(sealed: string): string;
}

/** A secret box keyed by `secretKey` (any string of 32+ characters; hashed to 256 bits). */
export function secretBox(secretKey: string): SecretBox {
  const key = createHash('sha256').update(`herald-secrets:${secretKey}`).digest();
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return ['v1', iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(
        '.',
      );
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined)
        throw new Error('Unrecognised sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}

/** SHA-256 of a high-entropy token, hex; tokens are random, so no slow hash is needed. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}
