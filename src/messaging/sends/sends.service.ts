import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import type { Topic } from '../../audience/topics/topic.entity';
import { TopicsService } from '../../audience/topics/topics.service';
import type { ClaimedMessage } from '../delivery/claimed-message';
import { LedgerService } from '../delivery/ledger.service';
import { MessagesService } from '../delivery/messages.service';
import type { OutboundMessage } from '../delivery/outbound-message.entity';
import { SendAdmission, SendCandidate } from '../delivery/send-admission';
import type { SendDecision } from '../delivery/send-checks';
import { RenderingService, TemplateError } from '../rendering/rendering.service';
import { DEFAULT_SEND_WINDOW, nextInWindow, SendWindow } from '../send-window';
import { CreateSendDto, SendDto, SendKind } from './send.dto';

/** Keys of the template data that Tidings fills in itself (at send time, or for a notice's window). */
export const RESERVED_DATA_KEYS = [
  'subscriber',
  'locale',
  'marketing',
  'links',
  'sendWindow',
  'lifecycle',
  'trustQuestion',
] as const;

/** A send's ledger rows are `send:<idempotency key>`: the unique dedupe key is the idempotency. */
export const sendDedupeKey = (idempotencyKey: string) => `send:${idempotencyKey}`;

/**
 * `POST /v1/sends`: one message to one subscriber now. The message is checked as delivery checks
 * every message (the send-time chain, run before it is written: refusals are 422 and leave nothing
 * behind), its data is checked by rendering it, and it is written to the ledger under
 * `send:<idempotencyKey>`, whose unique constraint makes a repeat (even a concurrent one) return
 * the first message instead of a second.
 */
@Injectable()
export class SendsService {
  private readonly logger = new Logger('Sends');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly topics: TopicsService,
    private readonly suppressions: SuppressionsService,
    private readonly rendering: RenderingService,
    private readonly admission: SendAdmission,
    private readonly ledger: LedgerService,
    private readonly messages: MessagesService,
    private readonly clock: Clock,
  ) {}

  async send(dto: CreateSendDto): Promise<SendDto> {
    const now = this.clock.now();
    const subscriberField = checkShape(dto);
    if (!this.rendering.has(dto.template)) {
      throw new NotFoundError(
        `There is no template "${dto.template}" (loaded: ${this.rendering.keys().join(', ')})`,
        'template',
        'template_unknown',
      );
    }
    const subscriber = await this.subscribers.find(dto.subscriberId ?? dto.email!);
    if (!subscriber) {
      throw new NotFoundError(
        dto.email
          ? 'No subscriber has this email address; create the subscriber first (POST /v1/subscribers)'
          : `No subscriber with id ${dto.subscriberId}`,
        subscriberField,
        'subscriber_unknown',
      );
    }
    const topic = dto.kind === 'notice' ? await this.noticeTopic(dto.topic!) : null;
    const window = dto.kind === 'notice' ? (dto.sendWindow ?? DEFAULT_SEND_WINDOW) : null;
    const candidate: SendCandidate = {
      dedupeKey: sendDedupeKey(dto.idempotencyKey),
      subscriberId: subscriber.id,
      topicId: topic?.id ?? null,
      template: dto.template,
      kind: dto.kind,
      // The window travels with the row like a lifecycle notice's: pauses and retries keep to it.
      data: { ...(dto.data ?? {}), ...(window ? { sendWindow: { ...window } } : {}) },
      locale: dto.locale ?? null,
    };

    const earlier = await this.messages.findByDedupeKey(candidate.dedupeKey);
    if (earlier) return this.repeat(earlier, candidate, dto.idempotencyKey);

    const message = await this.admission.load(candidate, now);
    if (!message) throw new NotFoundError('Subscriber not found', subscriberField);
    this.checkRenders(message);
    const decision = await this.admission.decide(message, now);
    if (decision && decision.status !== 'deferred') {
      throw await this.refusal(decision, message, subscriberField);
    }
    // Deferred (a notice during a pause): written for when the chain would send it. Otherwise a
    // notice waits for its window; transactional mail goes now.
    const sendAfter =
      decision?.status === 'deferred'
        ? decision.until
        : window
          ? nextInWindow(now, message.timezone, window)
          : now;

    const [id] = await this.ledger.send([{ ...candidate, sendAfter }]);
    if (!id) {
      // A concurrent request with the same key wrote it first (the unique key decided).
      const first = await this.messages.findByDedupeKey(candidate.dedupeKey);
      if (!first) throw new Error(`Ledger row ${candidate.dedupeKey} neither written nor found`);
      return this.repeat(first, candidate, dto.idempotencyKey);
    }
    this.logger.log(
      {
        messageId: id,
        subscriberId: subscriber.id,
        template: dto.template,
        kind: dto.kind,
        sendAfter,
      },
      'Send accepted',
    );
    return {
      id,
      idempotencyKey: dto.idempotencyKey,
      status: 'queued',
      skipReason: null,
      kind: dto.kind,
      template: dto.template,
      subscriberId: subscriber.id,
      topic: topic?.key ?? null,
      locale: candidate.locale,
      sendAfter,
      duplicate: false,
      links: { message: `/v1/messages/${id}` },
    };
  }

  /** The message an earlier request with this key wrote, if this request asks for the same. */
  private repeat(
    earlier: { message: OutboundMessage; topicKey: string | null },
    candidate: SendCandidate,
    idempotencyKey: string,
  ): SendDto {
    const m = earlier.message;
    const same =
      m.subscriberId === candidate.subscriberId &&
      m.template === candidate.template &&
      m.kind === candidate.kind &&
      m.topicId === candidate.topicId &&
      (m.locale ?? null) === candidate.locale &&
      canonicalJson(m.data) === canonicalJson(candidate.data);
    if (!same) {
      throw new ConflictError(
        'idempotencyKey was already used for a different message (subscriber, template, kind, topic, data, locale or sendWindow differ)',
        'idempotencyKey',
        'idempotency_key_reused',
      );
    }
    return {
      id: m.id,
      idempotencyKey,
      status: m.status,
      skipReason: m.skipReason,
      kind: m.kind as SendKind,
      template: m.template,
      subscriberId: m.subscriberId,
      topic: earlier.topicKey,
      locale: m.locale ?? null,
      sendAfter: m.sendAfter,
      duplicate: true,
      links: { message: `/v1/messages/${m.id}` },
    };
  }

  private async noticeTopic(idOrKey: string): Promise<Topic> {
    const topic = await this.topics.getOpen(idOrKey, undefined, 'topic');
    if (topic.kind !== 'notice') {
      throw new RuleViolationError(
        `Topic "${topic.key}" is ${topic.kind}; a notice goes to a notice topic (so subscribers can opt out of notices)`,
        'topic',
        'topic_not_notice',
      );
    }
    return topic;
  }

  /** Renders as delivery will; a variable the template needs and the data lacks is a 400 naming it. */
  private checkRenders(message: ClaimedMessage): void {
    try {
      this.admission.render(message);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const field = err.field?.startsWith('data.') ? err.field : 'data';
      throw new InvalidInputError(
        `${field}: ${err.problem} (template "${message.template}", ${message.locale})`,
        field,
        err.code,
      );
    }
  }

  /** A 422 saying which check refused the message, and why. */
  private async refusal(
    decision: Exclude<SendDecision, { status: 'deferred' }>,
    message: ClaimedMessage,
    subscriberField: string,
  ): Promise<RuleViolationError> {
    const reason = decision.reason;
    if (decision.status === 'suppressed') {
      const [row] = await queryRows<{ reason: string }>(
        this.dataSource,
        `SELECT reason FROM audience_suppressions WHERE address_hash = $1`,
        [this.suppressions.hash(message.email!)],
      );
      return new RuleViolationError(
        `The address is on the suppression list (${row?.reason ?? 'suppressed'}): nothing is sent to it`,
        subscriberField,
        'suppressed',
      );
    }
    if (reason === 'not_subscribed') {
      return new RuleViolationError(
        `The subscriber has no active subscription to topic "${message.topicKey}": a notice needs their consent to the topic`,
        'topic',
        reason,
      );
    }
    if (reason.startsWith('subscriber_')) {
      const status = reason.slice('subscriber_'.length);
      return new RuleViolationError(
        message.kind === 'transactional'
          ? `The subscriber is ${status}: transactional mail goes to pending, active and unsubscribed subscribers`
          : `The subscriber is ${status}: notices go to active subscribers`,
        subscriberField,
        reason,
      );
    }
    return new RuleViolationError(`Not sent: ${reason}`, undefined, reason);
  }
}

