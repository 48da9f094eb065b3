/** `--source-ip`: addresses and CIDR blocks, IPv4 and IPv6, matched with Node's own BlockList. */
import { BlockList, isIP } from 'node:net';

export type AddressMatcher = (address: string) => boolean;

/** Builds a matcher, or returns the first value that is neither an IP address nor a CIDR block. */
export function compileAddressPatterns(values: readonly string[]): AddressMatcher | { invalid: string } {
  const list = new BlockList();
  for (const value of values) {
    const [address, prefix, extra] = value.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return { invalid: value };
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return { invalid: value };
    list.addSubnet(address, bits, type);
  }
  return (address: string) => {
    const family = isIP(address);
    // sourceIPAddress is often a service name ("AWS Internal", "ec2.amazonaws.com"): never an IP match.
    if (family === 0) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
