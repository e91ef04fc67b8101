// Addresses an outbound request may not reach unless an allowed entry names them literally: loopback, link-local
// (which holds the clouds' metadata services), unspecified, and the metadata names. Checked on the addresses a
// name resolves to, at connect time, so a name that resolves to 127.0.0.1 is refused too.

import net from 'node:net';

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

export function isMetadataName(host: string): boolean {
  return METADATA_NAMES.has(host.toLowerCase().replace(/\.$/, ''));
}

/** Why an address is refused, or null when it is an ordinary one. */
export function restrictedAddress(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, '');
  const kind = net.isIP(ip);
  if (kind === 4) return restricted4(ip);
  if (kind === 6) {
    const lower = ip.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return restricted4(mapped[1]!);
    if (lower === '::1') return 'loopback';
    if (lower === '::') return 'unspecified';
    if (/^fe[89ab]/.test(lower)) return 'link-local';
    if (lower === 'fd00:ec2::254') return 'metadata';
    return null;
  }
  return null;
}

function restricted4(ip: string): string | null {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (a === 169 && b === 254) return ip === '169.254.169.254' ? 'metadata' : 'link-local';
  if (a === 100 && b === 100 && ip === '100.100.100.200') return 'metadata';
  return null;
}
