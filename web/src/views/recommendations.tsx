/**
 * Recommendations: prioritised hardening suggestions from the inventory, each with why,
 * how, and the devices concerned. Rules: sorted by priority (critical first); device labels
 * are text and link to the Hosts view.
 */
import type { RecommendationsResponse, Severity } from '../api/types';
import { useApi } from '../api/use-api';
import { Empty, ErrorNote, Loading, SeverityBadge } from '../components/ui';
import { href } from '../lib/route';

const ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export function RecommendationsView() {
  const r = useApi<RecommendationsResponse>('api/recommendations', ['devices', 'findings', 'scan', 'vulnerabilities', 'flows']);
  if (!r.data) return r.error ? <ErrorNote error={r.error} onRetry={r.reload} /> : <Loading what="recommendations" />;
  const list = [...r.data.recommendations].sort((a, b) => ORDER.indexOf(a.priority) - ORDER.indexOf(b.priority));
  return (
    <div class="view" data-testid="view-recommendations">
      <h1 class="view-title">Recommendations</h1>
      <ErrorNote error={r.error} onRetry={r.reload} />
      {list.length === 0 ? (
        <Empty>Nothing to recommend right now.</Empty>
      ) : (
        <ol class="recs" data-testid="recommendation-list">
          {list.map((x) => (
            <li key={x.id} class="card rec" data-testid="recommendation">
              <header class="rec-head">
                <SeverityBadge severity={x.priority} />
                <h2>{x.title}</h2>
              </header>
              <p>
                <strong>Why: </strong>
                {x.why}
              </p>
              <p>
                <strong>How: </strong>
                {x.how}
              </p>
              {x.deviceCount > 0 && (
                <p class="small">
                  <strong>Devices ({x.deviceCount}): </strong>
                  {x.devices.map((d, i) => (
                    <span key={d.id}>
                      {i > 0 ? ', ' : ''}
                      <a href={href('hosts', d.ip ?? String(d.id))}>{d.label}</a>
                    </span>
                  ))}
                  {x.deviceCount > x.devices.length && <span class="muted"> and {x.deviceCount - x.devices.length} more</span>}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
