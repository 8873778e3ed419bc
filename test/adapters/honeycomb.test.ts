import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'honeycomb',
  vendor: 'honeycomb',
  signals: { traces: true, errors: true, logs: false },
});
