/**
 * Baseline step `budget`: a monthly COST budget with ACTUAL-cost alerts at the blueprint's thresholds, mailed to its
 * subscribers, created from inside the account (its own AccountId). Looked up first: a budget or notification an
 * earlier attempt created is kept, never created twice.
 */
import {
  CreateBudgetCommand,
  CreateNotificationCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  type Notification,
} from '@aws-sdk/client-budgets';
import { type AwsClients } from './aws-clients';
import { awsErrorName, describeAwsError, nonRetryable } from './errors';
import { classify } from './errors';

export interface BudgetInput {
  accountId: string;
  name: string;
  monthlyLimitUsd: number;
  thresholdsPercent: number[];
  subscribers: string[];
}

const notification = (threshold: number): Notification => ({
  NotificationType: 'ACTUAL',
  ComparisonOperator: 'GREATER_THAN',
  Threshold: threshold,
  ThresholdType: 'PERCENTAGE',
});

export function createBudgetActivities(aws: AwsClients) {
  return {
    async ensureBudget(input: BudgetInput): Promise<{ outcome: string }> {
      const session = await aws.memberSession(input.accountId).catch((err: unknown) => {
        throw classify(err, 'AssumeRole into the account');
      });
      const budgets = session.budgets;
      const subscribers = input.subscribers.map((address) => ({ SubscriptionType: 'EMAIL' as const, Address: address }));
      let exists = true;
      try {
        await budgets.send(new DescribeBudgetCommand({ AccountId: input.accountId, BudgetName: input.name }));
      } catch (err) {
        if (awsErrorName(err) !== 'NotFoundException') throw classify(err, 'DescribeBudget');
        exists = false;
      }
      if (!exists) {
        try {
          await budgets.send(
            new CreateBudgetCommand({
              AccountId: input.accountId,
              Budget: {
                BudgetName: input.name,
                BudgetType: 'COST',
                TimeUnit: 'MONTHLY',
                BudgetLimit: { Amount: String(input.monthlyLimitUsd), Unit: 'USD' },
              },
              NotificationsWithSubscribers: input.thresholdsPercent.map((t) => ({ Notification: notification(t), Subscribers: subscribers })),
            }),
          );
          return { outcome: `budget "${input.name}" created: ${input.monthlyLimitUsd} USD a month, alerts at ${input.thresholdsPercent.join('%, ')}%` };
        } catch (err) {
          // Created by an earlier attempt whose answer was lost: the notifications are checked below.
          if (awsErrorName(err) !== 'DuplicateRecordException') {
            if (awsErrorName(err) === 'InvalidParameterException') throw nonRetryable('BaselineStepInvalid', `CreateBudget: ${describeAwsError(err)}`);
            throw classify(err, 'CreateBudget');
          }
        }
      }
      // The budget exists: make sure each threshold has its notification (CreateBudget makes them all or none).
      let present: Notification[] = [];
      try {
        present = (await budgets.send(new DescribeNotificationsForBudgetCommand({ AccountId: input.accountId, BudgetName: input.name }))).Notifications ?? [];
      } catch (err) {
        throw classify(err, 'DescribeNotificationsForBudget');
      }
      const missing = input.thresholdsPercent.filter((t) => !present.some((n) => n.Threshold === t && n.NotificationType === 'ACTUAL'));
      for (const t of missing) {
        try {
          await budgets.send(new CreateNotificationCommand({ AccountId: input.accountId, BudgetName: input.name, Notification: notification(t), Subscribers: subscribers }));
        } catch (err) {
          if (awsErrorName(err) !== 'DuplicateRecordException') throw classify(err, 'CreateNotification');
        }
      }
      return { outcome: `budget "${input.name}" already there${missing.length ? `; added alerts at ${missing.join('%, ')}%` : ''}` };
    },
  };
}
