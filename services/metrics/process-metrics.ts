import promClient, { type Registry } from 'prom-client'

let registry: Registry | undefined

/**
 * prom-client's Node process metrics, collected once per process however many apps it builds
 * (the tests build many): each collection starts an event-loop monitor and a GC observer that
 * are never stopped.
 */
export function processMetricsRegistry (): Registry {
  if (registry === undefined) {
    registry = new promClient.Registry()
    promClient.collectDefaultMetrics({ register: registry })
  }
  return registry
}
