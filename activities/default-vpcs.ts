/**
 * Baseline step `default-vpcs`: the default VPC of every region enabled in the account is deleted from inside the
 * account (internet gateway detached and deleted, subnets, then the VPC). Only a VPC that EC2 reports as default AND
 * owned by this account is touched: a session in the wrong account, or a VPC someone made, is never deleted. Each
 * attempt starts from what EC2 shows now, so whatever an earlier attempt deleted is simply not found again.
 */
import { ListRegionsCommand } from '@aws-sdk/client-account';
import {
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { type AwsClients } from './aws-clients';
import { awsErrorName } from './errors';
import { classify } from './errors';

/** Already gone: an earlier attempt (or someone else) deleted it. */
const GONE = new Set(['InvalidVpcID.NotFound', 'InvalidSubnetID.NotFound', 'InvalidInternetGatewayID.NotFound', 'Gateway.NotAttached']);

export function createDefaultVpcActivities(aws: AwsClients) {
  return {
    async deleteDefaultVpcs(input: { accountId: string }): Promise<{ outcome: string; regions: number; deleted: string[] }> {
      const regions: string[] = [];
      try {
        let token: string | undefined;
        do {
          const page = await aws.account.send(
            new ListRegionsCommand({ AccountId: input.accountId, RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], NextToken: token }),
          );
          for (const r of page.Regions ?? []) if (r.RegionName) regions.push(r.RegionName);
          token = page.NextToken;
        } while (token);
      } catch (err) {
        throw classify(err, 'ListRegions');
      }
      const session = await aws.memberSession(input.accountId).catch((err: unknown) => {
        throw classify(err, 'AssumeRole into the account');
      });
      const deleted: string[] = [];
      for (const region of regions) {
        const ec2 = session.ec2(region);
        try {
          deleted.push(...(await deleteInRegion(ec2, input.accountId, region)));
        } finally {
          ec2.destroy();
        }
      }
      return {
        outcome: `no default VPC left in ${regions.length} enabled region(s)${deleted.length ? `; deleted ${deleted.join(', ')}` : ''}`,
        regions: regions.length,
        deleted,
      };
    },
  };
}

async function deleteInRegion(ec2: EC2Client, accountId: string, region: string): Promise<string[]> {
  const call = async <T>(operation: string, send: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await send();
    } catch (err) {
      if (GONE.has(awsErrorName(err) ?? '')) return undefined;
      // DependencyViolation (something still uses it) and the rest: Temporal retries the activity.
      throw classify(err, `${operation} in ${region}`);
    }
  };
  const vpcs = (await call('DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))))?.Vpcs ?? [];
  const deleted: string[] = [];
  for (const vpc of vpcs) {
    if (!vpc.VpcId || vpc.IsDefault !== true || vpc.OwnerId !== accountId) continue;
    const vpcId = vpc.VpcId;
    const gateways =
      (await call('DescribeInternetGateways', () => ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }))))
        ?.InternetGateways ?? [];
    for (const gateway of gateways) {
      const id = gateway.InternetGatewayId as string;
      await call('DetachInternetGateway', () => ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: vpcId })));
      await call('DeleteInternetGateway', () => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: id })));
    }
    const subnets = (await call('DescribeSubnets', () => ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))))?.Subnets ?? [];
    for (const subnet of subnets) {
      await call('DeleteSubnet', () => ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId as string })));
    }
    await call('DeleteVpc', () => ec2.send(new DeleteVpcCommand({ VpcId: vpcId })));
    deleted.push(`${vpcId} (${region})`);
  }
  return deleted;
}
