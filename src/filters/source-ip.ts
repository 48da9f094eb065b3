/** `--source-ip`: addresses and CIDR blocks, IPv4 and IPv6, matched with Node's own BlockList. */
import { net } from '../util/lazy-builtins.js';

export type AddressMatcher = (address: string) => boolean;

/**
 * CloudTrail documentation examples write IPv4 with leading zeros (`172.01.01.001`), which
 * `isIP` rejects; read each part as a number.
 */
export function normaliseAddress(address: string): string {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address.trim());
  if (!parts) return address.trim();
  return parts.slice(1).map((p) => String(Number(p))).join('.');
}

/** Builds a matcher, or returns the first value that is neither an IP address nor a CIDR block. */
export function compileAddressPatterns(values: readonly string[]): AddressMatcher | { invalid: string } {
  // One list per family: BlockList treats IPv4 as ::ffff:a.b.c.d, so `::/0` would contain IPv4.
  const v4 = new (net().BlockList)();
  const v6 = new (net().BlockList)();
  for (const value of values) {
    const [rawAddress, prefix, extra] = value.split('/');
    const address = normaliseAddress(rawAddress);
    const family = net().isIP(address);
    if (family === 0 || extra !== undefined) return { invalid: value };
    const list = family === 4 ? v4 : v6;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return { invalid: value };
    list.addSubnet(address, bits, type);
  }
  return (raw: string) => {
    const address = normaliseAddress(raw);
    const family = net().isIP(address);
    // sourceIPAddress is often a service name ("AWS Internal", "ec2.amazonaws.com"): never an IP match.
    if (family === 4) return v4.check(address, 'ipv4');
    if (family === 6) return v6.check(address, 'ipv6');
    return false;
  };
}
