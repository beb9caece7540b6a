import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DEFAULT_WEB_DIR, WebAssets, type WebAsset } from './web-assets';
import { WEB_UI_PAGES } from './web-ui-paths';

/**
 * The web UI at `/` (apps/web, built into dist/web). Hashed files under /assets/ are cached for
 * good; index.html is revalidated on every load so a new build shows at once. Only the UI's own
 * routes answer with index.html (the single-page app routes itself in the browser): every other
 * path, /api/v1/* above all, keeps its JSON answer or JSON 404. The bearer guard
 * (http-auth.ts) runs before any of this and leaves these paths open (web-ui-paths.ts).
 */
@Controller()
export class WebUiController {
  private readonly assets = new WebAssets(DEFAULT_WEB_DIR);

  // The same list as WEB_UI_PAGES (web-ui-paths.ts), which the bearer guard leaves open.
  @Get([...WEB_UI_PAGES])
  page(@Req() req: Request, @Res() res: Response): void {
    this.send(req, res, this.assets.get('/index.html'), 'no-cache');
  }

  @Get('assets/:file')
  asset(@Req() req: Request, @Res() res: Response): void {
    const file = this.assets.get(`/assets/${String(req.params.file)}`);
    this.send(req, res, file, 'public, max-age=31536000, immutable');
  }

  private send(req: Request, res: Response, file: WebAsset | undefined, cache: string): void {
    if (!file) {
      res.status(404).json({
        error: this.assets.built
          ? `no such file: ${req.path}`
          : `the web UI is not built (no ${this.assets.dir}/index.html): run "npm run build"`,
        code: 'ZTSDB_NOT_FOUND',
      });
      return;
    }
    res.setHeader('cache-control', cache);
    res.setHeader('etag', file.etag);
    res.setHeader('vary', 'accept-encoding');
    res.setHeader('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === file.etag) {
      res.status(304).end();
      return;
    }
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.setHeader('content-type', file.type);
    if (gzip) res.setHeader('content-encoding', 'gzip');
    const body = gzip ? file.gzip! : file.body;
    res.setHeader('content-length', String(body.length));
    res.status(200).end(body);
  }
}
