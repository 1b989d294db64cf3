import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';
import { KeyPairPool, SigningKeyring, sharedKeyPairPool } from '../src/keys.js';

describe('SigningKeyring', () => {
  it('starts with kid 188 ready to sign, and rotates through 190, 192', async () => {
    const keyring = await SigningKeyring.create(new KeyPairPool());
    expect(keyring.signingKey().kid).toBe('188');
    expect(keyring.published().map((key) => key.kid)).toEqual(['188']);
    expect(await keyring.rotate()).toBe('190');
    expect(await keyring.rotate()).toBe('192');
    expect(keyring.signingKey().kid).toBe('192');
    expect(keyring.published().map((key) => key.kid)).toEqual(['188', '190', '192']);
    expect(new Set(keyring.published().map((key) => key.n)).size).toBe(3);
  });

  it('keeps its unpublished key out of the published set, and the same one across calls', async () => {
    const keyring = await SigningKeyring.create(new KeyPairPool());
    const unpublished = await keyring.unpublishedKey();
    expect(unpublished.kid).toBe('187');
    expect(await keyring.unpublishedKey()).toBe(unpublished);
    expect(keyring.published().map((key) => key.n)).not.toContain(unpublished.publicJwk.n);
  });

  it('hands every pair back on release, after pending rotations, for the next keyring to reuse', async () => {
    const pool = new KeyPairPool();
    const first = await SigningKeyring.create(pool);
    await first.unpublishedKey();
    const rotation = first.rotate();
    const released = first.release();
    expect(await rotation).toBe('190');
    await released;
    expect(pool.idleCount).toBe(3);

    expect(first.published()).toEqual([]);
    const second = await SigningKeyring.create(pool);
    expect(pool.idleCount).toBe(2);
    expect(second.signingKey().kid).toBe('188');
  });

  it('never gives one pair to two keyrings alive at the same time', async () => {
    const pool = new KeyPairPool();
    const keyrings = await Promise.all([SigningKeyring.create(pool), SigningKeyring.create(pool), SigningKeyring.create(pool)]);
    const moduli = keyrings.map((keyring) => keyring.signingKey().publicJwk.n);
    expect(new Set(moduli).size).toBe(3);
  });
});

describe('emulator key pairs', () => {
  it('are taken at startup and returned to the shared pool by close()', async () => {
    const emulator = await startEmulator();
    const idleWhileRunning = sharedKeyPairPool.idleCount;
    const { keys } = (await (await fetch(`${emulator.url}/id/keys`)).json()) as { keys: { n: string }[] };
    await emulator.close();
    expect(sharedKeyPairPool.idleCount).toBe(idleWhileRunning + 1);

    const next = await startEmulator();
    try {
      const reused = (await (await fetch(`${next.url}/id/keys`)).json()) as { keys: { n: string }[] };
      expect(reused.keys[0]?.n).toBe(keys[0]?.n);
      expect(sharedKeyPairPool.idleCount).toBe(idleWhileRunning);
    } finally {
      await next.close();
    }
  });
});
