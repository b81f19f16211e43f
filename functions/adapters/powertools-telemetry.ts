import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
import type { MetricsSink } from '../core/ports';

/** The Powertools service and CloudWatch namespace of every metric; the stack's alarms read these. */
export const SERVICE_NAME = 'compare-watch';
export const METRICS_NAMESPACE = 'CompareWatch';

/** Metrics as CloudWatch EMF lines, one per data point so each can carry its own dimensions. */
export function powertoolsMetrics(metrics: Metrics): MetricsSink {
  const emit = (name: string, unit: Unit, value: number, dimensions: Record<string, string> = {}) => {
    const single = metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    single.addMetric(name, unit, value);
  };
  return {
    count: (name, dimensions, value = 1) => emit(name, MetricUnit.Count, value, dimensions),
    milliseconds: (name, value, dimensions) => emit(name, MetricUnit.Milliseconds, value, dimensions),
  };
}
