import { createHash } from 'node:crypto';
import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from './express-types';
import { Public } from '../auth/auth.guard';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from './doc';
import { DocsPage, HealthLive, HealthReady, OpenApiDocument, SystemStatus } from '@fixlify/contracts';
import { checkReadiness } from '../system/check-readiness';
import { readSystemStatus } from '../system/read-system-status';

export const OPENAPI = 'FIXLIFY_OPENAPI';

const DOCS_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fixlify Automation API</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1f2937}code{background:#f3f4f6;padding:1px 4px;border-radius:4px}
.op{border:1px solid #e5e7eb;border-radius:8px;margin:.5rem 0;padding:.5rem .75rem}.m{font-weight:700;display:inline-block;width:4.5rem}
.get{color:#2563eb}.post{color:#059669}.put{color:#d97706}.delete{color:#dc2626}details pre{background:#f9fafb;padding:.5rem;overflow:auto;max-height:320px}</style></head>
<body><h1>Fixlify Automation API</h1><p>OpenAPI 3.1 document: <a href="/docs/json">/docs/json</a>. Authenticate with <code>Authorization: Bearer fx_…</code> (an organization's API key) or the web app's session cookie. Errors are <code>{"code","message","details?"}</code>.</p><div id="ops">Loading…</div>
<script>fetch('/docs/json').then(r=>r.json()).then(d=>{const el=document.getElementById('ops');el.innerHTML='';for(const [p,ms] of Object.entries(d.paths))for(const [m,o] of Object.entries(ms)){const div=document.createElement('div');div.className='op';const h=document.createElement('div');h.innerHTML='<span class="m '+m+'">'+m.toUpperCase()+'</span><code></code> — <span></span>';h.querySelector('code').textContent=p;h.querySelector('span:last-child').textContent=o.summary+(o.description?' ('+o.description+')':'');div.appendChild(h);if(o.requestBody||(o.parameters||[]).length){const det=document.createElement('details');det.innerHTML='<summary>parameters and body</summary><pre></pre>';det.querySelector('pre').textContent=JSON.stringify({parameters:o.parameters,body:o.requestBody&&o.requestBody.content['application/json'].schema},null,2);div.appendChild(det)}el.appendChild(div)}})</script></body></html>`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const inline = (tag: string): string => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(DOCS_HTML)?.[1] ?? '';
/** The docs page's own inline style and script, allowed by their hashes (nothing else inline runs). */
export const DOCS_CSP = `default-src 'self'; base-uri 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src ${sha256(inline('script'))}; script-src-attr 'none'; style-src ${sha256(inline('style'))}`;

@Controller()
export class SystemController {
  constructor(
    @Inject(DEPS) private readonly deps: ApiDeps,
    @Inject(OPENAPI) private readonly openapi: () => Record<string, unknown>,
  ) {}

  @Get('docs')
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', DOCS_CSP)
  @Doc({ summary: 'This API described for people', role: 'public', produces: 'text/html', response: DocsPage })
  docs(): string {
    return DOCS_HTML;
  }

  @Get('docs/json')
  @Public()
  @Doc({ summary: 'The OpenAPI 3.1 document', role: 'public', response: OpenApiDocument })
  docsJson(): OpenApiDocument {
    return this.openapi();
  }

  @Get('api/system/status')
  @Doc({
    summary: 'Whether automations are flowing: change capture (connector, tasks, slot, heartbeat) as ingest watches it',
    role: 'viewer',
    response: SystemStatus,
  })
  status(): Promise<SystemStatus> {
    return readSystemStatus(this.deps.cfg.INGEST_STATUS_URL);
  }

  @Get('health/live')
  @Public()
  @Doc({ summary: 'Liveness', role: 'public', response: HealthLive })
  live(): HealthLive {
    return { status: 'live' };
  }

  @Get('health/ready')
  @Public()
  @Doc({ summary: 'Readiness: database reachable and the Kafka readers joined (503 with the same body when not ready)', role: 'public', response: HealthReady })
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthReady> {
    const r = await checkReadiness(this.deps);
    res.status(r.status === 'ready' ? 200 : 503);
    return r;
  }
}
