import { mayHoldWpad, searchDomains, wpadUrls } from '../../../src/proxy/discovery/wpad';

describe('WPAD: the URLs tried, from the resolv.conf search list', () => {
  it('longest suffix first, stopping at the organisation, never a bare TLD', () => {
    expect(wpadUrls(['eng.lon.corp.example'])).toEqual([
      'http://wpad.eng.lon.corp.example/wpad.dat',
      'http://wpad.lon.corp.example/wpad.dat',
      'http://wpad.corp.example/wpad.dat',
    ]);
  });

  it('stops above two-level public suffixes (co.uk, com.au), each domain of the list in turn, each URL once', () => {
    expect(wpadUrls(['office.acme.co.uk', 'acme.co.uk.', 'uni.ac.jp', 'localdomain'])).toEqual([
      'http://wpad.office.acme.co.uk/wpad.dat',
      'http://wpad.acme.co.uk/wpad.dat',
      'http://wpad.uni.ac.jp/wpad.dat',
    ]);
    expect(['co.uk', 'com.au', 'uk', 'example', ''].map(mayHoldWpad)).toEqual([false, false, false, false, false]);
    expect(['corp.example', 'acme.de', 'google.com'].map(mayHoldWpad)).toEqual([true, true, true]);
  });

  it('reads search (or domain) from resolv.conf, the last line winning', () => {
    expect(searchDomains('nameserver 10.0.0.1\ndomain old.example\nsearch corp.example lab.corp.example # comment\n')).toEqual(['corp.example', 'lab.corp.example']);
    expect(searchDomains('nameserver 10.0.0.1\n')).toEqual([]);
  });
});
