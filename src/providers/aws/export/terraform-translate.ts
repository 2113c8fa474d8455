// CloudFormation resources and values (with intrinsic functions) as Terraform blocks and expressions, for the module export.
import { UserError } from '../../../errors.js';
import { HclExpr, HclTemplate, makeBlock, makeCall, makeExpr, type HclBlock, type HclValue } from '../../deploy/hcl.js';

type Cfn = unknown;

export interface CfnResource {
  Type: string;
  Properties: Record<string, Cfn>;
  DependsOn?: string[];
}

interface Located {
  tfType: string;
  tfName: string;
  cfnType: string;
  /** `count` of a resource the module makes only when a variable leaves it to the module (e.g. `var.subnets == null`). */
  count?: HclExpr;
}

/** The attribute `Ref` means for each type (CloudFormation's documented Ref value). */
const REF_ATTRIBUTE: Record<string, string> = {
  'AWS::ECS::Cluster': 'name',
  'AWS::IAM::Role': 'name',
  'AWS::Logs::LogGroup': 'name',
  'AWS::ECS::TaskDefinition': 'arn',
  'AWS::StepFunctions::StateMachine': 'arn',
  'AWS::SNS::Topic': 'arn',
  'AWS::IAM::ManagedPolicy': 'arn',
  'AWS::EC2::EIP': 'public_ip',
};

/** GetAtt attributes in Terraform's spelling. */
const ATTRIBUTE: Record<string, string> = { Arn: 'arn', AllocationId: 'allocation_id' };

