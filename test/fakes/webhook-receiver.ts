// A local receiver for the example webhook connector type (examples/webhook-connector.ts): it
// verifies each POST's X-Signature against the exact body bytes and keeps the users and groups
// the events describe, answering as that connector's contract says. Faults as the other fakes.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { LocalHttpServer } from './local-server';

type Json = Record<string, any>;
export type WebhookFault =
  'status-429' | 'status-500' | 'status-401' | 'html' | 'truncated' | 'no-id' | 'hang';

export class FakeWebhookReceiver extends LocalHttpServer {
  readonly users = new Map<string, Json>();
  readonly groups = new Map<string, { name: string; members: string[] }>();
  readonly events: Json[] = [];
  private readonly faults: WebhookFault[] = [];

  constructor(private readonly secret: string) {
    super();
  }

  protected override basePath(): string {
    return '/hooks/provisioning';
  }

  inject(...faults: WebhookFault[]): void {
    this.faults.push(...faults);
  }

  reset(): void {
    this.users.clear();
    this.groups.clear();
    this.events.length = 0;
    this.faults.length = 0;
  }

  private signed(raw: string, header: string | undefined): boolean {
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', this.secret).update(raw).digest('hex')}`,
    );
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const fault = this.faults.shift();
    if (fault) return this.misbehave(fault, res);
    if (
      req.method !== 'POST' ||
      new URL(req.url ?? '/', 'http://x').pathname !== '/hooks/provisioning'
    )
      return this.send(res, 404, { error: 'no such hook' });
    if (!this.signed(raw, req.headers['x-signature'] as string | undefined))
      return this.send(res, 401, { error: 'bad signature' });
    let event: Json;
    try {
      event = JSON.parse(raw) as Json;
    } catch {
      return this.send(res, 400, { error: 'body is not JSON' });
    }
    this.events.push(event);
    this.apply(event, res);
  }

  private apply(event: Json, res: http.ServerResponse): void {
    const { id } = event;
    switch (event.event) {
      case 'user.created': {
        const existing = [...this.users].find(([, u]) => u.username === event.user?.username);
        if (existing) return this.send(res, 409, { id: existing[0], error: 'user exists' });
        const newId = randomUUID();
        this.users.set(newId, event.user);
        return this.send(res, 201, { id: newId });
      }
      case 'user.updated':
        if (!this.users.has(id)) return this.send(res, 404, { error: 'no such user' });
        this.users.set(id, event.user);
        return this.send(res, 200, { id });
      case 'user.deleted':
        return this.send(res, this.users.delete(id) ? 204 : 404, null);
      case 'group.created': {
        const existing = [...this.groups].find(([, g]) => g.name === event.group?.name);
        if (existing) return this.send(res, 409, { id: existing[0] });
        const newId = randomUUID();
        this.groups.set(newId, { name: event.group.name, members: [] });
        return this.send(res, 201, { id: newId });
      }
      case 'group.renamed':
      case 'group.member_added':
      case 'group.member_removed': {
        const group = this.groups.get(id);
        if (!group) return this.send(res, 404, { error: 'no such group' });
        if (event.event === 'group.renamed') group.name = event.group.name;
        else if (!this.users.has(event.member))
          return this.send(res, 400, { error: 'unknown member' });
        else if (event.event === 'group.member_added' && !group.members.includes(event.member))
          group.members.push(event.member);
        else if (event.event === 'group.member_removed')
          group.members = group.members.filter((m) => m !== event.member);
        return this.send(res, 200, { id });
      }
      case 'group.deleted':
        return this.send(res, this.groups.delete(id) ? 204 : 404, null);
      default:
        return this.send(res, 400, { error: `unknown event ${event.event}` });
    }
  }

  private misbehave(fault: WebhookFault, res: http.ServerResponse): void {
    if (fault === 'hang') return;
    if (fault === 'status-429')
      return this.send(res, 429, { error: 'slow down' }, { 'retry-after': '1' });
    if (fault === 'status-500') return this.send(res, 500, { error: 'internal' });
    if (fault === 'status-401') return this.send(res, 401, { error: 'bad signature' });
    if (fault === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><body>Bad Gateway</body></html>');
    }
    if (fault === 'truncated') {
      res.writeHead(201, { 'content-type': 'application/json' });
      return void res.end('{"id": ');
    }
    this.send(res, 201, { ok: true });
  }
}