/** Which field names the subscriber, after checking the combinations only code can check. */
function checkShape(dto: CreateSendDto): 'subscriberId' | 'email' {
  if (dto.subscriberId === undefined && dto.email === undefined) {
    throw new InvalidInputError('Give the subscriber: subscriberId or email', 'subscriberId');
  }
  if (dto.subscriberId !== undefined && dto.email !== undefined) {
    throw new InvalidInputError('Give subscriberId or email, not both', 'email');
  }
  if (dto.kind === 'notice' && dto.topic === undefined) {
    throw new InvalidInputError('A notice needs its notice topic (key or id)', 'topic');
  }
  if (dto.kind === 'transactional' && dto.topic !== undefined) {
    throw new InvalidInputError('Only notices carry a topic; leave it out', 'topic');
  }
  if (dto.kind === 'transactional' && dto.sendWindow !== undefined) {
    throw new InvalidInputError(
      'Only notices keep to a send window; transactional mail goes now',
      'sendWindow',
    );
  }
  if (dto.sendWindow && !windowIsOrdered(dto.sendWindow)) {
    throw new InvalidInputError(
      'sendWindow.end must be later than sendWindow.start',
      'sendWindow.end',
    );
  }
  for (const key of RESERVED_DATA_KEYS) {
    if (dto.data && Object.prototype.hasOwnProperty.call(dto.data, key)) {
      throw new InvalidInputError(
        `data.${key} is filled in by Tidings; use another name`,
        `data.${key}`,
      );
    }
  }
  return dto.subscriberId !== undefined ? 'subscriberId' : 'email';
}

function windowIsOrdered(w: SendWindow): boolean {
  return w.start < w.end;
}

/** JSON with object keys sorted, so two equal values compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
