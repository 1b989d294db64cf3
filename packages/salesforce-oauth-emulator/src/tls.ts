/**
 * The certificates of the HTTPS mode, made at start with node:crypto alone: a throwaway CA, and a
 * server certificate it signs for the emulator's local names and addresses. Clients trust the CA
 * (exported as `RunningEmulator.ca`) and verify the server as they would Salesforce, with no
 * switch that turns verification off. Node can make keys and signatures but not certificates,
 * so the X.509 structures (RFC 5280) are DER-encoded here; there is nothing else to encode.
 * Kept by hand on purpose: the package runs on a bare Node 18.20 with no runtime dependency, and
 * the certificate libraries (@peculiar/x509, and selfsigned on top of it) want Node 20 or 22,
 * node-forge would be a 1.7 MB dependency, and `openssl` is not on every machine.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/** The PEM texts an HTTPS server and its clients need. */
export interface TlsMaterial {
  /** The server certificate's private key (PKCS #8). */
  key: string;
  /** The server certificate. */
  cert: string;
  /** The CA certificate that signed it: what clients trust. */
  ca: string;
}

// ---------------------------------------------------------------------------------------------
// DER (X.690), just the types a certificate uses.

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const lengthBytes = Buffer.from(length.toString(16).padStart(length > 0xffff ? 6 : length > 0xff ? 4 : 2, '0'), 'hex');
  return Buffer.concat([Buffer.from([tag, 0x80 | lengthBytes.length]), lengthBytes, content]);
}

const sequence = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => der(0x04, content);
/** A BIT STRING of whole bytes, or of the bits set in `content` (`unusedBits` trailing zeros). */
const bitString = (content: Buffer, unusedBits = 0): Buffer => der(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));
const utf8String = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
const booleanTrue = (): Buffer => der(0x01, Buffer.from([0xff]));
/** `[n] EXPLICIT`. */
const explicit = (n: number, content: Buffer): Buffer => der(0xa0 + n, content);
/** `[n] IMPLICIT` of a primitive type. */
const implicit = (n: number, content: Buffer): Buffer => der(0x80 + n, content);

/** A non-negative INTEGER from its big-endian bytes. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && ((bytes[start + 1] ?? 0) & 0x80) === 0) start++;
  const trimmed = bytes.subarray(start);
  return der(0x02, ((trimmed[0] ?? 0) & 0x80) === 0 ? trimmed : Buffer.concat([Buffer.from([0]), trimmed]));
}

function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift(0x80 | (value & 0x7f));
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime (`YYMMDDHHMMSSZ`), which RFC 5280 requires for dates before 2050. */
function utcTime(date: Date): Buffer {
  return der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
}

// ---------------------------------------------------------------------------------------------
// X.509 (RFC 5280).

const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(objectIdentifier(OID.organizationName), utf8String('salesforce-oauth-emulator'))),
    set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))),
  );
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [booleanTrue()] : []), octetString(value));
}

/** SHA-1 of the public key, RFC 5280 §4.2.1.2's usual key identifier. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
}

/** `dNSName` or `iPAddress` entries of a subjectAltName. */
function generalName(host: string): Buffer {
  const version = isIP(host);
  if (version === 0) return implicit(2, Buffer.from(host, 'ascii'));
  if (version === 4) return implicit(7, Buffer.from(host.split('.').map(Number)));
  // IPv6: expand `::` and write the eight 16-bit groups.
  const [head = '', tail = ''] = host.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = host.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return implicit(7, Buffer.from(groups.map((group) => group.padStart(4, '0')).join(''), 'hex'));
}

interface CertificateFields {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerKeyId: Buffer;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function certificate(fields: CertificateFields): Buffer {
  const algorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  // A positive serial of 16 random bytes, as RFC 5280 §4.1.2.2 wants (unpredictable, at most 20 bytes).
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name(fields.issuer),
    sequence(utcTime(fields.notBefore), utcTime(fields.notAfter)),
    name(fields.subject),
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(fields.publicKey))),
        extension(OID.authorityKeyIdentifier, false, sequence(implicit(0, fields.issuerKeyId))),
        ...fields.extensions,
      ),
    ),
  );
  // ECDSA signatures from node:crypto are DER (r, s) already, as X.509 wants them.
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, fields.signingKey)));
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** How long the certificates are valid: long enough for any emulator run, from an hour ago (clock skew). */
const VALIDITY_MS = 365 * 24 * 3600 * 1000;
const BACKDATE_MS = 3600 * 1000;

/**
 * A new CA, and a server certificate it signs for `hosts` (DNS names and IP addresses). Both keys
 * are ECDSA P-256: fast to make, and accepted by every TLS client.
 */
export function createTlsMaterial(hosts: readonly string[], now = new Date()): TlsMaterial {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now.getTime() + VALIDITY_MS);
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serverKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeyId = keyIdentifier(caKeys.publicKey);
  // A name of its own per run, so a CA trusted for one emulator says so when it meets another's.
  const caName = `Salesforce OAuth Emulator CA ${randomBytes(4).toString('hex')}`;

  const ca = certificate({
    subject: caName,
    issuer: caName,
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    issuerKeyId: caKeyId,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence(booleanTrue())),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000011x, the last bit unused.
      extension(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)),
    ],
  });
  const server = certificate({
    subject: hosts[0] ?? 'localhost',
    issuer: caName,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    issuerKeyId: caKeyId,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      // digitalSignature (bit 0), the other seven bits unused.
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
      extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
      extension(OID.subjectAltName, false, sequence(...hosts.map(generalName))),
    ],
  });
  return {
    key: serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: pem('CERTIFICATE', server),
    ca: pem('CERTIFICATE', ca),
  };
}