export const TF_TYPE: Record<string, string> = {
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
  'AWS::EC2::EIP': 'aws_eip',
  'AWS::EC2::NatGateway': 'aws_nat_gateway',
  'AWS::ECS::Cluster': 'aws_ecs_cluster',
  'AWS::IAM::Role': 'aws_iam_role',
  'AWS::IAM::Policy': 'aws_iam_role_policy',
  'AWS::IAM::ManagedPolicy': 'aws_iam_policy',
  'AWS::Logs::LogGroup': 'aws_cloudwatch_log_group',
  'AWS::Logs::MetricFilter': 'aws_cloudwatch_log_metric_filter',
  'AWS::ECS::TaskDefinition': 'aws_ecs_task_definition',
  'AWS::StepFunctions::StateMachine': 'aws_sfn_state_machine',
  'AWS::SNS::Topic': 'aws_sns_topic',
  'AWS::SNS::Subscription': 'aws_sns_topic_subscription',
  'AWS::CloudWatch::Alarm': 'aws_cloudwatch_metric_alarm',
  'AWS::Events::Rule': 'aws_cloudwatch_event_rule',
  'AWS::SNS::TopicPolicy': 'aws_sns_topic_policy',
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

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Translates CloudFormation values into HCL. What the module makes configurable is told to it: references of a
 * resource or an export that a variable may replace (`overrides`), literal strings that stand for a variable (exact
 * `literals`, e.g. the image placeholder, or `substrings` inside ARNs, e.g. the bucket placeholder).
 */
export class Translator {
  readonly located = new Map<string, Located>();
  /** Export name → the exported value (CloudFormation form), so Fn::ImportValue becomes a direct reference. */
  readonly exports = new Map<string, Cfn>();
  /** Export name → what the module uses instead (a local or a variable). */
  readonly importOverrides = new Map<string, HclValue>();
  /** `LogicalId` (Ref) or `LogicalId.Attribute` (GetAtt) → what the module uses instead. */
  readonly refOverrides = new Map<string, HclValue>();
  /** A whole literal string → what it stands for. */
  readonly literals = new Map<string, HclValue>();
  /** Text inside literals → the parts it stands for (interpolated into the string). */
  readonly substrings: [string, (string | HclExpr)[]][] = [];

  locate(logicalId: string): Located {
    const found = this.located.get(logicalId);
    if (!found) throw new Error(`terraform export: no resource ${logicalId}`);
    return found;
  }

  /** `aws_vpc.vpc.id`, or `aws_vpc.vpc[0].id` for a resource made only when a variable is not set. */
  address(logicalId: string, attribute: string): HclExpr {
    const r = this.locate(logicalId);
    return makeExpr(`${r.tfType}.${r.tfName}${r.count ? '[0]' : ''}.${attribute}`);
  }

  ref(name: string): HclValue {
    if (PSEUDO[name]) return makeExpr(PSEUDO[name]!);
    const override = this.refOverrides.get(name);
    if (override !== undefined) return override;
    return this.address(name, REF_ATTRIBUTE[this.locate(name).cfnType] ?? 'id');
  }

  getAtt(logicalId: string, attribute: string): HclValue {
    const override = this.refOverrides.get(`${logicalId}.${attribute}`);
    if (override !== undefined) return override;
    const tf = ATTRIBUTE[attribute];
    if (!tf) throw new Error(`terraform export: unsupported attribute ${logicalId}.${attribute}`);
    return this.address(logicalId, tf);
  }

  /** A literal string with its placeholders replaced: the string, an expression, or a template. */
  literal(text: string): HclValue {
    const exact = this.literals.get(text);
    if (exact !== undefined) return exact;
    return joinParts(this.literalParts(text));
  }

  private literalParts(text: string): (string | HclExpr)[] {
    let parts: (string | HclExpr)[] = [text];
    for (const [needle, replacement] of this.substrings) {
      parts = parts.flatMap((p) => (typeof p !== 'string' || !p.includes(needle) ? [p] : p.split(needle).flatMap((piece, i) => (i === 0 ? [piece] : [...replacement, piece]))));
    }
    return parts.filter((p) => p !== '');
  }

  /** `${AWS::Region}`, `${Id}`, `${Id.Attr}` and `${Var}` of Fn::Sub, as a template (or a plain value when there are none). */
  sub(text: string, vars: Record<string, Cfn> = {}): HclValue {
    const parts: (string | HclExpr)[] = [];
    let last = 0;
    for (const m of text.matchAll(/\$\{([^}]+)\}/g)) {
      parts.push(...this.literalParts(text.slice(last, m.index)));
      last = m.index! + m[0].length;
      const token = m[1]!;
      if (token.startsWith('!')) parts.push(`\${${token.slice(1)}}`);
      else if (token in vars) parts.push(this.toExpr(this.value(vars[token])));
      else if (token.includes('.') && !PSEUDO[token]) parts.push(this.toExpr(this.getAtt(token.split('.')[0]!, token.split('.')[1]!)));
      else parts.push(this.toExpr(this.ref(token)));
    }
    parts.push(...this.literalParts(text.slice(last)));
    return joinParts(parts.filter((p) => p !== ''));
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
    if (typeof v === 'string') return this.literal(v);
    if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (!isObject(v)) throw new Error('terraform export: unexpected value');
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return this.intrinsic(keys[0]!, v[keys[0]!]);
    const out: Record<string, HclValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.value(x);
    return out;
  }

  private importedValue(name: string): HclValue {
    const override = this.importOverrides.get(name);
    if (override !== undefined) return override;
    const exported = this.exports.get(name);
    if (exported === undefined) throw new Error(`terraform export: no export ${name}`);
    return this.value(exported);
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
      case 'Fn::ImportValue':
        return this.importedValue(arg as string);
      case 'Fn::Join': {
        const [separator, list] = arg as [string, Cfn];
        return makeCall('join', separator, this.value(list));
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, Cfn];
        // Split(",", ImportValue(x)): the list the module holds for x, or the exported list written out.
        if (isObject(source) && 'Fn::ImportValue' in source) {
          const exportName = source['Fn::ImportValue'] as string;
          const override = this.importOverrides.get(exportName);
          if (override !== undefined) return override;
          const exported = this.exports.get(exportName);
          if (isObject(exported) && Array.isArray(exported['Fn::Join']) && exported['Fn::Join'][0] === separator) return this.value(exported['Fn::Join'][1]);
          if (typeof exported === 'string') return exported.split(separator);
        }
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

  /** CloudFormation's `[{Key, Value}]` as a Terraform map. */
  tags(tags: unknown): Record<string, HclValue> | undefined {
    if (!Array.isArray(tags) || tags.length === 0) return undefined;
    return Object.fromEntries((tags as { Key: string; Value: Cfn }[]).map((t) => [t.Key, this.value(t.Value)]));
  }
}

function joinParts(parts: (string | HclExpr)[]): HclValue {
  if (parts.length === 0) return '';
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  if (parts.length === 1 && parts[0] instanceof HclExpr) return parts[0];
  return new HclTemplate(parts);
}

/** Keys whose value is a map of the user's own names, kept as written when keys go back to the ECS API's camelCase. */
const MAP_KEYS = new Set(['Options', 'DockerLabels']);

/** ECS container definitions in the API's camelCase (what Terraform's container_definitions takes). */
function toEcsJson(value: Cfn, keepKeys = false): Cfn {
  if (Array.isArray(value)) return value.map((v) => toEcsJson(v));
  if (!isObject(value)) return value;
  if (Object.keys(value).length === 1 && (Object.keys(value)[0] === 'Ref' || Object.keys(value)[0]!.startsWith('Fn::'))) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1), toEcsJson(v, MAP_KEYS.has(k))]));
}

