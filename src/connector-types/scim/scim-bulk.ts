// SCIM Bulk (RFC 7644 §3.7) for users: the creates, updates and deletes a connector makes at about
// the same time go out as one POST /Bulk, each answered on its own, so a rate-limited target takes
// dozens of users per request. Used where the connector asks for it and the service announces
// Bulk in its /ServiceProviderConfig (RFC 7643 §5). A bulk takes one turn of the connector's pace,
// and its members wait for that turn holding no concurrency slot, as a paced request does. What
// the service refuses as a whole (too large, or no /Bulk after all) goes out one request per user.
import { ConnectorError, isRetriableStatus } from '../../common/connector-error';
import { waitWithoutSlot, withoutSlots } from '../../common/held-slot';
import {
  describeTarget,
  headerValue,
  parseRetryAfter,
  type HttpClient,
  type HttpResponse,
} from '../../common/http';
import type { ConnectorPace } from '../../common/pace';
import { logger } from '../../common/logger';
import type { ScimDialect } from './scim-dialect';
import type { ScimRequest } from './scim-requests';

const log = logger('scim-bulk');

/** Operations a bulk carries at most, whatever the service allows: one bounded request. */
const MOST_OPERATIONS = 100;
/** Bulks of one connector in flight at once; members gather meanwhile, as in a group commit. */
const IN_FLIGHT = 2;
/** A bulk answered so was not taken at all (too large, or no /Bulk here): its users go alone. */
const REFUSED = new Set([400, 404, 405, 413, 501]);

interface Limits {
  maxOperations: number;
  maxPayloadSize: number;
}

interface Member {
  request: ScimRequest;
  accept: number[];
  /** How its answer is found: its bulkId (a POST), else its method and path. */
  key: string;
  /** The operation, serialised once: counted against maxPayloadSize and sent as it is. */
  json: string;
  resolve(response: HttpResponse | null): void;
  reject(error: unknown): void;
}

interface Batch {
  members: Member[];
  bytes: number;
  /** The batch's turn of the pace: it leaves then, or once a bulk in flight comes back. */
  departAt: number;
  departed: boolean;
  /** Resolved as the bulk is sent: its members wait for that holding no slot. */
  flown: Promise<void>;
  markFlown(): void;
}

type Json = Record<string, unknown>;

/** What the service's /ServiceProviderConfig says about Bulk; null where it offers none. */
function bulkLimits(body: unknown): Limits | null {
  const bulk = (body as { bulk?: Json } | null)?.bulk;
  if (bulk?.supported !== true) return null;
  const maxOperations = Number(bulk.maxOperations);
  const maxPayloadSize = Number(bulk.maxPayloadSize);
  if (!(maxOperations >= 2) || !(maxPayloadSize > 0)) return null;
  return { maxOperations: Math.min(maxOperations, MOST_OPERATIONS), maxPayloadSize };
}

/** A path percent-decoded, or as it is where it is not well encoded. */
function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** How a member's answer is found: `bulkId b1`, or `PATCH /Users/<id>` (the id decoded). */
function opKey(method: string, path: string): string {
  return `${method} ${decoded(path)}`;
}

