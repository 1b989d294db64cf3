/**
 * The RS256 keys the emulator signs id_tokens with, and the JWKS (`/id/keys`) that publishes them
 * (salesforce-behaviour.md §7.2). Emulators running at the same time never share a key, so none accepts
 * another's id_tokens.
 */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

/** An RSA key pair. node:crypto rather than jose: jose needs the WebCrypto global, which Node 18 lacks. */
export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** A public key as `/id/keys` lists it, in Salesforce's member order. */
export interface PublishedJwk {
  kty: 'RSA';
  n: string;
  e: string;
  alg: 'RS256';
  use: 'sig';
  kid: string;
}

export interface SigningKey {
  kid: string;
  pair: KeyPair;
  publicJwk: PublishedJwk;
}

/** Salesforce's kids are short numeric strings ("188", "190", "192"…): rotation continues the series. */
const FIRST_KID = 188;
const KID_STEP = 2;
/** Odd, so the even series of published kids can never reach it. */
const UNPUBLISHED_KID = String(FIRST_KID - 1);

/**
 * RSA key pairs for the emulators of this process. Generating one costs ~100 ms of CPU (far more
 * on a loaded CI machine), and a test suite starts hundreds of short-lived emulators: so a closed
 * emulator's pairs go back to the pool for the next one, and only emulators alive at the same time
 * need distinct pairs. Each pair is held by one emulator at a time.
 */
export class KeyPairPool {
  private readonly idle: KeyPair[] = [];

  /** A pair no running emulator holds: an idle one, else a new one. */
  async take(): Promise<KeyPair> {
    return this.idle.pop() ?? generateRsaKeyPair('rsa', { modulusLength: 2048 });
  }

  /** Makes pairs their holder no longer uses available to the next emulator. */
  giveBack(pairs: readonly KeyPair[]): void {
    this.idle.push(...pairs);
  }

  get idleCount(): number {
    return this.idle.length;
  }
}

/** The pool every emulator of this process draws from, unless given its own. */
export const sharedKeyPairPool = new KeyPairPool();

async function createSigningKey(kid: string, pool: KeyPairPool): Promise<SigningKey> {
  const pair = await pool.take();
  try {
    const { n, e } = pair.publicKey.export({ format: 'jwk' });
    if (n === undefined || e === undefined) throw new Error('RSA public key exported without n or e');
    return { kid, pair, publicJwk: { kty: 'RSA', n, e, alg: 'RS256', use: 'sig', kid } };
  } catch (error) {
    pool.giveBack([pair]);
    throw error;
  }
}

/** One emulator's published keys, the newest of which signs, and the one key it never publishes. */
export class SigningKeyring {
  /** Oldest first; the last one signs. */
  private readonly keys: SigningKey[];
  /** Rotations in progress, chained so they land in call order. */
  private rotations: Promise<unknown> = Promise.resolve();
  /** For id_tokens that must fail verification; created on first use. */
  private unpublished: Promise<SigningKey> | undefined;
  private nextKid = FIRST_KID + KID_STEP;

  private constructor(
    first: SigningKey,
    private readonly pool: KeyPairPool,
  ) {
    this.keys = [first];
  }

  /** A keyring with its first key ready, so no id_token request ever waits for key generation. */
  static async create(pool: KeyPairPool = sharedKeyPairPool): Promise<SigningKeyring> {
    return new SigningKeyring(await createSigningKey(String(FIRST_KID), pool), pool);
  }

  signingKey(): SigningKey {
    const newest = this.keys.at(-1);
    if (newest === undefined) throw new Error('the keyring is empty');
    return newest;
  }

  /** Every published public key, oldest first. */
  published(): PublishedJwk[] {
    return this.keys.map((key) => key.publicJwk);
  }

  /** Adds a new key and makes it the signing key; older keys stay published. Resolves to the new kid. */
  rotate(): Promise<string> {
    const kid = String(this.nextKid);
    this.nextKid += KID_STEP;
    const rotation = this.rotations.then(async () => {
      this.keys.push(await createSigningKey(kid, this.pool));
      return kid;
    });
    this.rotations = rotation.catch(() => {}); // one failed rotation must not block the next
    return rotation;
  }

  unpublishedKey(): Promise<SigningKey> {
    this.unpublished ??= createSigningKey(UNPUBLISHED_KID, this.pool);
    return this.unpublished;
  }

  /** Hands every pair back to the pool once pending work has settled; the keyring must not be used after. */
  async release(): Promise<void> {
    await this.rotations;
    const unpublished = await this.unpublished?.catch(() => undefined);
    this.pool.giveBack([...this.keys, ...(unpublished === undefined ? [] : [unpublished])].map((key) => key.pair));
    this.keys.length = 0;
  }
}
