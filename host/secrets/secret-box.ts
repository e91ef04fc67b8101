// Secrets at rest: AES-256-GCM (node:crypto) under the host's secret key, which lives outside the data dir
// (secrets/secret-key.ts). A sealed value is "v1:" + base64(12-byte IV | 16-byte tag | ciphertext), bound to the
// function and secret name as associated data, so a sealed value copied to another name does not open. Its digest
// (an HMAC under a key derived from the same key) stands for it in the version hash: equal configs deploy to the
// same version without the hash saying anything about the value.

import crypto from 'node:crypto';
import { WasmfnError } from '../errors.js';

export interface SealedSecret {
  sealed: string;
  digest: string;
}

export class SecretBox {
  private keys: { enc: Buffer; mac: Buffer } | null = null;

  /** `key` is called the first time a secret is sealed or opened: hosts without secrets never make a key file. */
  constructor(private readonly key: () => Buffer) {}

  private get k(): { enc: Buffer; mac: Buffer } {
    if (!this.keys) {
      const master = this.key();
      if (master.byteLength !== 32) throw new WasmfnError('internal', 'the secret key must be 32 bytes');
      const derive = (info: string) => Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
      this.keys = { enc: derive('wasmfn secrets aes-256-gcm'), mac: derive('wasmfn secrets digest') };
    }
    return this.keys;
  }

  seal(fn: string, name: string, value: string): SealedSecret {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.k.enc, iv);
    cipher.setAAD(Buffer.from(`${fn}\0${name}`));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const sealed = `v1:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64')}`;
    const digest = crypto.createHmac('sha256', this.k.mac).update(`${fn}\0${name}\0${value}`).digest('hex').slice(0, 32);
    return { sealed, digest };
  }

  open(fn: string, name: string, s: SealedSecret): string {
    const raw = s.sealed.startsWith('v1:') ? Buffer.from(s.sealed.slice(3), 'base64') : Buffer.alloc(0);
    try {
      if (raw.byteLength < 28) throw new Error('too short');
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.k.enc, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${fn}\0${name}`));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      // Never the value, nor the sealed text: only which secret did not open.
      throw new WasmfnError('internal', `secret "${name}" of function "${fn}" does not open with this host's secret key (WASMFN_SECRET_KEY differs from the one it was sealed with)`);
    }
  }
}
