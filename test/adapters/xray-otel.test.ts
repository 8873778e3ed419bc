import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'xray-otel',
  vendor: 'xray-otel',
  signals: { traces: true, errors: true, logs: false },
});
