// `cloud export --format terraform`: the same stacks as one Terraform configuration, translated from the typed templates.
import { UserError } from '../../../errors.js';
import type { DeployNames } from '../names.js';
import type { ScheduleRequest } from '../stacks/schedule-request.js';
import type { Template } from '../stacks/template.js';
import { HclBlock, HclExpr, HclTemplate, makeBlock, makeCall, makeExpr, renderFile, type HclValue } from '../../deploy/hcl.js';

/** The templates to translate (bucket, resources, task) and the task's schedules. */
export interface TerraformExportInput {
  names: DeployNames;
  templates: Template[];
  schedules: ScheduleRequest[];
}

type Cfn = unknown;

interface Located {
  tfType: string;
  tfName: string;
  cfnType: string;
}

const REF_ATTRIBUTE: Record<string, string> = {
  'AWS::ECS::Cluster': 'name',
  'AWS::IAM::Role': 'name',
  'AWS::Logs::LogGroup': 'name',
  'AWS::ECS::TaskDefinition': 'arn',
  'AWS::StepFunctions::StateMachine': 'arn',
  'AWS::SNS::Topic': 'arn',
};

const TF_TYPE: Record<string, string> = {
  'AWS::S3::Bucket': 'aws_s3_bucket',
  'AWS::S3::BucketPolicy': 'aws_s3_bucket_policy',
  'AWS::EC2::VPC': 'aws_vpc',
  'AWS::EC2::InternetGateway': 'aws_internet_gateway',
  'AWS::EC2::VPCGatewayAttachment': 'aws_internet_gateway_attachment',
  'AWS::EC2::RouteTable': 'aws_route_table',
  'AWS::EC2::Route': 'aws_route',
  'AWS::EC2::Subnet': 'aws_subnet',
  'AWS::EC2::SubnetRouteTableAssociation': 'aws_route_table_association',
  'AWS::EC2::SecurityGroup': 'aws_security_group',
  'AWS::ECS::Cluster': 'aws_ecs_cluster',
  'AWS::IAM::Role': 'aws_iam_role',
  'AWS::Logs::LogGroup': 'aws_cloudwatch_log_group',
  'AWS::Logs::MetricFilter': 'aws_cloudwatch_log_metric_filter',
  'AWS::ECS::TaskDefinition': 'aws_ecs_task_definition',
  'AWS::StepFunctions::StateMachine': 'aws_sfn_state_machine',
  'AWS::SNS::Topic': 'aws_sns_topic',
  'AWS::SNS::Subscription': 'aws_sns_topic_subscription',
  'AWS::CloudWatch::Alarm': 'aws_cloudwatch_metric_alarm',
};

const PSEUDO: Record<string, string> = {
  'AWS::Region': 'data.aws_region.current.name',
  'AWS::AccountId': 'data.aws_caller_identity.current.account_id',
  'AWS::Partition': 'data.aws_partition.current.partition',
};

/** `PublicSubnetA` → `public_subnet_a`. */
export function toSnakeCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Translates CloudFormation values (with intrinsic functions) into HCL values and expressions. */
class Translator {
  readonly located = new Map<string, Located>();
  /** Export name → the exported value (CloudFormation form), so Fn::ImportValue becomes a direct reference. */
  readonly exports = new Map<string, Cfn>();

  locate(logicalId: string): Located {
    const found = this.located.get(logicalId);
    if (!found) throw new Error(`terraform export: no resource ${logicalId}`);
    return found;
  }

  ref(name: string): HclExpr {
    if (PSEUDO[name]) return makeExpr(PSEUDO[name]!);
    const r = this.locate(name);
    return makeExpr(`${r.tfType}.${r.tfName}.${REF_ATTRIBUTE[r.cfnType] ?? 'id'}`);
  }

  getAtt(logicalId: string, attribute: string): HclExpr {
    const r = this.locate(logicalId);
    if (attribute !== 'Arn') throw new Error(`terraform export: unsupported attribute ${logicalId}.${attribute}`);
    return makeExpr(`${r.tfType}.${r.tfName}.arn`);
  }

