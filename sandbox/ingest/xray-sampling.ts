import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The daemon's sampling proxy (TCP, same port as UDP). aws-xray-sdk-core's ServiceConnector POSTs
 * /GetSamplingRules and /SamplingTargets and keeps only rules with Version 1, ResourceARN '*', empty Attributes,
 * a ServiceType, a RuleName, a Priority and a numeric FixedRate. One all-wildcard rule with FixedRate 1 makes the
 * SDK sample every request, which a sandbox wants (the default 1/s + 5% would drop most test traffic).
 */
const RULE_NAME = 'bakeoff-sample-everything';

function samplingRules(now: number): unknown {
  return {
    SamplingRuleRecords: [
      {
        CreatedAt: now,
        ModifiedAt: now,
        SamplingRule: {
          RuleName: RULE_NAME,
          RuleARN: `arn:aws:xray:local:000000000000:sampling-rule/${RULE_NAME}`,
          ResourceARN: '*',
          Priority: 1,
          FixedRate: 1,
          ReservoirSize: 1000,
          ServiceName: '*',
          ServiceType: '*',
          Host: '*',
          HTTPMethod: '*',
          URLPath: '*',
          Version: 1,
          Attributes: {},
        },
      },
    ],
  };
}

/** Targets for every rule the SDK reports statistics for: always FixedRate 1. */
function samplingTargets(request: unknown, now: number): unknown {
  const docs = (request as { SamplingStatisticsDocuments?: Array<{ RuleName?: string }> })
    ?.SamplingStatisticsDocuments;
  const names = new Set((Array.isArray(docs) ? docs : []).map((d) => d?.RuleName).filter(Boolean));
  if (names.size === 0) names.add(RULE_NAME);
  return {
    // Timestamps are epoch seconds, as the X-Ray API writes them.
    LastRuleModification: now,
    SamplingTargetDocuments: [...names].map((RuleName) => ({
      RuleName,
      FixedRate: 1,
      ReservoirQuota: 1000,
      ReservoirQuotaTTL: now + 3600,
      Interval: 10,
    })),
    UnprocessedStatistics: [],
  };
}

const MAX_BODY = 1024 * 1024;

/** Node http handler for the sampling API; everything else is 404. */
export function handleSamplingRequest(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    const path = (req.url ?? '').split('?')[0];
    const now = Math.floor(Date.now() / 1000);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || (path !== '/GetSamplingRules' && path !== '/SamplingTargets')) {
      send(404, {
        message: `no route ${req.method} ${path}: the daemon serves POST /GetSamplingRules, /SamplingTargets`,
      });
      return;
    }
    if (size > MAX_BODY) {
      send(413, { message: 'request body too large' });
      return;
    }
    let body: unknown;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      body = text ? JSON.parse(text) : {};
    } catch {
      send(400, { message: 'request body is not JSON' });
      return;
    }
    send(200, path === '/GetSamplingRules' ? samplingRules(now) : samplingTargets(body, now));
  });
  req.on('error', () => res.destroy());
}
