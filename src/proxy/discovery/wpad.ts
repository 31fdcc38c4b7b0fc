import { readFileSync } from 'node:fs';

/**
 * Second-level labels under which organisations register their names (example.co.uk): a WPAD
 * search must stop above them as it stops above a bare TLD, or wpad.co.uk, which anyone can
 * register, would hand out the proxy of everyone whose search domain ends in .co.uk. A short list
 * rather than the whole Public Suffix List: it only has to stop the walk one label too early, never
 * to allow a name.
 */
const TWO_LEVEL_SUFFIXES = new Set(
  ['ac', 'co', 'com', 'edu', 'gov', 'govt', 'ltd', 'mil', 'net', 'ne', 'nhs', 'or', 'org', 'plc', 'sch', 'gob', 'go', 'nic'],
);

/** Whether `domain` may carry a wpad host: at least two labels, and not a two-level public suffix (co.uk, com.au). */
export function mayHoldWpad(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((l) => l === '')) return false;
  if (labels.length === 2 && TWO_LEVEL_SUFFIXES.has(labels[0] as string) && (labels[1] as string).length === 2) return false;
  return true;
}

/**
 * The WPAD URLs to try for these search domains, in order: for each domain, longest suffix first
 * (wpad.a.corp.example, then wpad.corp.example), stopping at the organisation's domain (see
 * mayHoldWpad); each URL once.
 */
export function wpadUrls(searchDomains: readonly string[]): string[] {
  const urls: string[] = [];
  for (const raw of searchDomains) {
    let domain = raw.trim().toLowerCase().replace(/\.$/, '');
    while (mayHoldWpad(domain)) {
      const url = `http://wpad.${domain}/wpad.dat`;
      if (!urls.includes(url)) urls.push(url);
      domain = domain.slice(domain.indexOf('.') + 1);
    }
  }
  return urls;
}

/** The search list of a resolv.conf text (`search` or the older `domain`; the last line wins, as in the resolver). */
export function searchDomains(resolvConf: string): string[] {
  let found: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*(search|domain)\s+(.+?)\s*$/.exec(line.replace(/[#;].*$/, ''));
    if (m) found = (m[2] as string).split(/\s+/);
  }
  return found;
}

/** The search list of /etc/resolv.conf (or `path`); empty when it cannot be read. */
export function systemSearchDomains(path = '/etc/resolv.conf'): string[] {
  try {
    return searchDomains(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}
