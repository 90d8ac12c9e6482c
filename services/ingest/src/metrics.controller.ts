import { Controller, Get, Header } from '@nestjs/common';
import { metricsText, METRICS_CONTENT_TYPE } from '@memfabric/telemetry-node';
import { Public } from './security/access.decorator.js';

/**
 * `GET /metrics`: the process's Prometheus series (`memfabric_*` and prom-client's process
 * metrics) in the text exposition format. Public like `/health/*`: the series carry no tenant
 * data (every label value is a bounded set: event types, projections, partitions, channels,
 * presets), and a scraper holds no tenant credential. Bind the port to a private network, or
 * put the route behind the ingress's own rule, where the numbers themselves must not be seen.
 */
@Controller('metrics')
@Public()
export class MetricsController {
  @Get()
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return metricsText();
  }
}
