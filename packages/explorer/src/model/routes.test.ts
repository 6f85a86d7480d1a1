import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref, type Route } from './routes.js';

describe('explorer routes', () => {
  const examples: [string, Route][] = [
    ['/explorer/', { name: 'search', q: '' }],
    ['/explorer/?q=bailey&category=account', { name: 'search', q: 'bailey', category: 'account' }],
    ['/explorer/?q=b&type=LicenseRenewed', { name: 'search', q: 'b', type: 'LicenseRenewed' }],
    ['/explorer/streams/license-42', { name: 'stream', streamId: 'license-42' }],
    ['/explorer/streams/downloaded-bailey%2Fthe-crown?event=3&order=newest', { name: 'stream', streamId: 'downloaded-bailey/the-crown', event: 3, newestFirst: true }],
    ['/explorer/streams/license-42/time-travel?version=0', { name: 'time-travel', streamId: 'license-42', version: 0 }],
    ['/explorer/log', { name: 'log' }],
    ['/explorer/log?types=LicenseRenewed%2CLicenseAcquired&streamPrefix=license-', { name: 'log', types: 'LicenseRenewed,LicenseAcquired', streamPrefix: 'license-' }],
    ['/explorer/projections', { name: 'projections' }],
    ['/explorer/rules', { name: 'rules' }],
    ['/explorer/customers/bailey', { name: 'customer', customerId: 'bailey' }],
  ];

  it.each(examples)('%s', (href, route) => {
    const url = new URL(href, 'http://x');
    expect(parseRoute(url.pathname, url.search)).toEqual(route);
    expect(routeHref(route)).toBe(href);
  });

  it('ignores bad numbers and unknown paths', () => {
    expect(parseRoute('/explorer/streams/s-1', '?event=abc')).toEqual({ name: 'stream', streamId: 's-1' });
    expect(parseRoute('/explorer/streams/s-1/time-travel', '?version=-1')).toEqual({ name: 'time-travel', streamId: 's-1' });
    expect(parseRoute('/explorer/log', '?types=%20A%2C%2CB%2CA%20&streamPrefix=')).toEqual({ name: 'log', types: 'A,B' });
    expect(parseRoute('/explorer/nope')).toEqual({ name: 'not-found', path: '/explorer/nope' });
    expect(parseRoute('/explorer/streams/%E0%A4%A')).toEqual({ name: 'not-found', path: '/explorer/streams/%E0%A4%A' });
  });
});
