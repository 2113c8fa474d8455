// The AWS regions the installed AWS SDK knows, read from its partitions data when a region is checked (never copied here).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** An AWS region name: `us-east-1`, `ap-southeast-2`, `us-gov-west-1` (not the partitions' `aws-global`). */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;

/**
 * Where SDK versions keep the partitions' regions (the endpoint rules' data): inside @aws-sdk/core now, in
 * @aws-sdk/util-endpoints before it moved there.
 */
const PARTITION_FILES = [
  { pkg: '@aws-sdk/core', file: 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js' },
  { pkg: '@aws-sdk/util-endpoints', file: 'dist-es/lib/aws/partitions.json' },
  { pkg: '@aws-sdk/util-endpoints', file: 'dist-cjs/lib/aws/partitions.json' },
];

let known: readonly string[] | null | undefined;

/**
 * Every region of every partition (aws, aws-cn, aws-us-gov, …) in the AWS SDK this handoff runs with, sorted; undefined
 * when its data cannot be found (a container image holds the bundle without node_modules), so nothing is judged then.
 * The SDK is found from here, or else beside the STS client handoff depends on (a nested install).
 */
export function readKnownAwsRegions(): readonly string[] | undefined {
  if (known !== undefined) return known ?? undefined;
  known = null;
  const resolvers = [createRequire(import.meta.url)];
  try {
    resolvers.push(createRequire(resolvers[0]!.resolve('@aws-sdk/client-sts')));
  } catch {
    // no STS client beside this file either
  }
  for (const { pkg, file } of PARTITION_FILES) {
    for (const resolver of resolvers) {
      try {
        const text = readFileSync(path.join(path.dirname(resolver.resolve(`${pkg}/package.json`)), file), 'utf8');
        // The module is `export const partitionsInfo = { … };` with the JSON of the endpoint rules' partitions.
        const data = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { partitions?: { regions?: Record<string, unknown> }[] };
        const regions = (data.partitions ?? []).flatMap((p) => Object.keys(p.regions ?? {})).filter((r) => AWS_REGION_PATTERN.test(r));
        if (regions.length > 0) {
          known = regions.sort();
          return known;
        }
      } catch {
        // not in this version's layout, or not installed here
      }
    }
  }
  return undefined;
}