function toHclString(v: HclValue): HclValue {
  return typeof v === 'number' ? String(v) : v;
}

/** The blocks of one CloudFormation resource (a role becomes a role plus its policies, a bucket its settings). */
export function translateResource(t: Translator, logicalId: string, resource: CfnResource, input: { logGroup: string }): HclBlock[] {
  const p = resource.Properties;
  const located = t.locate(logicalId);
  const { tfType, tfName } = located;
  const count = located.count;
  const v = (x: Cfn): HclValue => t.value(x);
  const dependsOn = resource.DependsOn?.length ? resource.DependsOn.map((id) => makeExpr(`${t.locate(id).tfType}.${t.locate(id).tfName}`)) : undefined;
  const self = (attr: string): HclExpr => t.address(logicalId, attr);
  const block = (body: Record<string, HclValue | HclBlock | HclBlock[] | undefined>, type = tfType, name = tfName): HclBlock => makeBlock('resource', [type, name], { count, ...body });
  const tags = (): Record<string, HclValue> | undefined => t.tags(p.Tags);
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
        block({ bucket: v(p.BucketName), tags: tags(), lifecycle: makeBlock('lifecycle', [], { prevent_destroy: true }) }),
        block(
          {
            bucket: self('id'),
            rule: makeBlock('rule', [], {
              apply_server_side_encryption_by_default: makeBlock('apply_server_side_encryption_by_default', [], {
                sse_algorithm: encryption.SSEAlgorithm,
                kms_master_key_id: encryption.KMSMasterKeyID !== undefined ? v(encryption.KMSMasterKeyID) : undefined,
              }),
            }),
          },
          'aws_s3_bucket_server_side_encryption_configuration',
        ),
        block(
          {
            bucket: self('id'),
            block_public_acls: access.BlockPublicAcls!,
            block_public_policy: access.BlockPublicPolicy!,
            ignore_public_acls: access.IgnorePublicAcls!,
            restrict_public_buckets: access.RestrictPublicBuckets!,
          },
          'aws_s3_bucket_public_access_block',
        ),
        block({ bucket: self('id'), versioning_configuration: makeBlock('versioning_configuration', [], { status: (p.VersioningConfiguration as { Status: string }).Status }) }, 'aws_s3_bucket_versioning'),
        ...(rules.length ? [block({ bucket: self('id'), rule: rules }, 'aws_s3_bucket_lifecycle_configuration')] : []),
      ];
    }
    case 'AWS::S3::BucketPolicy':
      return [block({ bucket: v(p.Bucket), policy: makeCall('jsonencode', v(p.PolicyDocument)) })];
    case 'AWS::EC2::VPC':
      return [block({ cidr_block: v(p.CidrBlock), enable_dns_support: v(p.EnableDnsSupport), enable_dns_hostnames: v(p.EnableDnsHostnames), tags: tags() })];
    case 'AWS::EC2::InternetGateway':
      return [block({ tags: tags() })];
    case 'AWS::EC2::VPCGatewayAttachment':
      return [block({ vpc_id: v(p.VpcId), internet_gateway_id: v(p.InternetGatewayId) })];
    case 'AWS::EC2::RouteTable':
      return [block({ vpc_id: v(p.VpcId), tags: tags() })];
    case 'AWS::EC2::Route':
      return [
        block({
          route_table_id: v(p.RouteTableId),
          destination_cidr_block: v(p.DestinationCidrBlock),
          gateway_id: p.GatewayId !== undefined ? v(p.GatewayId) : undefined,
          nat_gateway_id: p.NatGatewayId !== undefined ? v(p.NatGatewayId) : undefined,
          depends_on: dependsOn,
        }),
      ];
    case 'AWS::EC2::Subnet':
      return [block({ vpc_id: v(p.VpcId), cidr_block: v(p.CidrBlock), availability_zone: v(p.AvailabilityZone), map_public_ip_on_launch: v(p.MapPublicIpOnLaunch), tags: tags() })];
    case 'AWS::EC2::SubnetRouteTableAssociation':
      return [block({ subnet_id: v(p.SubnetId), route_table_id: v(p.RouteTableId) })];
    case 'AWS::EC2::SecurityGroup':
      return [
        block({
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
          tags: tags(),
        }),
      ];
    case 'AWS::EC2::EIP':
      return [block({ domain: v(p.Domain), tags: tags(), depends_on: dependsOn })];
    case 'AWS::EC2::NatGateway':
      return [block({ allocation_id: v(p.AllocationId), subnet_id: v(p.SubnetId), connectivity_type: v(p.ConnectivityType), tags: tags() })];
    case 'AWS::ECS::Cluster':
      return [
        block({ name: v(p.ClusterName), tags: tags() }),
        // Terraform keeps a cluster's capacity providers in a resource of their own.
        block({ cluster_name: self('name'), capacity_providers: v(p.CapacityProviders) }, 'aws_ecs_cluster_capacity_providers'),
      ];
    case 'AWS::IAM::Role': {
      const blocks = [
        block({
          name: v(p.RoleName),
          path: v(p.Path),
          description: p.Description !== undefined ? v(p.Description) : undefined,
          assume_role_policy: makeCall('jsonencode', v(p.AssumeRolePolicyDocument)),
          permissions_boundary: p.PermissionsBoundary !== undefined ? v(p.PermissionsBoundary) : undefined,
          tags: tags(),
        }),
      ];
      for (const policy of (p.Policies as { PolicyName: string; PolicyDocument: Cfn }[] | undefined) ?? []) {
        blocks.push(block({ name: policy.PolicyName, role: self('id'), policy: makeCall('jsonencode', v(policy.PolicyDocument)) }, 'aws_iam_role_policy', `${tfName}_${toSnakeCase(policy.PolicyName.replace(/-/g, '_'))}`));
      }
      ((p.ManagedPolicyArns as Cfn[] | undefined) ?? []).forEach((arn, i) => {
        blocks.push(block({ role: self('name'), policy_arn: v(arn) }, 'aws_iam_role_policy_attachment', `${tfName}_managed_${i + 1}`));
      });
      return blocks;
    }
    case 'AWS::IAM::Policy':
      // An inline policy on several roles: one aws_iam_role_policy per role.
      return ((p.Roles as Cfn[]) ?? []).map((role, i) =>
        block({ name: v(p.PolicyName), role: v(role), policy: makeCall('jsonencode', v(p.PolicyDocument)) }, tfType, `${tfName}_${i + 1}`),
      );
    case 'AWS::IAM::ManagedPolicy':
      return [block({ name: v(p.ManagedPolicyName), path: v(p.Path), description: v(p.Description), policy: makeCall('jsonencode', v(p.PolicyDocument)) })];
    case 'AWS::Logs::LogGroup':
      // Kept when Terraform destroys the module, like the stack's DeletionPolicy: Retain (a deleted task's logs stay readable).
      return [block({ name: v(p.LogGroupName), retention_in_days: v(p.RetentionInDays), skip_destroy: true, tags: tags() })];
    case 'AWS::Logs::MetricFilter': {
      const m = (p.MetricTransformations as Record<string, Cfn>[])[0]!;
      return [
        block({
          // Terraform needs a name where CloudFormation generates one: the log group and the metric.
          name: `${input.logGroup}/${m.MetricName as string}`,
          log_group_name: v(p.LogGroupName),
          pattern: v(p.FilterPattern),
          metric_transformation: makeBlock('metric_transformation', [], { name: v(m.MetricName), namespace: v(m.MetricNamespace), value: v(m.MetricValue), unit: m.Unit !== undefined ? v(m.Unit) : undefined }),
        }),
      ];
    }
    case 'AWS::ECS::TaskDefinition':
      return [translateTaskDefinition(t, p, block)];
    case 'AWS::StepFunctions::StateMachine':
      return [block({ name: v(p.StateMachineName), type: v(p.StateMachineType), role_arn: v(p.RoleArn), definition: makeCall('jsonencode', translateDefinition(t, p.DefinitionString)), tags: tags() })];
    case 'AWS::SNS::Topic':
      return [block({ name: v(p.TopicName), display_name: p.DisplayName !== undefined ? v(p.DisplayName) : undefined, tags: tags() })];
    case 'AWS::SNS::Subscription':
      return [block({ topic_arn: v(p.TopicArn), protocol: v(p.Protocol), endpoint: v(p.Endpoint) })];
    case 'AWS::Events::Rule': {
      const targets = (p.Targets as { Id: string; Arn: Cfn; InputTransformer?: { InputPathsMap: Record<string, string>; InputTemplate: string } }[]) ?? [];
      return [
        block({ name: v(p.Name), description: v(p.Description), state: v(p.State), event_pattern: makeCall('jsonencode', v(p.EventPattern)), tags: tags() }),
        ...targets.map((target) =>
          block(
            {
              rule: self('name'),
              target_id: target.Id,
              arn: v(target.Arn),
              input_transformer: target.InputTransformer
                ? makeBlock('input_transformer', [], { input_paths: target.InputTransformer.InputPathsMap, input_template: target.InputTransformer.InputTemplate })
                : undefined,
            },
            'aws_cloudwatch_event_target',
            `${tfName}_${toSnakeCase(target.Id.replace(/-/g, '_'))}`,
          ),
        ),
      ];
    }
    case 'AWS::SNS::TopicPolicy':
      return ((p.Topics as Cfn[]) ?? []).map((topic, i) => block({ arn: v(topic), policy: makeCall('jsonencode', v(p.PolicyDocument)) }, tfType, i === 0 ? tfName : `${tfName}_${i + 1}`));
    case 'AWS::CloudWatch::Alarm':
      return [
        block({
          alarm_name: v(p.AlarmName),
          alarm_description: p.AlarmDescription !== undefined ? v(p.AlarmDescription) : undefined,
          namespace: v(p.Namespace),
          metric_name: v(p.MetricName),
          dimensions: ((p.Dimensions as unknown[]) ?? []).length > 0 ? Object.fromEntries(((p.Dimensions as { Name: string; Value: Cfn }[]) ?? []).map((d) => [d.Name, v(d.Value)])) : undefined,
          statistic: v(p.Statistic),
          period: v(p.Period),
          evaluation_periods: v(p.EvaluationPeriods),
          threshold: v(p.Threshold),
          comparison_operator: v(p.ComparisonOperator),
          treat_missing_data: p.TreatMissingData !== undefined ? v(p.TreatMissingData) : undefined,
          alarm_actions: p.AlarmActions !== undefined ? v(p.AlarmActions) : undefined,
          tags: tags(),
        }),
      ];
    default:
      throw new UserError(`cloud export cannot translate ${resource.Type} (${logicalId}) to Terraform yet`, { fix: 'export with --format cloudformation' });
  }
}

