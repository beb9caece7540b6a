import { hostname } from 'node:os';
import {
  Controller,
  Get,
  Res,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Response } from 'express';
import { NatsClient } from '@ztsdb/platform';
import { QueryService } from '../query.service';
import { ClusterStatusReader } from './cluster-status';

/** `GET /status/cluster`: the cluster at a glance, as JSON (docs/operations.md). */
@Controller()
export class ClusterStatusController implements OnApplicationBootstrap, OnApplicationShutdown {
  private reader: ClusterStatusReader | undefined;

  constructor(
    private readonly nats: NatsClient,
    private readonly queries: QueryService,
  ) {}

  onApplicationBootstrap(): void {
    this.reader = new ClusterStatusReader({
      nc: this.nats.nc,
      leases: this.nats.topology.leases,
      partitions: this.nats.partitions,
      files: (p) => this.queries.store?.files(p) ?? [],
      series: () => this.queries.registry?.all() ?? [],
      hostName: hostname(),
    });
    this.reader.start();
  }

  onApplicationShutdown(): void {
    this.reader?.stop();
  }

  @Get('status/cluster')
  async status(@Res() res: Response): Promise<void> {
    try {
      res.status(200).json(await this.reader!.read());
    } catch (e) {
      res.status(503).json({
        error: `cluster status unavailable: ${e instanceof Error ? e.message : String(e)}`,
        code: 'ZTSDB_UNAVAILABLE',
      });
    }
  }
}
