/**
 * DNS monitoring routes: home-wide statistics and one host's DNS section. Rules: reads only;
 * the host reference is a bounded string (an unknown address answers an empty section).
 */
import type { FastifyInstance } from 'fastify';
import type { DnsStatsResponse, HostDnsResponse } from '../contract.js';
import type { DnsMonitor } from '../../dns/dns-monitor.js';

/** Registers GET /api/dns/stats and GET /api/hosts/:ref/dns. */
export function dnsRoutes(dns: Pick<DnsMonitor, 'stats' | 'hostSection'>) {
  return (app: FastifyInstance): void => {
    app.get('/api/dns/stats', { schema: { summary: 'DNS: queries, blocked share, top domains, top devices' } }, async (): Promise<DnsStatsResponse> => dns.stats());
    app.get<{ Params: { ref: string } }>(
      '/api/hosts/:ref/dns',
      {
        schema: {
          summary: 'DNS section of one host: query statistics and new domains',
          params: { type: 'object', properties: { ref: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['ref'] },
        },
      },
      async (req): Promise<HostDnsResponse> => dns.hostSection(req.params.ref),
    );
  };
}