/** The task definition, with `deploy.task_definition`'s volumes and task-level keys in Terraform's own blocks. */
function translateTaskDefinition(t: Translator, p: Record<string, Cfn>, block: (body: Record<string, HclValue | HclBlock | HclBlock[] | undefined>) => HclBlock): HclBlock {
  const v = (x: Cfn): HclValue => t.value(x);
  const known = new Set(['Family', 'Cpu', 'Memory', 'NetworkMode', 'RequiresCompatibilities', 'ExecutionRoleArn', 'TaskRoleArn', 'EphemeralStorage', 'ContainerDefinitions', 'Volumes', 'Tags', 'RuntimePlatform', 'PidMode']);
  const unknown = Object.keys(p).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new UserError(`cloud export cannot translate the task definition's ${unknown.join(', ')} (from deploy.task_definition) to Terraform yet`, { fix: 'export with --format cloudformation' });
  }
  const storage = p.EphemeralStorage as { SizeInGiB: number } | undefined;
  const platform = p.RuntimePlatform as { CpuArchitecture?: string; OperatingSystemFamily?: string } | undefined;
  const volumes = ((p.Volumes as Record<string, Cfn>[] | undefined) ?? []).map((volume) => {
    const efs = volume.EFSVolumeConfiguration as Record<string, Cfn> | undefined;
    const auth = efs?.AuthorizationConfig as Record<string, Cfn> | undefined;
    return makeBlock('volume', [], {
      name: v(volume.Name),
      efs_volume_configuration: efs
        ? makeBlock('efs_volume_configuration', [], {
            file_system_id: v(efs.FilesystemId),
            root_directory: efs.RootDirectory !== undefined ? v(efs.RootDirectory) : undefined,
            transit_encryption: efs.TransitEncryption !== undefined ? v(efs.TransitEncryption) : undefined,
            transit_encryption_port: efs.TransitEncryptionPort !== undefined ? v(efs.TransitEncryptionPort) : undefined,
            authorization_config: auth ? makeBlock('authorization_config', [], { access_point_id: auth.AccessPointId !== undefined ? v(auth.AccessPointId) : undefined, iam: auth.IAM !== undefined ? v(auth.IAM) : undefined }) : undefined,
          })
        : undefined,
    });
  });
  return block({
    family: v(p.Family),
    cpu: toHclString(v(p.Cpu)),
    memory: toHclString(v(p.Memory)),
    network_mode: v(p.NetworkMode),
    requires_compatibilities: v(p.RequiresCompatibilities),
    execution_role_arn: v(p.ExecutionRoleArn),
    task_role_arn: v(p.TaskRoleArn),
    pid_mode: p.PidMode !== undefined ? v(p.PidMode) : undefined,
    ephemeral_storage: storage ? makeBlock('ephemeral_storage', [], { size_in_gib: storage.SizeInGiB }) : undefined,
    runtime_platform: platform ? makeBlock('runtime_platform', [], { cpu_architecture: platform.CpuArchitecture, operating_system_family: platform.OperatingSystemFamily }) : undefined,
    volume: volumes.length > 0 ? volumes : undefined,
    container_definitions: makeCall('jsonencode', v(toEcsJson(p.ContainerDefinitions))),
    tags: t.tags(p.Tags),
    lifecycle: makeBlock('lifecycle', [], {
      precondition: makeBlock('precondition', [], {
        condition: makeExpr('(var.subnets == null) == (var.security_groups == null)'),
        error_message: 'Set both var.subnets and var.security_groups, or neither (the module then makes a network).',
      }),
    }),
  });
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