/** The path of an answer's location (no query or fragment), if it has one. */
function locationPath(op: Json): string | null {
  return typeof op.location === 'string' ? op.location.replace(/[?#].*$/, '') : null;
}

/** The key of an answer: its bulkId, else its method and the /Users/<id> end of its location. */
function answerKey(op: Json): string {
  if (typeof op.bulkId === 'string') return `bulkId ${op.bulkId}`;
  const path = locationPath(op);
  if (path === null || typeof op.method !== 'string') return '';
  const at = path.lastIndexOf('/Users/');
  return at < 0 ? '' : opKey(op.method.toUpperCase(), path.slice(at));
}

/** An operation's status: "201" in RFC 7644's examples, 201 from some, { code: "201" } in SCIM 1.1. */
function statusOf(op: Json): number {
  const status = op.status;
  const code = typeof status === 'object' && status ? (status as Json).code : status;
  return Number(code);
}

/** A created resource: the body where the service sent one, its id else from the location's end. */
function createdBody(op: Json): Json | null {
  const body = op.response && typeof op.response === 'object' ? (op.response as Json) : null;
  const path = locationPath(op);
  if (path === null) return body;
  const id = decoded(path.slice(path.lastIndexOf('/') + 1));
  return id ? { id, ...body } : body;
}

export class ScimBulk {
  /** Discovery in flight, shared by the sends that wait for it. */
  private limits: Promise<Limits | null> | null = null;
  /** What discovery found, once it has: read without waiting. */
  private known: Limits | null | undefined = undefined;
  private open: Batch | null = null;
  private inFlight = 0;
  private readonly queued: Batch[] = [];
  private nextId = 0;

  /**
   * @param root the service root (the User Endpoint without /Users), where /Bulk and
   *   /ServiceProviderConfig are
   */
  constructor(
    private readonly dialect: ScimDialect,
    private readonly root: string,
    private readonly headers: Record<string, string>,
    private readonly paced: HttpClient,
    private readonly unpaced: HttpClient,
    private readonly pace: ConnectorPace,
  ) {}

  /** The service root of a User Endpoint ending in /Users; null otherwise (no bulk). */
  static rootOf(userEndpoint: string): string | null {
    return userEndpoint.endsWith('/Users') ? userEndpoint.slice(0, -'/Users'.length) : null;
  }

  /**
   * The request's answer from a bulk, as a request alone would have it; null where it must go
   * alone (the service takes no bulks, or refused this one as a whole).
   */
  async send(request: ScimRequest, accept: number[]): Promise<HttpResponse | null> {
    const limits = this.known !== undefined ? this.known : await waitWithoutSlot(this.discover());
    if (!limits) return null;
    const path = request.url.startsWith(`${this.root}/Users`)
      ? request.url.slice(this.root.length)
      : null;
    if (!path) return null;
    // RFC 7644 §3.7: a POST carries a bulkId; the others are answered with their location.
    const bulkId = request.method === 'POST' ? `b${++this.nextId}` : undefined;
    const key = bulkId ? `bulkId ${bulkId}` : opKey(request.method, path);
    const json = JSON.stringify({ method: request.method, bulkId, path, data: request.body });
    const bytes = Buffer.byteLength(json);
    // Room for the envelope: an operation too large to share a bulk goes alone.
    if (bytes + 200 > limits.maxPayloadSize) return null;
    const batch = this.batchFor(bytes, limits);
    const answer = new Promise<HttpResponse | null>((resolve, reject) =>
      batch.members.push({ request, accept, key, json, resolve, reject }),
    );
    batch.bytes += bytes + 1;
    // Rejected while its member still waits for the turn: handled when awaited below.
    answer.catch(() => undefined);
    if (batch.members.length >= limits.maxOperations) this.close(batch);
    // A wait for the pace's turn, or behind bulks already in flight as it joins, holds no slot (a
    // paced request's wait holds none either); a bulk leaving now is waited for as a request in
    // flight is, holding the slots (and so, rarely, is one queued behind bulks that left since).
    if (batch.departAt > Date.now() || this.inFlight >= IN_FLIGHT)
      await waitWithoutSlot(batch.flown);
    return answer;
  }

  /** The open batch where the operation fits, else a new one with its own turn of the pace. */
  private batchFor(bytes: number, limits: Limits): Batch {
    const open = this.open;
    if (open && open.bytes + bytes + 200 <= limits.maxPayloadSize) return open;
    if (open) this.close(open);
    const wait = this.pace.reserve();
    let markFlown = () => undefined as void;
    const flown = new Promise<void>((resolve) => (markFlown = resolve));
    const departAt = Date.now() + wait;
    const batch: Batch = { members: [], bytes: 0, departAt, departed: false, flown, markFlown };
    this.open = batch;
    // Unpaced, the batch gathers the creates of this turn of the event loop.
    if (wait > 0) setTimeout(() => this.depart(batch), wait);
    else setImmediate(() => this.depart(batch));
    return batch;
  }

  /** No one joins the batch any more (full); it still leaves at its turn. */
  private close(batch: Batch): void {
    if (this.open === batch) this.open = null;
  }

  /** At its turn the batch goes, or waits for a bulk in flight to come back. */
  private depart(batch: Batch): void {
    this.close(batch);
    if (batch.departed) return;
    batch.departed = true;
    if (this.inFlight >= IN_FLIGHT) this.queued.push(batch);
    // Sent outside whichever member's slots scheduled it: the members hold their own.
    else withoutSlots(() => void this.fly(batch));
  }

  private async fly(batch: Batch): Promise<void> {
    this.inFlight++;
    batch.markFlown();
    try {
      await this.exchange(batch);
    } finally {
      this.inFlight--;
      const next = this.queued.shift();
      if (next) void this.fly(next);
    }
  }

  private async exchange(batch: Batch): Promise<void> {
    const { members } = batch;
    try {
      this.pace.throwIfPaused();
      if (members.length === 1) {
        const [only] = members;
        only.resolve(
          await this.observe(() =>
            this.unpaced.send({ ...only.request, headers: this.headers }, only.accept),
          ),
        );
        return;
      }
      const response = await this.observe(() =>
        this.unpaced.exchange({
          method: 'POST',
          url: `${this.root}/Bulk`,
          headers: this.headers,
          json: `{"schemas":["${this.dialect.bulkSchema}"],"Operations":[${members.map((m) => m.json).join(',')}]}`,
        }),
      );
      this.answer(members, response);
    } catch (error) {
      for (const m of members) m.reject(error);
    }
  }

  /** Reports a 429 or Retry-After to the pace, as the paced client does for a request alone. */
  private async observe(call: () => Promise<HttpResponse>): Promise<HttpResponse> {
    try {
      const response = await call();
      if (response.status >= 400)
        this.pace.afterResponse(
          response.status,
          parseRetryAfter(headerValue(response.headers, 'retry-after')),
        );
      return response;
    } catch (error) {
      if (error instanceof ConnectorError)
        this.pace.afterResponse(error.status, error.retryAfterMs);
      throw error;
    }
  }

  /** Each member gets its operation's answer; a bulk refused as a whole goes alone or fails. */
  private answer(members: Member[], response: HttpResponse): void {
    const { status } = response;
    if (REFUSED.has(status)) {
      // Too large (413: smaller bulks from now on), or no /Bulk after all: one by one.
      this.refused(status, members.length);
      for (const m of members) m.resolve(null);
      return;
    }
    if (status < 200 || status >= 300) {
      const error = new ConnectorError(
        `POST ${describeTarget(`${this.root}/Bulk`)} answered HTTP ${status}`,
        `HTTP_${status}`,
        isRetriableStatus(status),
        status,
        {
          retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after')),
          cause: response.body,
        },
      );
      for (const m of members) m.reject(error);
      return;
    }
    const ops = (response.body as { Operations?: Json[] } | null)?.Operations ?? [];
    const keys = ops.map(answerKey);
    const byKey = new Map(ops.map((op, i) => [keys[i], op]));
    // A service that names no operation (no bulkId, no location) is read in order.
    const inOrder = ops.length === members.length && keys.every((key) => !key);
    members.forEach((m, i) => {
      const op = byKey.get(m.key) ?? (inOrder ? ops[i] : undefined);
      if (op) return this.answerOne(m, op);
      // Not processed (or not reported): safe to send again (a create meeting 409 adopts, an
      // update puts the same again, a delete of one gone counts as done).
      m.reject(
        new ConnectorError(
          `the bulk's answer lacks operation ${m.key}`,
          'INVALID_RESPONSE',
          true,
          status,
        ),
      );
    });
  }

  /** One operation's answer, as the request alone would have had it. */
  private answerOne(m: Member, op: Json): void {
    const status = statusOf(op);
    const ok = status >= 200 && status < 300;
    const body = ok ? createdBody(op) : ((op.response as Json | undefined) ?? null);
    if (ok || m.accept.includes(status)) {
      const headers = typeof op.location === 'string' ? { location: op.location } : {};
      return m.resolve({ status, headers, body });
    }
    // A 429 for one operation slows the whole connector, as a 429 for a request alone does.
    if (status === 429) this.pace.afterResponse(429, null);
    m.reject(
      new ConnectorError(
        `${m.request.method} ${describeTarget(m.request.url)} answered HTTP ${status} (in a bulk)`,
        `HTTP_${status}`,
        isRetriableStatus(status),
        status,
        { cause: body },
      ),
    );
  }

  /** After a 413 bulks are halved; after any other refusal the connector sends one by one. */
  private refused(status: number, size: number): void {
    // A bulk was sent, so discovery has settled.
    const limits = this.known;
    const root = describeTarget(this.root);
    if (status === 413 && limits && size > 2) {
      limits.maxOperations = Math.max(2, Math.floor(size / 2));
      log.warn(
        { root, maxOperations: limits.maxOperations },
        'bulk too large: smaller bulks from now on',
      );
      return;
    }
    log.warn({ root, status }, 'the service refused a bulk: users go one request each');
    this.settle(null);
  }

  /** What sends go by from now on (send() reads it and asks discovery no more). */
  private settle(limits: Limits | null): Limits | null {
    this.known = limits;
    return limits;
  }

  /** Reads /ServiceProviderConfig once; a failure that may pass is asked again next time. */
  private discover(): Promise<Limits | null> {
    const url = `${this.root}${this.dialect.serviceProviderConfigPath}`;
    this.limits ??= this.paced.send({ method: 'GET', url, headers: this.headers }).then(
      (response) => {
        const limits = bulkLimits(response.body);
        if (!limits) log.info({ url: describeTarget(url) }, 'the service announces no Bulk');
        return this.settle(limits);
      },
      (error: unknown) => {
        const retriable = error instanceof ConnectorError && error.retriable;
        log.info(
          { url: describeTarget(url), code: (error as ConnectorError).code },
          retriable ? 'bulk support not known yet: asked again' : 'bulk not used',
        );
        if (retriable) this.limits = null;
        else this.settle(null);
        return null;
      },
    );
    return this.limits;
  }
}
