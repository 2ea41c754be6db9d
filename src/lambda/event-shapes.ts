import type { LambdaFunctionURLEvent, SQSEvent } from 'aws-lambda';

/** An SQS batch (check SNS first: an SNS invocation also has `Records`, but SNS records). */
export function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

/**
 * The stack's schedule (EventBridge `Scheduled Event`, every few minutes) drains the outbox even when no finding
 * arrives: messages committed while Slack was down go out as soon as it is back, not with the next finding.
 */
export function isScheduledEvent(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

/** A request through the function's URL (payload format 2.0). */
export function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  const e = event as { requestContext?: { http?: unknown } } | null;
  return typeof e === 'object' && e !== null && typeof e.requestContext?.http === 'object';
}
