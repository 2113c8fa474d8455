// CloudFormation template shapes and intrinsic-function helpers, written as small types so stack code stays typed without an SDK.

/** `{ Ref: … }` — a resource's primary value (usually its name, id or ARN) or a pseudo parameter such as `AWS::Region`. */
export interface RefIntrinsic {
  Ref: string;
}
export interface GetAttIntrinsic {
  'Fn::GetAtt': [string, string];
}
export interface SubIntrinsic {
  'Fn::Sub': string | [string, Record<string, Value>];
}
export interface JoinIntrinsic {
  'Fn::Join': [string, ListValue];
}
export interface ImportValueIntrinsic {
  'Fn::ImportValue': Value;
}
export interface SplitIntrinsic {
  'Fn::Split': [string, Value];
}
export interface SelectIntrinsic {
  'Fn::Select': [string, ListValue];
}
export interface GetAZsIntrinsic {
  'Fn::GetAZs': string;
}

export type StringIntrinsic = RefIntrinsic | GetAttIntrinsic | SubIntrinsic | JoinIntrinsic | ImportValueIntrinsic | SelectIntrinsic;
export type ListIntrinsic = SplitIntrinsic | GetAZsIntrinsic | RefIntrinsic | GetAttIntrinsic;

/** A string-valued property: a literal or something CloudFormation resolves at deploy time. */
export type Value = string | StringIntrinsic;
/** A list-valued property: a literal list (of values) or an intrinsic that resolves to a list. */
export type ListValue = Value[] | ListIntrinsic;

export type DeletionPolicy = 'Delete' | 'Retain' | 'RetainExceptOnCreate' | 'Snapshot';

/** One entry of a template's `Resources`. `Props` is the typed `Properties` block of that resource type. */
export interface Resource<Type extends string = string, Props = object> {
  Type: Type;
  Properties: Props;
  DependsOn?: string[];
  DeletionPolicy?: DeletionPolicy;
  UpdateReplacePolicy?: DeletionPolicy;
}

export interface Tag {
  Key: string;
  Value: Value;
}

export interface Output {
  Description?: string;
  Value: Value;
  Export?: { Name: Value };
}

export interface Parameter {
  Type: 'String' | 'Number' | 'CommaDelimitedList';
  Description?: string;
  Default?: string;
  AllowedValues?: string[];
}

/** A whole template: plain JSON-serializable data, ready for `JSON.stringify` and CreateChangeSet's TemplateBody. */
export interface Template {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  /** What handoff records about the stack's inputs (e.g. the resource group settings), read back by later deploys. */
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, Parameter>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Output>;
}

export function ref(logicalIdOrPseudo: string): RefIntrinsic {
  return { Ref: logicalIdOrPseudo };
}

export function getAtt(logicalId: string, attribute: string): GetAttIntrinsic {
  return { 'Fn::GetAtt': [logicalId, attribute] };
}

/** `Fn::Sub`: `${AWS::Region}`, `${LogicalId}`, `${LogicalId.Attr}` and, with `variables`, `${Name}` are replaced. */
export function sub(text: string, variables?: Record<string, Value>): SubIntrinsic {
  return variables === undefined ? { 'Fn::Sub': text } : { 'Fn::Sub': [text, variables] };
}

export function join(separator: string, parts: ListValue): JoinIntrinsic {
  return { 'Fn::Join': [separator, parts] };
}

export function importValue(exportName: Value): ImportValueIntrinsic {
  return { 'Fn::ImportValue': exportName };
}

export function split(separator: string, value: Value): SplitIntrinsic {
  return { 'Fn::Split': [separator, value] };
}

export function select(index: number, list: ListValue): SelectIntrinsic {
  // CloudFormation accepts the index as a string or number; a string keeps cfn-lint and every engine happy.
  return { 'Fn::Select': [String(index), list] };
}

/** The availability zones of the stack's region (`''` means "this region"). */
export function getAZs(region = ''): GetAZsIntrinsic {
  return { 'Fn::GetAZs': region };
}

/** An ARN in the stack's own partition (aws, aws-cn, aws-us-gov), e.g. `arnOf('s3:::my-bucket/*')`. */
export function arnOf(rest: string): SubIntrinsic {
  return sub(`arn:\${AWS::Partition}:${rest}`);
}

/** Builds a template with the fixed format version; omits empty Parameters/Outputs so goldens stay small. */
export function createTemplate(input: {
  description: string;
  resources: Record<string, Resource>;
  outputs?: Record<string, Output>;
  parameters?: Record<string, Parameter>;
  metadata?: Record<string, unknown>;
}): Template {
  const template: Template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: input.description,
    ...(input.metadata ? { Metadata: input.metadata } : {}),
    Resources: input.resources,
  };
  if (input.parameters && Object.keys(input.parameters).length > 0) template.Parameters = input.parameters;
  if (input.outputs && Object.keys(input.outputs).length > 0) template.Outputs = input.outputs;
  return template;
}

/** An output that other stacks can `Fn::ImportValue` by `exportName`. */
export function createExport(description: string, value: Value, exportName: string): Output {
  return { Description: description, Value: value, Export: { Name: exportName } };
}
