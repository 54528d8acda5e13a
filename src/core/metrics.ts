/**
 * Metrics registry. Rules: everything that moves gets a counter; names are Prometheus-style
 * (`homesec_<what>_total` for counters), label values are bounded by the caller (never raw
 * attacker-controlled strings without a cap: see MAX_SERIES). Rendering follows the
 * Prometheus text exposition format 0.0.4.
 */

export type Labels = Record<string, string>;

/** Series per metric beyond which new label sets are folded into one `overflow` series. */
export const MAX_SERIES = 1000;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  series: Map<string, { labels: Labels; value: number }>;
}

export interface Metrics {
  /** Adds n (default 1) to a counter. */
  inc(name: string, labels?: Labels, n?: number): void;
  /** Sets a gauge. */
  set(name: string, value: number, labels?: Labels): void;
  /** Current value (0 when never touched). */
  get(name: string, labels?: Labels): number;
  /** Declares help text and type (optional; undeclared metrics default to counters). */
  describe(name: string, type: 'counter' | 'gauge', help: string): void;
  /** Prometheus text format. */
  render(): string;
  /** Plain snapshot, for health views and tests. */
  snapshot(): Record<string, { labels: Labels; value: number }[]>;
}

function keyOf(labels: Labels | undefined): string {
  if (!labels) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const families = new Map<string, Family>();
  const family = (name: string, type: 'counter' | 'gauge' = 'counter'): Family => {
    let f = families.get(name);
    if (!f) {
      f = { help: name, type, series: new Map() };
      families.set(name, f);
    }
    return f;
  };
  const series = (f: Family, labels: Labels | undefined) => {
    const k = keyOf(labels);
    let s = f.series.get(k);
    if (!s) {
      if (f.series.size >= MAX_SERIES) {
        const ok = keyOf({ overflow: 'true' });
        s = f.series.get(ok);
        if (!s) {
          s = { labels: { overflow: 'true' }, value: 0 };
          f.series.set(ok, s);
        }
        return s;
      }
      s = { labels: { ...(labels ?? {}) }, value: 0 };
      f.series.set(k, s);
    }
    return s;
  };
  return {
    inc(name, labels, n = 1) {
      series(family(name), labels).value += n;
    },
    set(name, value, labels) {
      series(family(name, 'gauge'), labels).value = value;
    },
    get(name, labels) {
      return families.get(name)?.series.get(keyOf(labels))?.value ?? 0;
    },
    describe(name, type, help) {
      const f = family(name, type);
      f.type = type;
      f.help = help;
    },
    render() {
      const out: string[] = [];
      for (const [name, f] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
        out.push(`# HELP ${name} ${f.help.replace(/\n/g, ' ')}`, `# TYPE ${name} ${f.type}`);
        for (const s of f.series.values()) {
          const lbl = Object.entries(s.labels)
            .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
            .join(',');
          out.push(`${name}${lbl ? `{${lbl}}` : ''} ${s.value}`);
        }
      }
      return `${out.join('\n')}\n`;
    },
    snapshot() {
      const snap: Record<string, { labels: Labels; value: number }[]> = {};
      for (const [name, f] of families) snap[name] = [...f.series.values()].map((s) => ({ ...s }));
      return snap;
    },
  };
}
