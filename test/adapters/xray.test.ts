import { annotationKey } from '../../adapters/xray-entities';
import { conformanceSuite } from './suite';

conformanceSuite({
  observability: 'xray',
  vendor: 'xray',
  signals: { traces: true, errors: true, logs: false },
  key: annotationKey,
});