  /** `${AWS::Region}`, `${Id}`, `${Id.Attr}` and `${Var}` of Fn::Sub, as a template (or a plain string when there are none). */
  sub(text: string, vars: Record<string, Cfn> = {}): HclValue {
    const parts: (string | HclExpr)[] = [];
    let last = 0;
    for (const m of text.matchAll(/\$\{([^}]+)\}/g)) {
      parts.push(text.slice(last, m.index));
      last = m.index! + m[0].length;
      const token = m[1]!;
      if (token.startsWith('!')) parts.push(`\${${token.slice(1)}}`);
      else if (token in vars) parts.push(this.toExpr(this.value(vars[token])));
      else if (token.includes('.') && !PSEUDO[token]) parts.push(this.getAtt(token.split('.')[0]!, token.split('.')[1]!));
      else parts.push(this.ref(token));
    }
    parts.push(text.slice(last));
    const clean = parts.filter((p) => p !== '');
    if (clean.every((p) => typeof p === 'string')) return clean.join('');
    if (clean.length === 1 && clean[0] instanceof HclExpr) return clean[0];
    return new HclTemplate(clean);
  }

  /** An HCL value usable inside a template or call: literals become quoted expressions. */
  toExpr(value: HclValue): HclExpr {
    if (value instanceof HclExpr) return value;
    if (typeof value === 'string') return makeExpr(JSON.stringify(value).replace(/\$\{/g, () => '$${'));
    if (value instanceof HclTemplate) {
      return makeExpr(`"${value.parts.map((p) => (typeof p === 'string' ? JSON.stringify(p).slice(1, -1).replace(/\$\{/g, () => '$${') : `\${${p.text}}`)).join('')}"`);
    }
    throw new Error('terraform export: cannot interpolate a list or object');
  }

  value(v: Cfn): HclValue {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (!isObject(v)) throw new Error('terraform export: unexpected value');
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.intrinsic(keys[0]!, v[keys[0]!]);
    const out: Record<string, HclValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.value(x);
    return out;
  }

  intrinsic(name: string, arg: Cfn): HclValue {
    switch (name) {
      case 'Ref':
        return this.ref(arg as string);
      case 'Fn::GetAtt': {
        const [id, attribute] = arg as [string, string];
        return this.getAtt(id, attribute);
      }
      case 'Fn::Sub':
        return Array.isArray(arg) ? this.sub(arg[0] as string, arg[1] as Record<string, Cfn>) : this.sub(arg as string);
      case 'Fn::ImportValue': {
        const exported = this.exports.get(arg as string);
        if (exported === undefined) throw new Error(`terraform export: no export ${String(arg)}`);
        return this.value(exported);
      }
      case 'Fn::Join': {
        const [separator, list] = arg as [string, Cfn];
        return makeCall('join', separator, this.value(list));
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, Cfn];
        // Split(",", ImportValue(x)) where x is Join(",", [a, b]): the list itself.
        const resolved = isObject(source) && 'Fn::ImportValue' in source ? this.exports.get(source['Fn::ImportValue'] as string) : source;
        if (isObject(resolved) && Array.isArray(resolved['Fn::Join']) && resolved['Fn::Join'][0] === separator) return this.value(resolved['Fn::Join'][1]);
        // A literal list of ids, or one reference: the list written out.
        if (typeof resolved === 'string') return resolved.split(separator);
        if (isObject(resolved) && ('Ref' in resolved || 'Fn::GetAtt' in resolved)) return [this.value(resolved)];
        return makeCall('split', separator, this.value(source));
      }
      case 'Fn::Select': {
        const [index, list] = arg as [string, Cfn];
        return makeCall('element', this.value(list), Number(index));
      }
      case 'Fn::GetAZs':
        return makeExpr('data.aws_availability_zones.available.names');
      default:
        throw new Error(`terraform export: unsupported intrinsic ${name}`);
    }
  }

  tags(tags: unknown): Record<string, HclValue> | undefined {
    if (!Array.isArray(tags) || tags.length === 0) return undefined;
    return Object.fromEntries((tags as { Key: string; Value: Cfn }[]).map((t) => [t.Key, this.value(t.Value)]));
  }
}

