// Thin ECR wrappers: make the repository when missing (immutable tags), get a registry login, list image tags.
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  paginateListImages,
} from '@aws-sdk/client-ecr';
import { UserError } from '../../../errors.js';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws, readAwsErrorCode, toAwsError } from './aws-errors.js';

export interface EcrRepository {
  name: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>` */
  uri: string;
  tagMutability: string;
  created: boolean;
}

/** What `docker login` needs. The password is a secret: never log or print it, pass it on stdin. */
export interface EcrLogin {
  /** Registry host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com` (no scheme). */
  registry: string;
  username: string;
  password: string;
  expiresAt?: Date;
}

/**
 * Returns the repository, creating it when it does not exist. New repositories get immutable tags (a pushed version
 * can never be overwritten, so a task definition's image stays what was tested) and scan on push.
 */
/** `tags` (deploy.tags) go on a repository this call creates, beside handoff's own; an existing one is left as it is. */
export async function ensureEcrRepository(config: AwsClientConfig, name: string, tags: Record<string, string> = {}): Promise<EcrRepository> {
  const client = new ECRClient(toClientInput(config));
  try {
    try {
      const found = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
      const repo = found.repositories?.[0];
      if (repo?.repositoryUri) return { name, uri: repo.repositoryUri, tagMutability: repo.imageTagMutability ?? 'MUTABLE', created: false };
    } catch (error) {
      if (readAwsErrorCode(error) !== 'RepositoryNotFoundException') {
        throw toAwsError(error, { action: `look up the ECR repository ${name} (ecr:DescribeRepositories)` });
      }
    }
    const created = await callAws({ action: `create the ECR repository ${name} (ecr:CreateRepository)` }, () =>
      client.send(
        new CreateRepositoryCommand({
          repositoryName: name,
          imageTagMutability: 'IMMUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          tags: [{ Key: 'handoff', Value: 'container-image' }, ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))],
        }),
      ),
    );
    const uri = created.repository?.repositoryUri;
    if (!uri) throw new Error(`ECR created the repository ${name} but returned no URI`);
    return { name, uri, tagMutability: created.repository?.imageTagMutability ?? 'IMMUTABLE', created: true };
  } finally {
    client.destroy();
  }
}

/** A registry login from ecr:GetAuthorizationToken (valid for 12 hours): the token is base64 of `AWS:<password>`. */
export async function getEcrLogin(config: AwsClientConfig): Promise<EcrLogin> {
  const client = new ECRClient(toClientInput(config));
  try {
    const out = await callAws({ action: 'get a registry login for ECR (ecr:GetAuthorizationToken)' }, () => client.send(new GetAuthorizationTokenCommand({})));
    const data = out.authorizationData?.[0];
    if (!data?.authorizationToken || !data.proxyEndpoint) {
      throw new UserError('ECR returned no authorization token', { fix: 'check that the credentials may call ecr:GetAuthorizationToken' });
    }
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new Error('ECR returned an authorization token that is not "user:password"');
    return {
      registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      expiresAt: data.expiresAt,
    };
  } finally {
    client.destroy();
  }
}

/** Every image tag of a repository (all pages); undefined when the repository does not exist. */
export async function listEcrImageTags(config: AwsClientConfig, repository: string): Promise<string[] | undefined> {
  const client = new ECRClient(toClientInput(config));
  try {
    const tags: string[] = [];
    for await (const page of paginateListImages({ client }, { repositoryName: repository, filter: { tagStatus: 'TAGGED' } })) {
      for (const image of page.imageIds ?? []) if (image.imageTag) tags.push(image.imageTag);
    }
    return tags;
  } catch (error) {
    if (readAwsErrorCode(error) === 'RepositoryNotFoundException') return undefined;
    throw toAwsError(error, { action: `list the images of the ECR repository ${repository} (ecr:ListImages)` });
  } finally {
    client.destroy();
  }
}
