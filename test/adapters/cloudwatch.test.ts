import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'cloudwatch',
  vendor: 'cloudwatch',
  signals: { traces: false, errors: false, logs: true },
});