/** ECS container definitions in the API's camelCase (what Terraform's container_definitions takes); option maps keep their keys. */
function toEcsJson(value: Cfn, keepKeys = false): Cfn {
  if (Array.isArray(value)) return value.map((v) => toEcsJson(v));
  if (!isObject(value)) return value;
  if (Object.keys(value).length === 1 && (Object.keys(value)[0] === 'Ref' || Object.keys(value)[0]!.startsWith('Fn::'))) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1), toEcsJson(v, k === 'Options')]));
}

function toHclString(v: HclValue): HclValue {
  return typeof v === 'number' ? String(v) : v;
}

/** The blocks of one CloudFormation resource (a role becomes a role plus its policies, a bucket its settings). */
function translateResource(t: Translator, logicalId: string, resource: { Type: string; Properties: Record<string, Cfn>; DependsOn?: string[] }, names: DeployNames): HclBlock[] {
  const p = resource.Properties;
  const { tfType, tfName } = t.locate(logicalId);
  const v = (x: Cfn): HclValue => t.value(x);
  const dependsOn = resource.DependsOn?.length ? resource.DependsOn.map((id) => makeExpr(`${t.locate(id).tfType}.${t.locate(id).tfName}`)) : undefined;
  const self = (attr: string): HclExpr => makeExpr(`${tfType}.${tfName}.${attr}`);
  switch (resource.Type) {
    case 'AWS::S3::Bucket': {
      const encryption = (p.BucketEncryption as { ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string; KMSMasterKeyID?: Cfn } }[] }).ServerSideEncryptionConfiguration[0]!.ServerSideEncryptionByDefault;
      const access = p.PublicAccessBlockConfiguration as Record<string, boolean>;
      const rules = ((p.LifecycleConfiguration as { Rules?: Record<string, unknown>[] } | undefined)?.Rules ?? []).map((r) =>
        makeBlock('rule', [], {
          id: r.Id as string,
          status: r.Status as string,
          filter: makeBlock('filter', [], {}),
          noncurrent_version_expiration: r.NoncurrentVersionExpiration ? makeBlock('noncurrent_version_expiration', [], { noncurrent_days: (r.NoncurrentVersionExpiration as { NoncurrentDays: number }).NoncurrentDays }) : undefined,
          abort_incomplete_multipart_upload: r.AbortIncompleteMultipartUpload
            ? makeBlock('abort_incomplete_multipart_upload', [], { days_after_initiation: (r.AbortIncompleteMultipartUpload as { DaysAfterInitiation: number }).DaysAfterInitiation })
            : undefined,
        }),
      );
      return [
        // Retained like the stack's DeletionPolicy: Retain; remove the lifecycle block to let Terraform delete it.
        makeBlock('resource', [tfType, tfName], { bucket: v(p.BucketName), lifecycle: makeBlock('lifecycle', [], { prevent_destroy: true }) }),
        makeBlock('resource', ['aws_s3_bucket_server_side_encryption_configuration', tfName], {
          bucket: self('id'),
          rule: makeBlock('rule', [], {
            apply_server_side_encryption_by_default: makeBlock('apply_server_side_encryption_by_default', [], {
              sse_algorithm: encryption.SSEAlgorithm,
              kms_master_key_id: encryption.KMSMasterKeyID !== undefined ? v(encryption.KMSMasterKeyID) : undefined,
            }),
          }),
        }),
        makeBlock('resource', ['aws_s3_bucket_public_access_block', tfName], {
          bucket: self('id'),
          block_public_acls: access.BlockPublicAcls!,
          block_public_policy: access.BlockPublicPolicy!,
          ignore_public_acls: access.IgnorePublicAcls!,
          restrict_public_buckets: access.RestrictPublicBuckets!,
        }),
        makeBlock('resource', ['aws_s3_bucket_versioning', tfName], {
          bucket: self('id'),
          versioning_configuration: makeBlock('versioning_configuration', [], { status: (p.VersioningConfiguration as { Status: string }).Status }),
        }),
        ...(rules.length ? [makeBlock('resource', ['aws_s3_bucket_lifecycle_configuration', tfName], { bucket: self('id'), rule: rules })] : []),
      ];
    }
    case 'AWS::S3::BucketPolicy':
      return [makeBlock('resource', [tfType, tfName], { bucket: v(p.Bucket), policy: makeCall('jsonencode', v(p.PolicyDocument)) })];
    case 'AWS::EC2::VPC':
      return [makeBlock('resource', [tfType, tfName], { cidr_block: v(p.CidrBlock), enable_dns_support: v(p.EnableDnsSupport), enable_dns_hostnames: v(p.EnableDnsHostnames), tags: t.tags(p.Tags) })];
    case 'AWS::EC2::InternetGateway':
      return [makeBlock('resource', [tfType, tfName], { tags: t.tags(p.Tags) })];
    case 'AWS::EC2::VPCGatewayAttachment':
      return [makeBlock('resource', [tfType, tfName], { vpc_id: v(p.VpcId), internet_gateway_id: v(p.InternetGatewayId) })];
    case 'AWS::EC2::RouteTable':
      return [makeBlock('resource', [tfType, tfName], { vpc_id: v(p.VpcId), tags: t.tags(p.Tags) })];
    case 'AWS::EC2::Route':
      return [makeBlock('resource', [tfType, tfName], { route_table_id: v(p.RouteTableId), destination_cidr_block: v(p.DestinationCidrBlock), gateway_id: v(p.GatewayId), depends_on: dependsOn })];
    case 'AWS::EC2::Subnet':
      return [
        makeBlock('resource', [tfType, tfName], {
          vpc_id: v(p.VpcId),
          cidr_block: v(p.CidrBlock),
          availability_zone: v(p.AvailabilityZone),
          map_public_ip_on_launch: v(p.MapPublicIpOnLaunch),
          tags: t.tags(p.Tags),
        }),
      ];
    case 'AWS::EC2::SubnetRouteTableAssociation':
      return [makeBlock('resource', [tfType, tfName], { subnet_id: v(p.SubnetId), route_table_id: v(p.RouteTableId) })];
    case 'AWS::EC2::SecurityGroup':
      return [
        makeBlock('resource', [tfType, tfName], {
          description: v(p.GroupDescription),
          vpc_id: v(p.VpcId),
          egress: ((p.SecurityGroupEgress as Record<string, Cfn>[] | undefined) ?? []).map((e) =>
            makeBlock('egress', [], {
              protocol: v(e.IpProtocol),
              from_port: e.IpProtocol === '-1' ? 0 : (e.FromPort as number),
              to_port: e.IpProtocol === '-1' ? 0 : (e.ToPort as number),
              cidr_blocks: [v(e.CidrIp)],
              description: e.Description !== undefined ? v(e.Description) : undefined,
            }),
          ),
          tags: t.tags(p.Tags),
        }),
      ];
    case 'AWS::ECS::Cluster':
      return [makeBlock('resource', [tfType, tfName], { name: v(p.ClusterName) })];
    case 'AWS::IAM::Role': {
      const blocks = [
        makeBlock('resource', [tfType, tfName], {
          name: v(p.RoleName),
          path: v(p.Path),
          description: p.Description !== undefined ? v(p.Description) : undefined,
          assume_role_policy: makeCall('jsonencode', v(p.AssumeRolePolicyDocument)),
        }),
      ];
      for (const policy of (p.Policies as { PolicyName: string; PolicyDocument: Cfn }[] | undefined) ?? []) {
        blocks.push(makeBlock('resource', ['aws_iam_role_policy', `${tfName}_${toSnakeCase(policy.PolicyName.replace(/-/g, '_'))}`], { name: policy.PolicyName, role: self('id'), policy: makeCall('jsonencode', v(policy.PolicyDocument)) }));
      }
      ((p.ManagedPolicyArns as Cfn[] | undefined) ?? []).forEach((arn, i) => {
        blocks.push(makeBlock('resource', ['aws_iam_role_policy_attachment', `${tfName}_managed_${i + 1}`], { role: self('name'), policy_arn: v(arn) }));
      });
      return blocks;
    }
    case 'AWS::Logs::LogGroup':
      return [makeBlock('resource', [tfType, tfName], { name: v(p.LogGroupName), retention_in_days: v(p.RetentionInDays) })];
    case 'AWS::Logs::MetricFilter': {
      const m = (p.MetricTransformations as Record<string, Cfn>[])[0]!;
      return [
        makeBlock('resource', [tfType, tfName], {
          // Terraform needs a name where CloudFormation generates one: the log group and the metric.
          name: `${names.logGroup}/${m.MetricName as string}`,
          log_group_name: v(p.LogGroupName),
          pattern: v(p.FilterPattern),
          metric_transformation: makeBlock('metric_transformation', [], {
            name: v(m.MetricName),
            namespace: v(m.MetricNamespace),
            value: v(m.MetricValue),
            unit: m.Unit !== undefined ? v(m.Unit) : undefined,
          }),
        }),
      ];
    }
    case 'AWS::ECS::TaskDefinition': {
      const storage = p.EphemeralStorage as { SizeInGiB: number } | undefined;
      return [
        makeBlock('resource', [tfType, tfName], {
          family: v(p.Family),
          cpu: toHclString(v(p.Cpu)),
          memory: toHclString(v(p.Memory)),
          network_mode: v(p.NetworkMode),
          requires_compatibilities: v(p.RequiresCompatibilities),
          execution_role_arn: v(p.ExecutionRoleArn),
          task_role_arn: v(p.TaskRoleArn),
          ephemeral_storage: storage ? makeBlock('ephemeral_storage', [], { size_in_gib: storage.SizeInGiB }) : undefined,
          container_definitions: makeCall('jsonencode', v(toEcsJson(p.ContainerDefinitions))),
        }),
      ];
    }
    case 'AWS::StepFunctions::StateMachine':
      return [
        makeBlock('resource', [tfType, tfName], {
          name: v(p.StateMachineName),
          type: v(p.StateMachineType),
          role_arn: v(p.RoleArn),
          definition: makeCall('jsonencode', translateDefinition(t, p.DefinitionString)),
        }),
      ];
    case 'AWS::SNS::Topic':
      return [makeBlock('resource', [tfType, tfName], { name: v(p.TopicName), display_name: p.DisplayName !== undefined ? v(p.DisplayName) : undefined })];
    case 'AWS::SNS::Subscription':
      return [makeBlock('resource', [tfType, tfName], { topic_arn: v(p.TopicArn), protocol: v(p.Protocol), endpoint: v(p.Endpoint) })];
    case 'AWS::CloudWatch::Alarm':
      return [
        makeBlock('resource', [tfType, tfName], {
          alarm_name: v(p.AlarmName),
          alarm_description: p.AlarmDescription !== undefined ? v(p.AlarmDescription) : undefined,
          namespace: v(p.Namespace),
          metric_name: v(p.MetricName),
          dimensions: Object.fromEntries(((p.Dimensions as { Name: string; Value: Cfn }[]) ?? []).map((d) => [d.Name, v(d.Value)])),
          statistic: v(p.Statistic),
          period: v(p.Period),
          evaluation_periods: v(p.EvaluationPeriods),
          threshold: v(p.Threshold),
          comparison_operator: v(p.ComparisonOperator),
          treat_missing_data: p.TreatMissingData !== undefined ? v(p.TreatMissingData) : undefined,
          alarm_actions: p.AlarmActions !== undefined ? v(p.AlarmActions) : undefined,
        }),
      ];
    default:
      throw new UserError(`cloud export cannot translate ${resource.Type} (${logicalId}) to Terraform yet`, { fix: 'export with --format cloudformation' });
  }
}

