/**
 * CloudTrail event history, only for the events the sandbox produces: `SetIAMAccessPreference` from
 * billingconsole.amazonaws.com, written when the human's root step is played through the control API. Each account
 * sees its own events, shaped like `LookupEvents` answers from AWS.
 */
import { randomUUID } from 'node:crypto';
import { type SandboxContext } from './context';
import { type CloudTrailEventRecord, type Principal } from './state';
import { epochSeconds, jsonError, jsonResult, type AwsRequest, type Reply } from './wire';

const ATTRIBUTE_FIELDS: Record<string, (e: CloudTrailEventRecord) => string> = {
  EventName: (e) => e.eventName,
  EventSource: (e) => e.eventSource,
  EventId: (e) => e.eventId,
  Username: (e) => e.username,
};

/** Records the event AWS logs when root switches "IAM user and role access to Billing information". */
export function recordSetIAMAccessPreference(ctx: SandboxContext, accountId: string, enabled: boolean): CloudTrailEventRecord {
  const eventId = randomUUID();
  const eventTime = Date.now();
  const event: CloudTrailEventRecord = {
    eventId,
    eventName: 'SetIAMAccessPreference',
    eventSource: 'billingconsole.amazonaws.com',
    eventTime,
    accountId,
    username: 'root',
    cloudTrailEvent: {
      eventVersion: '1.08',
      userIdentity: { type: 'Root', principalId: accountId, arn: `arn:aws:iam::${accountId}:root`, accountId },
      eventTime: new Date(eventTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource: 'billingconsole.amazonaws.com',
      eventName: 'SetIAMAccessPreference',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'AWS Internal',
      requestParameters: { iamAccessPreference: enabled ? 'ENABLED' : 'DISABLED' },
      responseElements: null,
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsConsoleAction',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
    },
  };
  ctx.state.cloudTrail.push(event);
  return event;
}

export function handleCloudTrail(ctx: SandboxContext, req: AwsRequest, principal: Principal): Reply {
  if (req.operation !== 'LookupEvents') {
    return jsonError(req, 'UnsupportedOperationException', `The sandbox does not emulate cloudtrail:${req.operation}.`, 400);
  }
  const attributes = (req.json.LookupAttributes ?? []) as { AttributeKey?: string; AttributeValue?: string }[];
  if (attributes.length > 1) {
    return jsonError(req, 'InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.', 400);
  }
  const filter = attributes[0];
  if (filter && !(filter.AttributeKey && filter.AttributeKey in ATTRIBUTE_FIELDS) && filter.AttributeKey !== 'ReadOnly') {
    return jsonError(req, 'InvalidLookupAttributesException', `The lookup attribute ${filter.AttributeKey} is not supported by the sandbox.`, 400);
  }
  const start = typeof req.json.StartTime === 'number' ? req.json.StartTime * 1000 : -Infinity;
  const end = typeof req.json.EndTime === 'number' ? req.json.EndTime * 1000 : Infinity;
  const maxResults = typeof req.json.MaxResults === 'number' ? Math.min(50, Math.max(1, req.json.MaxResults)) : 50;
  const offset = typeof req.json.NextToken === 'string' ? Number(Buffer.from(req.json.NextToken, 'base64').toString()) || 0 : 0;
  const events = ctx.state.cloudTrail
    .filter((e) => e.accountId === principal.accountId)
    .filter((e) => e.eventTime >= start && e.eventTime <= end)
    .filter((e) => {
      if (!filter) return true;
      if (filter.AttributeKey === 'ReadOnly') return filter.AttributeValue === 'false';
      return ATTRIBUTE_FIELDS[filter.AttributeKey!](e) === filter.AttributeValue;
    })
    .sort((a, b) => b.eventTime - a.eventTime); // newest first, like AWS
  const page = events.slice(offset, offset + maxResults);
  const next = offset + maxResults < events.length ? Buffer.from(String(offset + maxResults)).toString('base64') : undefined;
  return jsonResult(req, {
    Events: page.map((e) => ({
      EventId: e.eventId,
      EventName: e.eventName,
      ReadOnly: 'false',
      EventTime: epochSeconds(e.eventTime),
      EventSource: e.eventSource,
      Username: e.username,
      Resources: [],
      CloudTrailEvent: JSON.stringify(e.cloudTrailEvent),
    })),
    ...(next ? { NextToken: next } : {}),
  });
}