/**
 * The runner's Amazon States Language as an HCL object for jsonencode: the Fn::Sub placeholders become references,
 * and `["${Subnets}"]` (a JSON-string trick for CloudFormation) becomes the list of subnet ids itself.
 */
function translateDefinition(t: Translator, definition: Cfn): HclValue {
  const [text, vars] = (definition as { 'Fn::Sub': [string, Record<string, Cfn>] })['Fn::Sub'];
  const listVar = (s: unknown): HclValue | undefined => {
    const m = typeof s === 'string' ? /^\$\{(\w+)\}$/.exec(s) : null;
    const source = m ? vars[m[1]!] : undefined;
    if (!isObject(source) || !Array.isArray(source['Fn::Join']) || source['Fn::Join'][0] !== '","') return undefined;
    return t.value(source['Fn::Join'][1]);
  };
  const walk = (node: unknown): HclValue => {
    if (typeof node === 'string') return t.sub(node, vars);
    if (Array.isArray(node)) {
      if (node.length === 1) {
        const list = listVar(node[0]);
        if (list !== undefined) return list;
      }
      return node.map(walk);
    }
    if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, x]) => [k, walk(x)]));
    return node as HclValue;
  };
  return walk(JSON.parse(text));
}

/** The whole configuration as `main.tf` text. */
export function createTerraformConfig(input: TerraformExportInput): string {
  const t = new Translator();
  for (const template of input.templates) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const tfType = TF_TYPE[resource.Type];
      if (!tfType) throw new UserError(`cloud export cannot translate ${resource.Type} (${id}) to Terraform yet`, { fix: 'export with --format cloudformation' });
      t.located.set(id, { tfType, tfName: toSnakeCase(id), cfnType: resource.Type });
    }
    for (const output of Object.values(template.Outputs ?? {})) {
      if (output.Export) t.exports.set(output.Export.Name as string, output.Value);
    }
  }
  const { names } = input;
  const items: (HclBlock | { comment: string })[] = [
    {
      comment: `handoff ${names.resourceGroup}/${names.task}: the stacks of \`handoff cloud deploy\` as one Terraform configuration.\nGenerated by \`handoff cloud export --format terraform\`; the region comes from the provider (AWS_REGION or a provider block).`,
    },
    makeBlock('terraform', [], {
      required_version: '>= 1.3',
      required_providers: makeBlock('required_providers', [], { aws: { source: 'hashicorp/aws', version: '>= 5.0' } }),
    }),
    makeBlock('provider', ['aws'], {}),
    makeBlock('data', ['aws_region', 'current'], {}),
    makeBlock('data', ['aws_caller_identity', 'current'], {}),
    makeBlock('data', ['aws_partition', 'current'], {}),
  ];
  const usesAzs = input.templates.some((tpl) => JSON.stringify(tpl).includes('Fn::GetAZs'));
  if (usesAzs) items.push(makeBlock('data', ['aws_availability_zones', 'available'], { state: 'available' }));
  for (const template of input.templates) {
    items.push({ comment: template.Description });
    for (const [id, resource] of Object.entries(template.Resources)) {
      items.push(...translateResource(t, id, resource as { Type: string; Properties: Record<string, Cfn>; DependsOn?: string[] }, names));
    }
  }
  if (input.schedules.length > 0) {
    items.push({ comment: `EventBridge Scheduler: the task's own schedule group and schedules (from schedules: in project.yml)` });
    items.push(makeBlock('resource', ['aws_scheduler_schedule_group', 'schedules'], { name: names.scheduleGroup }));
    const stateMachine = [...t.located.entries()].find(([, r]) => r.cfnType === 'AWS::StepFunctions::StateMachine');
    const schedulerRole = t.exports.get(names.exports.schedulerRoleArn);
    for (const s of input.schedules) {
      items.push(
        makeBlock('resource', ['aws_scheduler_schedule', toSnakeCase(s.Name.replace(/[^A-Za-z0-9]+/g, '_'))], {
          name: s.Name,
          group_name: makeExpr('aws_scheduler_schedule_group.schedules.name'),
          description: s.Description,
          schedule_expression: s.ScheduleExpression,
          schedule_expression_timezone: s.ScheduleExpressionTimezone,
          state: s.State,
          flexible_time_window: makeBlock('flexible_time_window', [], { mode: s.FlexibleTimeWindow.Mode }),
          target: makeBlock('target', [], {
            arn: stateMachine ? makeExpr(`aws_sfn_state_machine.${stateMachine[1].tfName}.arn`) : s.Target.Arn,
            role_arn: schedulerRole !== undefined ? t.value(schedulerRole) : s.Target.RoleArn,
            input: makeCall('jsonencode', JSON.parse(s.Target.Input) as HclValue),
          }),
        }),
      );
    }
  }
  items.push({ comment: 'What `handoff cloud run` and the schedules use' });
  for (const template of input.templates) {
    for (const [key, output] of Object.entries(template.Outputs ?? {})) {
      items.push(makeBlock('output', [toSnakeCase(key)], { description: output.Description, value: t.value(output.Value) }));
    }
  }
  return renderFile(items);
}
